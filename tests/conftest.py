"""Shared fixtures: a migrated desk on SQLite and on PostgreSQL, a frozen clock, agents.

PostgreSQL tests run against 127.0.0.1:5432 (override with DESKTERM_TEST_PG). Without a
server they skip, unless CI is set: then they fail, so CI never passes without them.
"""

import itertools
import os
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from deskterm.config import Settings
from deskterm.domain.core.clock import FixedClock
from deskterm.services.core.context import Desk
from deskterm.services.core.identity import OsIdentity
from deskterm.store import migrate
from deskterm.store.engine import create_desk_engine

os.environ["TZ"] = "UTC"  # times are shown in local time: the tests pin it
time.tzset()

PG_ADMIN = os.environ.get("DESKTERM_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
FROZEN = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
_counter = itertools.count()


def _pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_ADMIN, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:
        return str(exc).splitlines()[0]
    return None


def _pg_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def _pg_admin(sql: str) -> None:
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


@pytest.fixture(scope="session")
def worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "gw0")


@pytest.fixture(scope="session")
def pg_template(worker: str) -> Iterator[str]:
    """A migrated PostgreSQL database used as the template of each test's own database."""
    problem = _pg_reachable()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but PostgreSQL at {PG_ADMIN} is unreachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable ({problem})")
    name = f"deskterm_tpl_{worker}_{os.getpid()}"
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
    _pg_admin(f'CREATE DATABASE "{name}"')
    engine = create_desk_engine(_pg_url(name))
    migrate.ensure_schema(engine)
    engine.dispose()
    yield name
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.sqlite"
    engine = create_desk_engine(f"sqlite:///{path}")
    migrate.ensure_schema(engine)
    engine.dispose()
    return path


def fresh_sqlite(template: Path, tmp_path: Path) -> str:
    target = tmp_path / f"desk-{next(_counter)}.sqlite"
    shutil.copy(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def fresh_pg(request: pytest.FixtureRequest, worker: str) -> Iterator[str]:
    """A new, migrated PostgreSQL database for one test, dropped afterwards."""
    template = request.getfixturevalue("pg_template")
    name = f"deskterm_t_{worker}_{os.getpid()}_{next(_counter)}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _pg_url(name)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def empty_pg(request: pytest.FixtureRequest, worker: str) -> Iterator[str]:
    """An empty PostgreSQL database (no schema) for migration tests."""
    request.getfixturevalue("pg_template")  # skip or fail exactly like the others
    name = f"deskterm_e_{worker}_{os.getpid()}_{next(_counter)}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    yield _pg_url(name)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated, empty desk database: every data-layer test runs once per backend."""
    if request.param == "sqlite":
        return fresh_sqlite(sqlite_template, tmp_path)
    return request.getfixturevalue("fresh_pg")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database without any schema, per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite'}"
    return request.getfixturevalue("empty_pg")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(FROZEN)


IDENTITY = OsIdentity(uid=4242, login="alice", display_name="Alice Agent")


def open_desk(url: str, clock: FixedClock | None = None, identity: OsIdentity = IDENTITY) -> Desk:
    return Desk.open(Settings(db=url), clock=clock or FixedClock(FROZEN), identity=identity)


@pytest.fixture
def desk(db_url: str, clock: FixedClock) -> Iterator[Desk]:
    d = open_desk(db_url, clock)
    yield d
    d.close()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the developer's real config or data directory."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv("DESKTERM_DB", raising=False)
