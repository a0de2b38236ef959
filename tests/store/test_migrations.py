"""The Alembic chain on both databases: from empty, models match, down and up, refusals."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from deskterm.config import Settings
from deskterm.services.core import schema
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import DatabaseUnavailable
from deskterm.store import migrate
from deskterm.store.base import Base
from deskterm.store.engine import create_desk_engine
from tests.conftest import fresh_sqlite

ROOT = Path(__file__).resolve().parents[2]


def test_upgrade_from_empty_creates_every_table(empty_db_url: str) -> None:
    engine = create_desk_engine(empty_db_url)
    assert migrate.ensure_schema(engine) == migrate.head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with engine.connect() as conn:
        counters = dict(conn.execute(text("select name, value from ref_counters")).all())
    assert counters == {"INC": 0, "REQ": 0, "PRB": 0, "KE": 0, "CHG": 0, "EVT": 0}
    engine.dispose()


def test_models_match_migrations(db_url: str) -> None:
    engine = create_desk_engine(db_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_to_base_and_back(db_url: str) -> None:
    settings = Settings(db=db_url)
    down = schema.downgrade(settings, "base")
    assert down.current is None
    engine = create_desk_engine(db_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    up = schema.upgrade(settings)
    assert up.current == up.head and up.up_to_date


def test_a_database_newer_than_the_code_is_refused_untouched(db_url: str) -> None:
    engine = create_desk_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("update alembic_version set version_num = '9999_future'"))
    engine.dispose()
    with pytest.raises(DatabaseUnavailable, match="newer deskterm") as err:
        Desk.open(Settings(db=db_url))
    assert err.value.exit_code == 6
    engine = create_desk_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == "9999_future"
    engine.dispose()


def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("create table invoices (id integer primary key)"))
    engine.dispose()
    with pytest.raises(DatabaseUnavailable, match="no deskterm schema version"):
        Desk.open(Settings(db=url))


def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_template: Path, tmp_path: Path) -> None:
    engine = create_desk_engine(fresh_sqlite(sqlite_template, tmp_path))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    engine.dispose()


def test_one_linear_chain() -> None:
    heads = migrate.script().get_heads()
    assert len(heads) == 1
    bases = migrate.script().get_bases()
    assert len(bases) == 1


@pytest.mark.slow
def test_the_wheel_contains_the_migrations(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"building the wheel failed: {result.stderr[-2000:]}")
    wheel = next(tmp_path.glob("deskterm-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "deskterm/_migrations/env.py" in names
    assert any(n.startswith("deskterm/_migrations/versions/0001") for n in names)


def test_the_fast_head_read_from_script_headers_matches_alembic() -> None:
    assert migrate.head_fast() == migrate.head_revision()
