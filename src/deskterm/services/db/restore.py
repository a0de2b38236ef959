"""``deskterm db restore FILE``: put a backup back, refusing anything that could lose work.

Order matters, and every refusal happens before the desk is touched: the manifest must be
deskterm's and the file must match its sha256 and size (a corrupted or truncated copy is
refused); the schema must be one this deskterm knows (a newer one is refused; an older one is
upgraded after restoring); a desk that holds work is replaced only with ``--yes``, and then
only after it was itself backed up, so a restore of the wrong file can be undone.
"""

import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from deskterm.config import Settings
from deskterm.domain.core.permissions import Action
from deskterm.services.core.context import Desk, _unavailable, safe_url
from deskterm.services.core.errors import Conflict, DatabaseUnavailable, InvalidInput
from deskterm.services.db import backup as backups
from deskterm.services.db import guard
from deskterm.store import migrate
from deskterm.store.engine import create_desk_engine

# Tables whose rows are work an agent would miss; agents, counters and seeded definitions are
# not (opening a desk enrols its user, migrations seed counters).
WORK_TABLES = ("tickets", "contacts", "problems", "changes", "events", "audit_entries")


class RestoreView(BaseModel):
    file: str
    database: str
    backup_revision: str | None
    schema_revision: str | None
    upgraded: bool
    replaced_backup: str | None
    tickets: int
    audit_rows: int


def restore(desk: Desk, file: Path, *, yes: bool = False, now: datetime | None = None) -> RestoreView:
    """Restore ``file`` into ``desk`` (see the module docstring): admins only, or anyone who can
    open a database without agents, or its owner (services/db/guard.py). ``desk`` is best opened
    without migrating: an empty database is restored into as it is."""
    guard.authorise(desk, Action.DB_RESTORE)
    desk.engine.dispose()  # no pooled connection of the desk holds the database during the copy
    try:
        return _restore(desk.settings, file, yes=yes, now=now)
    finally:
        desk.forget_actor()  # the agents are the backup's now: establish who acts anew


def _restore(settings: Settings, file: Path, *, yes: bool, now: datetime | None) -> RestoreView:
    url = backups.url_of(settings)
    manifest = backups.read_manifest(file)
    _check_file(file, manifest, url)
    revision = manifest.get("schema_revision")
    if revision is not None and not _known(revision):
        raise DatabaseUnavailable(
            f"{file.name} was written by a newer deskterm (schema {revision}); "
            "upgrade deskterm (pip install -U deskterm) before restoring it"
        )
    engine = create_desk_engine(settings.db)
    try:
        work = _work_rows(engine)
        if work and not yes:
            raise Conflict(
                f"the desk at {safe_url(settings.db)} holds {work} rows of work; add --yes to replace it "
                "(it is backed up first)"
            )
        kept = None
        if _has_tables(engine):
            engine.dispose()  # no pooled connection of ours holds the file during the copy
            kept = backups.write_backup(settings, tag="pre-restore-", now=now).file
        if url.get_backend_name() == "sqlite":
            engine.dispose()
            _sqlite_restore(file, backups.sqlite_path(url))
        else:
            _pg_restore(file, url)
        facts = _verify_counts(engine, manifest, kept)
        upgraded = False
        if revision != migrate.head_revision():
            migrate.upgrade(engine)
            upgraded = True
        with engine.connect() as conn:
            now_revision = migrate.current_revision(conn)
    except migrate.SchemaError as exc:
        raise DatabaseUnavailable(str(exc)) from None
    except DBAPIError as exc:
        raise _unavailable(exc, settings.db) from None
    finally:
        engine.dispose()
    return RestoreView(
        file=str(file),
        database=safe_url(settings.db),
        backup_revision=revision,
        schema_revision=now_revision,
        upgraded=upgraded,
        replaced_backup=kept,
        tickets=facts.get("tickets", 0),
        audit_rows=facts.get("audit_entries", 0),
    )


def _check_file(file: Path, manifest: dict[str, Any], url: URL) -> None:
    size = file.stat().st_size
    if size != manifest.get("bytes"):
        raise InvalidInput(
            f"{file.name} is {size} bytes but its manifest says {manifest.get('bytes')}: the copy is "
            "truncated or was changed; use another backup"
        )
    if backups.sha256_of(file) != manifest.get("sha256"):
        raise InvalidInput(
            f"{file.name} does not match the sha256 in its manifest: the copy is corrupted; "
            "use another backup"
        )
    backend = url.get_backend_name()
    if manifest.get("backend") != backend:
        raise InvalidInput(
            f"{file.name} is a {manifest.get('backend')} backup and --db is {backend}; restore it into a "
            f"{manifest.get('backend')} desk"
        )


def _known(revision: str) -> bool:
    from alembic.util import CommandError

    try:
        return migrate.script().get_revision(revision) is not None
    except CommandError:
        return False


def _has_tables(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(set(inspect(conn).get_table_names()) - {"alembic_version"})


def _work_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        return sum(
            int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one())
            for t in WORK_TABLES
            if t in present
        )


def _sqlite_restore(file: Path, target: Path) -> None:
    """Page by page into the live file under its write lock: other deskterms see old or new."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{file}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target, timeout=30, isolation_level=None)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(f"cannot restore into {target}: {exc}; the desk was not changed") from None
    finally:
        src.close()
        dst.close()
    target.chmod(0o600)


def _pg_restore(file: Path, url: URL) -> None:
    """The dump as SQL first (a bad archive fails here, before anything is dropped), then one
    psql transaction that empties the schema and loads it: all of it lands or none."""
    pg_restore, psql = backups.pg_tool("pg_restore"), backups.pg_tool("psql")
    env = backups.pg_env(url)
    script = file.with_name(f".{file.name}.restore.sql")
    script.unlink(missing_ok=True)
    try:
        backups._private_file(script)
        backups.run_tool(
            [pg_restore, "--no-owner", "--no-privileges", f"--file={script}", str(file)], env, "pg_restore"
        )
        backups.run_tool(
            [
                psql,
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                "--command=DROP SCHEMA public CASCADE",
                "--command=CREATE SCHEMA public",
                f"--file={script}",
            ],
            env,
            "psql restoring the dump",
        )
    except subprocess.SubprocessError as exc:
        raise DatabaseUnavailable(f"restoring {file.name} failed: {exc}; nothing was replaced") from None
    finally:
        script.unlink(missing_ok=True)


def _verify_counts(engine: Engine, manifest: dict[str, Any], kept: str | None) -> dict[str, int]:
    expected: dict[str, int] = manifest.get("row_counts") or {}
    with engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        found = {
            t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one())
            for t in expected
            if t in present
        }
    if found != expected:
        differ = sorted(t for t in expected if found.get(t) != expected[t])
        undo = f"; the replaced desk is in {kept}" if kept else ""
        raise DatabaseUnavailable(
            f"after restoring, the row counts of {', '.join(differ)} differ from the manifest{undo}; "
            "check the database and restore again"
        )
    return found
