"""``deskterm db check``: is this desk's database sound, and was its history left alone?

Each check reads only, and each finding names one thing an admin can look up: a table and
row, a ref, a ticket, an audit row. The checks are those a restore or a crash could break and
the application would not notice by itself: the file's pages and foreign keys (SQLite) or
constraints and sequences (PostgreSQL), ref counters behind refs already given, the cached
soonest SLA due instant of each ticket against its clocks, and the audit hash chain.
"""

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Column, Connection, Engine, Table, func, select, text
from sqlalchemy.exc import DBAPIError

from deskterm.config import Settings
from deskterm.domain.core.permissions import Action
from deskterm.services.core.context import Desk, _unavailable, safe_url
from deskterm.services.core.errors import DatabaseUnavailable
from deskterm.services.db import guard
from deskterm.store import audit_chain, migrate
from deskterm.store.base import Base
from deskterm.store.models import AuditEntry, RefCounter, Ticket, TicketClock
from deskterm.store.models.change import Change
from deskterm.store.models.event import Event
from deskterm.store.models.problem import KnownError, Problem

CHECKS = ("storage", "foreign-keys", "refs", "sla", "audit")
_REF = re.compile(r"^([A-Z]+)-([1-9][0-9]*)$")
_MAX_PER_CHECK = 200  # a badly broken desk is reported, not printed for an hour


class Finding(BaseModel):
    check: str
    subject: str
    finding: str


class CheckReport(BaseModel):
    database: str
    ok: bool
    checks: list[str]
    audit_rows: int
    findings: list[Finding]


def check(desk: Desk) -> CheckReport:
    """Run every check against the database at its current schema (read only): admins and desk
    managers (services/db/guard.py). ``desk`` is best opened without migrating: the database is
    checked as it is, and one behind this deskterm's schema is refused."""
    guard.authorise(desk, Action.DB_CHECK)
    try:
        return _check(desk.engine, desk.settings)
    except DBAPIError as exc:
        raise _unavailable(exc, desk.settings.db) from None


def check_engine(engine: Engine) -> list[Finding]:
    """The findings for an engine already open (backup and restore check their copies)."""
    with engine.connect() as conn:
        return list(_findings(conn))


def _check(engine: Engine, settings: Settings) -> CheckReport:
    with engine.connect() as conn:
        revision = migrate.current_revision(conn)
        head = migrate.head_revision()
        if revision != head:
            raise DatabaseUnavailable(
                f"the database is at schema {revision or 'none'}, this deskterm checks {head}; "
                "run deskterm db upgrade first"
            )
        findings = list(_findings(conn))
        rows = conn.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    return CheckReport(
        database=safe_url(settings.db),
        ok=not findings,
        checks=list(CHECKS),
        audit_rows=int(rows),
        findings=findings,
    )


def _findings(conn: Connection) -> Iterator[Finding]:
    if conn.dialect.name == "sqlite":
        yield from _capped(_sqlite_storage(conn))
    else:
        yield from _capped(_pg_storage(conn))
    yield from _capped(_foreign_keys(conn))
    yield from _capped(_refs(conn))
    yield from _capped(_sla_due(conn))
    for row_id, sentence in audit_chain.verify(conn)[:_MAX_PER_CHECK]:
        yield Finding(check="audit", subject=f"audit row {row_id}", finding=sentence)


def _capped(found: Iterator[Finding]) -> Iterator[Finding]:
    for n, item in enumerate(found):
        if n == _MAX_PER_CHECK:
            yield Finding(
                check=item.check, subject="(more)", finding="further findings of this check left out"
            )
            return
        yield item


def _sqlite_storage(conn: Connection) -> Iterator[Finding]:
    for (line,) in conn.exec_driver_sql("PRAGMA integrity_check").all():
        if line != "ok":
            yield Finding(check="storage", subject="database file", finding=str(line))


def _pg_storage(conn: Connection) -> Iterator[Finding]:
    """Constraints left NOT VALID, invalid indexes, sequences behind their column's maximum."""
    unvalidated = text(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint c "
        "JOIN pg_namespace n ON n.oid = c.connamespace "
        "WHERE n.nspname = current_schema() AND NOT c.convalidated"
    )
    for table, name in conn.execute(unvalidated):
        yield Finding(check="storage", subject=table, finding=f"constraint {name} is not validated")
    invalid = text(
        "SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND NOT (i.indisvalid AND i.indisready)"
    )
    for (index,) in conn.execute(invalid):
        yield Finding(check="storage", subject=index, finding="index is invalid; REINDEX it")
    for table in Base.metadata.sorted_tables:
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar()
        if seq is None:
            continue
        last, called = conn.execute(text(f"SELECT last_value, is_called FROM {seq}")).one()
        top = conn.execute(select(func.max(table.c.id))).scalar()
        if top is not None and (last < top or (last == top and not called)):
            yield Finding(
                check="storage",
                subject=table.name,
                finding=f"sequence {seq} is at {last} but the table holds id {top}: the next insert fails",
            )


def _foreign_keys(conn: Connection) -> Iterator[Finding]:
    """Rows pointing at rows that are not there (SQLite's check where it has one; on
    PostgreSQL the constraints hold unless disabled, so each one is queried)."""
    if conn.dialect.name == "sqlite":
        for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check").all():
            yield Finding(
                check="foreign-keys",
                subject=f"{table} row {rowid}",
                finding=f"refers to a {parent} row that does not exist",
            )
        return
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_key_constraints:
            yield from _orphans(conn, table, fk.columns[0], fk.elements[0].column)


def _orphans(conn: Connection, table: Table, column: Column[Any], target: Column[Any]) -> Iterator[Finding]:
    child = table.c[column.name]
    parent = target.table.alias("parent")  # aliased: tickets.parent_id points at tickets itself
    parent_key = parent.c[target.name]
    key = next(iter(table.primary_key.columns))
    missing = (
        select(key, child)
        .where(child.is_not(None), ~select(parent_key).where(parent_key == child).exists())
        .limit(_MAX_PER_CHECK)
    )
    for row_key, value in conn.execute(missing):
        yield Finding(
            check="foreign-keys",
            subject=f"{table.name} row {row_key}",
            finding=f"{child.name} = {value} refers to a {target.table.name} row that does not exist",
        )


def _refs(conn: Connection) -> Iterator[Finding]:
    """Every ref well formed and at or below its counter (else the next ref collides)."""
    counters = {name: int(value) for name, value in conn.execute(select(RefCounter.name, RefCounter.value))}
    for model in (Ticket, Problem, KnownError, Change):
        table = model.__table__
        tops: dict[str, int] = {}
        for (ref,) in conn.execute(select(table.c.ref)):
            match = _REF.match(ref or "")
            if match is None:
                yield Finding(
                    check="refs", subject=f"{table.name} {ref!r}", finding="ref is not PREFIX-NUMBER"
                )
                continue
            prefix, number = match.group(1), int(match.group(2))
            tops[prefix] = max(tops.get(prefix, 0), number)
        for prefix, top in sorted(tops.items()):
            have = counters.get(prefix)
            if have is None or have < top:
                yield Finding(
                    check="refs",
                    subject=f"{prefix}-{top}",
                    finding=f"counter {prefix} is at {have or 0}, behind ref {prefix}-{top}: "
                    "the next ref would collide",
                )
    top_event = conn.execute(select(func.max(Event.id))).scalar()
    if top_event is not None and counters.get("EVT", 0) < top_event:
        yield Finding(
            check="refs",
            subject=f"EVT-{top_event}",
            finding=f"counter EVT is at {counters.get('EVT', 0)}, behind event EVT-{top_event}",
        )


def _sla_due(conn: Connection) -> Iterator[Finding]:
    """``tickets.sla_due_at`` must be the soonest due instant of the ticket's running clocks."""
    clocks = TicketClock.__table__
    tickets = Ticket.__table__
    soonest = (
        select(clocks.c.ticket_id, func.min(clocks.c.due_at).label("due"))
        .where(clocks.c.running.is_(True), clocks.c.due_at.is_not(None))
        .group_by(clocks.c.ticket_id)
        .subquery()
    )
    rows = conn.execute(
        select(tickets.c.ref, tickets.c.sla_due_at, soonest.c.due)
        .select_from(tickets.outerjoin(soonest, soonest.c.ticket_id == tickets.c.id))
        .where(
            (tickets.c.sla_due_at.is_not(None) | soonest.c.due.is_not(None))
            & (
                (tickets.c.sla_due_at.is_(None))
                | (soonest.c.due.is_(None))
                | (tickets.c.sla_due_at != soonest.c.due)
            )
        )
        .order_by(tickets.c.id)
    )
    for ref, stored, due in rows:
        if _same_instant(stored, due):
            continue
        yield Finding(
            check="sla",
            subject=ref,
            finding=f"stored soonest due {_show(stored)} but its running clocks say {_show(due)}; "
            "re-applying the SLA definitions (deskterm sla export, then sla apply) recomputes it",
        )


def _same_instant(a: object, b: object) -> bool:
    return _as_dt(a) == _as_dt(b)


def _as_dt(value: object) -> datetime | None:
    """min() over SQLite's text timestamps comes back as text: compare as instants."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _show(value: object) -> str:
    found = _as_dt(value)
    return "none" if found is None else found.isoformat(timespec="seconds")
