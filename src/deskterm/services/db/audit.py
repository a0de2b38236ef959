"""``deskterm audit verify | export``: show that the audit trail was not edited, and hand a
copy to a SIEM that can show it again without deskterm.

Both read one snapshot of the trail (a read transaction; REPEATABLE READ on PostgreSQL), so
rows appended while they run are either wholly in it or not at all, and both walk it in chain
order (by id) in batches: a trail of millions of rows is never held in memory.

verify names every row that breaks the chain (store/audit_chain.py: a row changed in place, a
row removed, a row inserted by SQL); the first finding is the first row touched. export gives
each row with the hash it carries and the hash it is chained to (``prev_hash``), so a copy of
any stretch of the trail can be verified on its own, and two stretches joined: the first line
of ``--since`` carries the hash of the row before it. README "Verifying an export" documents
the canonical form and a stdlib-only verifier.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import DBAPIError

from deskterm.domain.core.permissions import Action
from deskterm.services.core.context import Desk, _unavailable, safe_url
from deskterm.services.core.errors import DatabaseUnavailable
from deskterm.services.db import guard
from deskterm.store import audit_chain, migrate
from deskterm.store.models import Agent, AuditEntry

#: The fields of one exported row, in the order they are written.
EXPORT_FIELDS: tuple[str, ...] = (
    *audit_chain.COLUMN_NAMES[:3],
    "actor",
    *audit_chain.COLUMN_NAMES[3:],
    "prev_hash",
    "hash",
)


class AuditFinding(BaseModel):
    row: int
    finding: str


class AuditReport(BaseModel):
    database: str
    ok: bool
    rows: int
    head_id: int | None
    head: str
    findings: list[AuditFinding]


@contextmanager
def _snapshot(desk: Desk) -> Iterator[Connection]:
    """One read transaction over the whole walk, on a schema that has the chain."""
    try:
        with desk.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
                conn.execute(text("SET TRANSACTION READ ONLY"))
            revision, head = migrate.current_revision(conn), migrate.head_revision()
            if revision != head:
                raise DatabaseUnavailable(
                    f"the database is at schema {revision or 'none'}, this deskterm reads {head}; "
                    "run deskterm db upgrade first"
                )
            yield conn
            conn.rollback()
    except DBAPIError as exc:
        raise _unavailable(exc, desk.settings.db) from None


def verify(desk: Desk) -> AuditReport:
    """Walk the whole chain: admins, desk managers and viewers (auditors)."""
    guard.authorise(desk, Action.AUDIT_VERIFY)
    with _snapshot(desk) as conn:
        findings = audit_chain.verify(conn)
        rows = int(conn.execute(select(func.count()).select_from(AuditEntry)).scalar_one())
        head_id, head = audit_chain.head(conn)
    return AuditReport(
        database=safe_url(desk.settings.db),
        ok=not findings,
        rows=rows,
        head_id=head_id or None,
        head=head,
        findings=[AuditFinding(row=row, finding=sentence) for row, sentence in findings],
    )


def export(desk: Desk, since: datetime | None = None) -> Iterator[dict[str, Any]]:
    """The trail in chain order, each row with its hash and the hash it is chained to: from
    the first row written at or after ``since`` (and every row after it), or from the start.
    Admins, desk managers and viewers; the permission is asked now, not at the first row."""
    guard.authorise(desk, Action.AUDIT_EXPORT)
    return _rows(desk, since)


def _rows(desk: Desk, since: datetime | None) -> Iterator[dict[str, Any]]:
    with _snapshot(desk) as conn:
        logins = {int(i): str(login) for i, login in conn.execute(select(Agent.id, Agent.login))}
        after, previous = 0, audit_chain.GENESIS
        if since is not None:
            first = audit_chain.first_at_or_after(conn, since)
            if first is None:
                return
            after, previous = first - 1, audit_chain.chained_to(conn, first)
        names = audit_chain.COLUMN_NAMES
        for row, stored in audit_chain.rows_in_order(conn, after):
            values = dict(zip(names, tuple(row)[: len(names)], strict=True))
            values["at"] = audit_chain.timestamp(values["at"])
            yield {
                **{k: values[k] for k in names[:3]},
                "actor": logins.get(int(values["actor_id"])),
                **{k: values[k] for k in names[3:]},
                "prev_hash": previous,
                "hash": stored,
            }
            if stored is not None:
                previous = stored
