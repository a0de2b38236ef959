"""The tamper-evident audit trail on both databases: sealed with the write, intact under
concurrent writers, and every edit, removal or insertion done in SQL named by its row."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, text

from deskterm.config import Settings
from deskterm.services.core import schema
from deskterm.services.core.context import Desk
from deskterm.services.db import integrity
from deskterm.store import audit_chain
from tests.services import factories as f
from tests.services.test_concurrency import job, run_workers


def _raw(url: str) -> Iterator[Connection]:
    """A plain connection, as a tamperer with the database's password would use."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # a superuser can switch the append-only trigger off
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        yield conn
    engine.dispose()


def tamper(url: str, sql: str, **params: object) -> None:
    for conn in _raw(url):
        conn.execute(text(sql), params)


def findings(url: str) -> list[tuple[int, str]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = audit_chain.verify(conn)
    engine.dispose()
    return found


def hashes(url: str) -> list[tuple[int, str | None]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, chain_hash FROM audit_entries ORDER BY id")).all()
    engine.dispose()
    return [(int(a), b) for a, b in rows]


@pytest.fixture
def busy(desk: Desk) -> Desk:
    """A desk with a few tickets, notes and updates: a trail of some dozens of rows."""
    f.contact(desk, "Wang Wei", email="wang.wei@example.com")
    for n in range(4):
        ticket = f.log(desk, title=f"Mail is down {n}")
        f.update(desk, ticket.ref, title=f"Mail is down for floor {n}", expected_version=ticket.version)
        f.note(desk, ticket.ref)
    return desk


def test_each_row_is_sealed_in_its_own_transaction_and_the_chain_verifies(busy: Desk, db_url: str) -> None:
    rows = hashes(db_url)
    assert len(rows) > 10
    assert all(h is not None and len(h) == 64 for _, h in rows)
    assert findings(db_url) == []
    assert integrity.check(busy).ok


def test_an_update_by_sql_is_named_by_its_row(busy: Desk, db_url: str) -> None:
    target = hashes(db_url)[5][0]
    tamper(db_url, "UPDATE audit_entries SET new = 'nothing happened' WHERE id = :i", i=target)
    found = findings(db_url)
    assert [row for row, _ in found] == [target]
    assert f"audit row {target} " in found[0][1] and "changed" in found[0][1]
    report = integrity.check(busy)
    assert not report.ok
    assert [(x.check, x.subject) for x in report.findings] == [("audit", f"audit row {target}")]


def test_a_rehashed_edit_breaks_the_next_row(busy: Desk, db_url: str) -> None:
    """Recomputing the edited row's own hash only moves the break to the row after it."""
    rows = hashes(db_url)
    target, nxt = rows[5][0], rows[6][0]
    tamper(db_url, "UPDATE audit_entries SET new = 'x', chain_hash = :h WHERE id = :i", h="f" * 64, i=target)
    assert [row for row, _ in findings(db_url)] == [target, nxt]


def test_a_deleted_row_is_detected_at_the_row_after_it(busy: Desk, db_url: str) -> None:
    rows = hashes(db_url)
    gone, after = rows[3][0], rows[4][0]
    tamper(db_url, "DELETE FROM audit_entries WHERE id = :i", i=gone)
    found = findings(db_url)
    assert [row for row, _ in found] == [after]
    assert f"id {gone} is missing" in found[0][1]


def test_a_row_inserted_by_sql_is_named(busy: Desk, db_url: str) -> None:
    last = hashes(db_url)[-1][0]
    tamper(
        db_url,
        "INSERT INTO audit_entries (id, at, actor_id, record_kind, record_id, field, new) "
        "SELECT :i, at, actor_id, record_kind, record_id, field, 'forged' FROM audit_entries WHERE id = 1",
        i=last + 1,
    )
    found = findings(db_url)
    assert [row for row, _ in found] == [last + 1]
    assert "outside deskterm" in found[0][1]


@pytest.mark.postgres
def test_postgresql_refuses_update_and_delete_on_the_trail(busy: Desk, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("the append-only trigger is PostgreSQL's")
    engine = create_engine(db_url)
    for sql in ("UPDATE audit_entries SET new = 'x' WHERE id = 1", "DELETE FROM audit_entries WHERE id = 1"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))
    engine.dispose()
    assert findings(db_url) == []


def test_concurrent_writers_leave_one_intact_chain(desk: Desk, db_url: str, tmp_path: Path) -> None:
    """Four processes log tickets at once: every row is sealed, in id order, and verifies."""
    f.contact(desk, "Wang Wei", email="wang.wei@example.com")
    reports = run_workers(
        tmp_path, [job(db_url, w, "log", count=12, caller="wang.wei@example.com") for w in range(4)]
    )
    assert sum(len(r["logged"]) for r in reports) == 48
    rows = hashes(db_url)
    assert all(h is not None for _, h in rows)
    assert findings(db_url) == []


def test_the_migration_back_fills_an_existing_trail(busy: Desk, db_url: str) -> None:
    settings = Settings(db=db_url)
    before = len(hashes(db_url))
    busy.close()
    assert schema.downgrade(settings, "0007").current == "0007"
    schema.upgrade(settings)
    rows = hashes(db_url)
    assert len(rows) == before and all(h is not None for _, h in rows)
    assert findings(db_url) == []
