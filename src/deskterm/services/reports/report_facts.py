"""What the service desk's reports read: the facts of each ticket, the notes with the minutes
logged on them, and the escalations and statuses the audit trail recorded.

Every query of :mod:`deskterm.services.reports.reports` is here, filtered the same way
(:class:`Filters`), so the module that computes the reports holds the arithmetic and the
definitions only.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from deskterm.domain.core.vocabulary import TicketStatus
from deskterm.services.core import lookup
from deskterm.store.models import Agent, AuditEntry, Group, Note, Service, Ticket


class Filters(BaseModel):
    """Which tickets a report counts: of a group, an agent, a service, a priority (all when unset)."""

    group: str | None = None
    agent: str | None = None
    service: str | None = None
    priority: str | None = None


@dataclass
class TicketFacts:
    """A ticket's facts, as the reports need them."""

    id: int
    opened_at: datetime
    responded_at: datetime | None
    resolved_at: datetime | None
    status: TicketStatus
    reopen_count: int
    priority: str
    channel: str
    tier: str
    group: str | None
    agent: str | None
    service: str | None


def report_key(by: str, t: TicketFacts, at: datetime | None = None) -> str:
    """The row a ticket falls in when a report is broken down ``by`` a dimension (``at`` for
    the time dimensions, the opening by default)."""
    when = at or t.opened_at
    if by == "priority":
        return t.priority
    if by == "group":
        return t.group or "(no group)"
    if by == "agent":
        return t.agent or "(unassigned)"
    if by == "service":
        return t.service or "(no service)"
    if by == "channel":
        return t.channel
    if by == "hour":
        return f"{when.hour:02d}:00"
    if by == "day":
        return when.date().isoformat()
    if by == "week":
        year, week, _ = when.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "month":
        return when.strftime("%Y-%m")
    return "all"


def ticket_select(s: Session, f: Filters) -> "Select[*tuple[Any, ...]]":  # quoted: 2.0 has Select[T]
    """The columns of :class:`TicketFacts`, filtered; each report adds its period."""
    assignee = aliased(Agent)
    stmt = (
        select(
            Ticket.id,
            Ticket.opened_at,
            Ticket.responded_at,
            Ticket.resolved_at,
            Ticket.status,
            Ticket.reopen_count,
            Ticket.priority,
            Ticket.channel,
            Ticket.tier,
            Group.name,
            assignee.login,
            Service.name,
        )
        .outerjoin(Group, Group.id == Ticket.group_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_id)
        .outerjoin(Service, Service.id == Ticket.service_id)
    )
    if f.group:
        stmt = stmt.where(Ticket.group_id == lookup.group(s, f.group).id)
    if f.agent:
        stmt = stmt.where(Ticket.assignee_id == lookup.agent(s, f.agent).id)
    if f.service:
        stmt = stmt.where(Ticket.service_id == lookup.service(s, f.service).id)
    if f.priority:
        stmt = stmt.where(Ticket.priority == f.priority)
    return stmt


def facts_of(rows: Iterable[Any]) -> list[TicketFacts]:
    """The rows of :func:`ticket_select` as facts."""
    return [
        TicketFacts(
            id=r[0],
            opened_at=r[1],
            responded_at=r[2],
            resolved_at=r[3],
            status=r[4],
            reopen_count=r[5],
            priority=r[6].value,
            channel=r[7].value,
            tier=r[8].value,
            group=r[9],
            agent=r[10],
            service=r[11],
        )
        for r in rows
    ]


def logged(s: Session, f: Filters, start: datetime, end: datetime) -> list[TicketFacts]:
    """The facts of the tickets logged in ``[start, end)``."""
    stmt = ticket_select(s, f).where(Ticket.opened_at >= start, Ticket.opened_at < end)
    return facts_of(s.execute(stmt))


def escalated_at(s: Session, ids: list[int]) -> dict[int, datetime]:
    """The first move of each ticket to a tier 2 or 3 group, from the audit trail."""
    out: dict[int, datetime] = {}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        rows = s.execute(
            select(AuditEntry.record_id, AuditEntry.at)
            .where(
                AuditEntry.record_kind == "ticket",
                AuditEntry.record_id.in_(part),
                AuditEntry.field == "tier",
                AuditEntry.new.in_(["2", "3"]),
            )
            .order_by(AuditEntry.id)
        )
        for record_id, at in rows:
            out.setdefault(record_id, at)
    return out


def open_at(s: Session, ids: list[int], instant: datetime) -> set[int]:
    """Which of ``ids`` (tickets logged before ``instant``) were open at ``instant``, from the
    last status the audit trail had recorded by then (a later reopen does not count)."""
    closed = {TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value}
    last: dict[int, str | None] = {}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        for record_id, new in s.execute(
            select(AuditEntry.record_id, AuditEntry.new)
            .where(
                AuditEntry.record_kind == "ticket",
                AuditEntry.record_id.in_(part),
                AuditEntry.field == "status",
                AuditEntry.at < instant,
            )
            .order_by(AuditEntry.id)
        ):
            last[record_id] = new
    return {i for i in ids if last.get(i) not in closed}


def notes_in(
    s: Session, f: Filters, start: datetime, end: datetime
) -> list[tuple[TicketFacts, str, int, Decimal, datetime]]:
    """The notes written in ``[start, end)`` with minutes logged: (ticket, author, minutes, the
    author's stored cost per hour, written at)."""
    facts = {
        t.id: t
        for t in facts_of(
            s.execute(
                ticket_select(s, f)
                .join(Note, Note.ticket_id == Ticket.id)
                .where(Note.created_at >= start, Note.created_at < end)
                .distinct()
            )
        )
    }
    if not facts:
        return []
    rows = s.execute(
        select(Note.ticket_id, Agent.login, Note.minutes, Agent.cost_per_hour, Note.created_at)
        .join(Agent, Agent.id == Note.author_id)
        .where(Note.created_at >= start, Note.created_at < end, Note.minutes > 0)
    )
    return [(facts[tid], login, minutes, rate, at) for tid, login, minutes, rate, at in rows if tid in facts]
