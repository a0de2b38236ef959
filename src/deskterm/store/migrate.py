"""Run the Alembic chain from code: an installed deskterm creates and upgrades its own database.

A database behind the code is upgraded; one ahead of it (a newer deskterm wrote it) is refused
untouched, as is a database that holds tables but is not deskterm's.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from deskterm import paths

if TYPE_CHECKING:  # Alembic is imported only when a migration has to run: start-up stays quick
    from alembic.config import Config
    from alembic.script import ScriptDirectory

_LOCK_KEY = 0x6465736B  # "desk": PostgreSQL advisory lock id for migrations


class SchemaError(RuntimeError):
    """The database's schema version cannot be used by this deskterm."""


def _config(connection: Connection | None = None) -> "Config":
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(paths.migrations_dir()))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def script() -> "ScriptDirectory":
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


_REVISION = re.compile(r"^revision(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.M)


@lru_cache(maxsize=1)
def head_fast() -> str | None:
    """The head revision read from the scripts' headers, without loading Alembic."""
    revisions, downs = set(), set()
    for path in (paths.migrations_dir() / "versions").glob("*.py"):
        body = path.read_text(encoding="utf-8")
        if found := _REVISION.search(body):
            revisions.add(found.group(1))
        if down := _DOWN.search(body):
            downs.add(down.group(1))
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else None


def head_revision() -> str:
    head = script().get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """One migrator at a time: SQLite's IMMEDIATE transaction, PostgreSQL's advisory lock.

    On SQLite, batch mode alters a table by copying it, dropping the old one and renaming the
    copy: with foreign keys enforced, dropping a table that rows refer to fails, so a desk with
    data could not be downgraded. Foreign keys are off while the scripts run (the pragma only
    works outside a transaction) and checked whole before the transaction commits."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.execution_options(deskterm_write=True).connect() as conn:
        raw = conn.connection.dbapi_connection
        if sqlite and raw is not None:
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
                yield conn
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise SchemaError(
                            f"the migration would leave {len(broken)} rows pointing at nothing "
                            f"(first in table {broken[0][0]}); nothing was changed"
                        )
        finally:
            if sqlite and raw is not None:
                raw.execute("PRAGMA foreign_keys = ON")


def _check_known(conn: Connection) -> str | None:
    rev = current_revision(conn)
    if rev is None:
        tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
        if tables:
            raise SchemaError(
                "this database holds tables but no deskterm schema version; "
                "point --db at a deskterm database or an empty one"
            )
        return None
    if _known(rev):
        return rev
    raise SchemaError(
        f"this database was written by a newer deskterm (schema {rev}); "
        "upgrade deskterm (pip install -U deskterm) before opening it"
    )


def _known(rev: str) -> bool:
    from alembic.util import CommandError

    try:
        return script().get_revision(rev) is not None
    except CommandError:
        return False


def _already_current(engine: Engine) -> str | None:
    """One read: the head revision if the database is at it (the usual start), else None."""
    head = head_fast()
    if head is None:
        return None
    try:
        with engine.connect() as conn:
            rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:
        return None  # no version table yet: the full path creates the schema
    return head if rev == head else None


def is_current(engine: Engine) -> bool:
    """Whether the database is at this code's head, found by one read (nothing is written)."""
    return _already_current(engine) is not None


def ensure_schema(engine: Engine) -> str:
    """Bring the database to this code's head if it is behind; refuse one that is ahead."""
    if (head := _already_current(engine)) is not None:
        return head
    from alembic import command

    with _locked(engine) as conn:
        rev = _check_known(conn)
        head = head_revision()
        if rev != head:
            command.upgrade(_config(conn), "head")
    return head


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    from alembic import command

    with _locked(engine) as conn:
        _check_known(conn)
        command.upgrade(_config(conn), revision)
        return current_revision(conn)


def downgrade(engine: Engine, revision: str) -> str | None:
    from alembic import command

    with _locked(engine) as conn:
        _check_known(conn)
        command.downgrade(_config(conn), revision)
        return current_revision(conn)


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return current_revision(conn)


_CREATES = re.compile(r"op\.create_table\(\s*['\"](\w+)['\"]")


def downgrade_drops(engine: Engine, revision: str) -> dict[str, int]:
    """The tables a downgrade to ``revision`` drops, with the rows each holds now.

    Read from the scripts being undone (the tables each one creates), so the question before
    a downgrade can say what will be lost. An unknown revision raises Alembic's error."""
    with engine.connect() as conn:
        current_rev = current_revision(conn)
        if current_rev is None:
            return {}
        target = None if revision == "base" else revision
        names: list[str] = []
        for rev in script().iterate_revisions(current_rev, target or "base"):
            if rev.revision == target:
                continue
            body = Path(rev.path).read_text(encoding="utf-8")
            names.extend(_CREATES.findall(body))
        present = set(inspect(conn).get_table_names())
        out: dict[str, int] = {}
        for name in names:
            if name in present:
                out[name] = int(conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar() or 0)
        return out
