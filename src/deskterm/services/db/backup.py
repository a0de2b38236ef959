"""``deskterm db backup``: a consistent copy of a live desk, with a manifest beside it.

Why not a file copy: a SQLite desk runs in WAL mode, so the file alone misses committed work
and a copy taken mid-write can be torn. SQLite's online backup API copies the pages of one
read snapshot while agents keep writing. PostgreSQL is dumped by ``pg_dump -Fc`` in a snapshot
exported from our own read transaction, so the manifest's row counts describe exactly the rows
in the dump.

The manifest (``FILE.manifest.json``) says what the file is (schema revision, sha256, size,
time, the masked source URL, row counts, the audit chain head) so that restore can refuse a
corrupted, truncated or too-new file before touching a desk, and so that an auditor holding
old manifests can see that the audit trail only ever grew.
"""

import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from deskterm import __version__, paths
from deskterm.config import Settings
from deskterm.domain.core.permissions import Action
from deskterm.services.core.context import Desk, _unavailable, safe_url
from deskterm.services.core.errors import Conflict, DatabaseUnavailable, InvalidInput, NotFound
from deskterm.services.db import guard
from deskterm.store.base import Base
from deskterm.store.engine import BadDatabaseURL, create_desk_engine, normalise_url

FORMAT = "deskterm-backup"
MANIFEST_SUFFIX = ".manifest.json"
PG_HOW = (
    "install the PostgreSQL client tools (Debian/Ubuntu: apt install postgresql-client; "
    "macOS: brew install libpq) so that {tool} is on PATH, or back up with your usual PostgreSQL tooling"
)


class BackupView(BaseModel):
    file: str
    manifest: str
    backend: str
    schema_revision: str | None
    sha256: str
    bytes: int
    created_at: datetime
    source: str
    tickets: int
    audit_rows: int
    removed: list[str]
    seconds: float


def manifest_path(file: Path) -> Path:
    return file.with_name(file.name + MANIFEST_SUFFIX)


def url_of(settings: Settings) -> URL:
    try:
        return make_url(normalise_url(settings.db))
    except BadDatabaseURL as exc:
        raise InvalidInput(str(exc)) from None


def sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise InvalidInput("an in-memory SQLite desk cannot be backed up or restored; use a file URL")
    return Path(url.database).expanduser()


def default_dir(url: URL) -> Path:
    """Beside a SQLite desk (same disk, same permissions); the data directory for PostgreSQL."""
    if url.get_backend_name() == "sqlite":
        return sqlite_path(url).parent / "backups"
    return paths.user_data_dir() / "backups"


def _stem(url: URL) -> str:
    return sqlite_path(url).stem if url.get_backend_name() == "sqlite" else (url.database or "desk")


def _destination(url: URL, target: Path | None, now: datetime, tag: str) -> Path:
    suffix = ".sqlite" if url.get_backend_name() == "sqlite" else ".dump"
    folder = target if target is not None and target.is_dir() else None
    if target is not None and folder is None:
        if target.exists() or manifest_path(target).exists():
            raise Conflict(f"{target} already exists; choose another file name or a folder")
        if not target.parent.is_dir():
            raise NotFound(f"folder {target.parent} does not exist; create it or choose another path")
        return target
    folder = folder or default_dir(url)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    base = f"{_stem(url)}-{tag}{now.strftime('%Y%m%dT%H%M%SZ')}"
    # Within one second the next free number after the highest taken, never a gap left by
    # rotation: names keep sorting in the order the backups were made.
    taken = [
        1 if p.name.startswith(base + ".") else _index(p.name[len(base) :])
        for p in folder.glob(glob.escape(base) + "*")
    ]
    n = max(taken, default=0) + 1
    return folder / (base + (f"-{n}" if n > 1 else "") + suffix)


def _index(rest: str) -> int:
    number = rest[1:].split(".", 1)[0] if rest.startswith("-") else ""
    return int(number) if number.isdigit() else 0


def sha256_of(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 before anything writes into it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def pg_env(url: URL) -> dict[str, str]:
    """libpq's environment for ``url``: the password never appears on a command line."""
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", url.host),
        ("PGPORT", str(url.port) if url.port else None),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
        ("PGSSLMODE", url.query.get("sslmode")),
    ):
        if isinstance(value, str) and value:
            env[key] = value
    return env


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DatabaseUnavailable(f"{name} is not installed; " + PG_HOW.format(tool=name))
    return found


def run_tool(argv: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout or "no output").strip().splitlines()
        raise DatabaseUnavailable(
            f"{what} failed: {lines[0] if lines else 'no output'}; nothing was replaced"
        )


# What each backend reads for the manifest, on one connection (the backup's own snapshot).
def describe_sqlite(conn: sqlite3.Connection) -> dict[str, Any]:
    """Revision, row counts and audit head of a SQLite file (the copy itself, not the source)."""
    present = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    revision = (
        conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if "alembic_version" in present
        else None
    )
    counts = {
        t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])
        for t in sorted(present & set(Base.metadata.tables))
    }
    head: tuple[Any, ...] | None = None
    if "audit_entries" in present:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(audit_entries)")}
        hashed = "chain_hash" if "chain_hash" in columns else "NULL"
        head = conn.execute(f"SELECT id, {hashed} FROM audit_entries ORDER BY id DESC LIMIT 1").fetchone()
    return _manifest_facts(revision[0] if revision else None, counts, head)


def describe_pg(conn: Connection) -> dict[str, Any]:
    present = set(
        conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars()
    )
    revision = (
        conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if "alembic_version" in present
        else None
    )
    counts = {
        t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one())
        for t in sorted(present & set(Base.metadata.tables))
    }
    head = None
    if "audit_entries" in present:
        hashed = conn.execute(
            text(
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = 'audit_entries' AND column_name = 'chain_hash'"
            )
        ).scalar_one()
        column = "chain_hash" if hashed else "NULL"
        head = conn.execute(text(f"SELECT id, {column} FROM audit_entries ORDER BY id DESC LIMIT 1")).first()
    return _manifest_facts(revision, counts, tuple(head) if head is not None else None)


def _manifest_facts(
    revision: str | None, counts: dict[str, int], head: tuple[Any, ...] | None
) -> dict[str, Any]:
    return {
        "schema_revision": revision,
        "row_counts": counts,
        "audit_head": {"id": int(head[0]), "hash": head[1]} if head else None,
    }


def backup(
    desk: Desk,
    target: Path | None = None,
    *,
    keep: int | None = None,
    now: datetime | None = None,
) -> BackupView:
    """Back up ``desk`` to ``target`` (a file, a folder, or the default): admins and desk
    managers (see services/db/guard.py). ``desk`` is best opened without migrating, so that a
    desk is backed up as it is, before an upgrade too."""
    guard.authorise(desk, Action.DB_BACKUP)
    return write_backup(desk.settings, target, keep=keep, now=now)


def write_backup(
    settings: Settings,
    target: Path | None = None,
    *,
    keep: int | None = None,
    now: datetime | None = None,
    tag: str = "",
) -> BackupView:
    """The backup itself, once allowed (restore keeps the desk it replaces with this)."""
    if keep is not None and keep < 1:
        raise InvalidInput("--keep must be 1 or more (how many backups of this desk to keep)")
    started = time.monotonic()
    url = url_of(settings)
    now = now or datetime.now(UTC)
    dest = _destination(url, target, now, tag)
    partial = dest.with_name(f".{dest.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        _private_file(partial)
        if url.get_backend_name() == "sqlite":
            facts = _sqlite_backup(url, partial)
        else:
            facts = _pg_backup(settings, url, partial)
        digest = sha256_of(partial)
        manifest = {
            "format": FORMAT,
            "format_version": 1,
            "backend": url.get_backend_name(),
            "file": dest.name,
            "bytes": partial.stat().st_size,
            "sha256": digest,
            "created_at": now.isoformat(timespec="microseconds"),  # orders rotation within a second
            "source": safe_url(settings.db),
            "deskterm": __version__,
            **facts,
        }
        _write_manifest(manifest_path(dest), manifest)
        partial.rename(dest)
    except BaseException:
        partial.unlink(missing_ok=True)
        manifest_path(dest).unlink(missing_ok=True)
        raise
    removed = rotate(dest.parent, manifest["source"], keep) if keep else []
    counts = facts["row_counts"]
    return BackupView(
        file=str(dest),
        manifest=str(manifest_path(dest)),
        backend=manifest["backend"],
        schema_revision=facts["schema_revision"],
        sha256=digest,
        bytes=manifest["bytes"],
        created_at=now,
        source=manifest["source"],
        tickets=counts.get("tickets", 0),
        audit_rows=counts.get("audit_entries", 0),
        removed=removed,
        seconds=round(time.monotonic() - started, 2),
    )


def _write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    _private_file(partial)
    partial.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.rename(path)


def _sqlite_backup(url: URL, partial: Path) -> dict[str, Any]:
    source = sqlite_path(url)
    if not source.is_file() or source.stat().st_size == 0:  # opening a missing desk creates it empty
        raise NotFound(f"there is no desk database at {source}; check --db / DESKTERM_DB")
    with _sqlite(source) as src, _sqlite(partial) as dst:
        try:
            src.backup(dst)  # all pages in one step: one consistent read snapshot
        except sqlite3.Error as exc:
            raise DatabaseUnavailable(f"cannot read {source}: {exc}; check the file and try again") from None
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        return describe_sqlite(dst)


@contextmanager
def _sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def _pg_backup(settings: Settings, url: URL, partial: Path) -> dict[str, Any]:
    pg_dump = pg_tool("pg_dump")
    engine = create_desk_engine(settings.db)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            conn.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            facts = describe_pg(conn)
            # The exporting transaction stays open while pg_dump imports its snapshot.
            run_tool(
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={partial}"],
                pg_env(url),
                "pg_dump",
            )
            conn.rollback()
    except DBAPIError as exc:
        raise _unavailable(exc, settings.db) from None
    finally:
        engine.dispose()
    return facts


def read_manifest(file: Path) -> dict[str, Any]:
    path = manifest_path(file)
    if not file.is_file():
        raise NotFound(f"there is no backup file {file}; check the path")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(
            f"{path.name} is missing beside {file.name}; restore needs the manifest written with it"
        ) from None
    except (OSError, ValueError) as exc:
        raise InvalidInput(
            f"cannot read the manifest {path}: {exc}; use the manifest written with the backup"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidInput(
            f"{path} is not a deskterm backup manifest; use the file written by deskterm db backup"
        )
    return data


def rotate(folder: Path, source: str, keep: int) -> list[str]:
    """Keep the newest ``keep`` backups of ``source`` in ``folder``; remove the older ones."""
    mine: list[tuple[str, float, Path]] = []
    for path in folder.glob(f"*{MANIFEST_SUFFIX}"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("format") == FORMAT and data.get("source") == source:
            mine.append((str(data.get("created_at", "")), path.stat().st_mtime, path))
    mine.sort(key=lambda item: (item[0], item[1]), reverse=True)
    removed: list[str] = []
    for _, _, path in mine[keep:]:
        data_file = path.with_name(path.name[: -len(MANIFEST_SUFFIX)])
        data_file.unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        removed.append(str(data_file))
    return removed
