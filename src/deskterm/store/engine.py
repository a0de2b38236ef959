"""Engine and session factories. Nothing is connected at import time.

SQLite gets WAL, foreign keys, a busy timeout, and write transactions that begin IMMEDIATE
(so two writers queue instead of failing mid-transaction); readers begin DEFERRED.
"""

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from deskterm.domain.core.urls import mask_url
from deskterm.files import private_dir, private_file
from deskterm.store import audit_chain

BUSY_TIMEOUT_MS = 30_000
_WRITE = "deskterm_write"


class BadDatabaseURL(ValueError):
    """A URL deskterm will not use (exit 4)."""


class DatabaseLocationError(OSError):
    """A SQLite location that cannot be used: a missing or unwritable folder (exit 6)."""


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event decide how transactions begin.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as psycopg 3 URLs; check the rest."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise BadDatabaseURL(
            f"{mask_url(url)!r} is not a database URL; use sqlite:///path/to/desk.sqlite "
            "or postgresql+psycopg://user@host/dbname"
        ) from None
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise BadDatabaseURL(
            f"deskterm runs on SQLite or PostgreSQL, not {backend!r}; "
            "use sqlite:///path or postgresql+psycopg://user@host/dbname"
        )
    else:
        _check_sqlite(parsed)
    return parsed.render_as_string(hide_password=False)


def _check_sqlite(parsed: URL) -> None:
    """Refuse SQLite URLs that would silently do something else than keep a desk in a file."""
    if not parsed.database:
        raise BadDatabaseURL(
            "sqlite:// is an in-memory desk that keeps nothing; give a file "
            "(sqlite:///path/to/desk.sqlite), or sqlite:///:memory: if a throwaway desk is meant"
        )
    if parsed.query:
        options = ", ".join(sorted(parsed.query))
        raise BadDatabaseURL(
            f"SQLite URLs take no options (got {options}); remove the ?... part "
            "(a read-only desk is not supported)"
        )


def _prepare_sqlite_file(database: str, create_folder: bool) -> None:
    """The desk file is 0600; its folder must exist unless it is the default location."""
    path = Path(database).expanduser()
    folder = path.parent
    try:
        if not folder.is_dir():
            if not create_folder:
                raise DatabaseLocationError(
                    f"the folder {folder} does not exist; create it first or fix the path in "
                    "--db / DESKTERM_DB (deskterm does not create folders for a typo)"
                )
            private_dir(folder)
        private_file(path)
    except DatabaseLocationError:
        raise
    except OSError as exc:
        raise DatabaseLocationError(
            f"cannot create the desk file {path}: {exc.strerror or exc}; choose a folder you can "
            "write to with --db / DESKTERM_DB, or fix its permissions"
        ) from None


def create_desk_engine(url: str, *, create_folder: bool = False, **kwargs: Any) -> Engine:
    """An engine for ``url``. A SQLite file is created 0600; its folder only if
    ``create_folder`` (the default location), as 0700."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _prepare_sqlite_file(parsed.database, create_folder)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        audit_chain.install(engine)
        return engine
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise BadDatabaseURL("PostgreSQL needs the driver: pip install 'deskterm[postgres]'") from None
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, connect_args={"connect_timeout": 5}, **kwargs)
    audit_chain.install(engine)
    return engine


def session_factories(engine: Engine) -> tuple[sessionmaker[Session], sessionmaker[Session]]:
    """(read, write) session makers; the write one begins IMMEDIATE on SQLite."""
    read = sessionmaker(engine, expire_on_commit=False)
    write = sessionmaker(engine.execution_options(**{_WRITE: True}), expire_on_commit=False)
    return read, write
