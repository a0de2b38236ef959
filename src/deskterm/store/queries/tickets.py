"""Typed select() builders for tickets: the queue's window of rows, by keyset, never all rows."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import aliased

from deskterm.domain.core.vocabulary import Priority, TicketKind, TicketStatus
from deskterm.store.base import UTCDateTime
from deskterm.store.models import Agent, Contact, Group, GroupMember, Service, Ticket

OPEN_STATUSES = tuple(s for s in TicketStatus if s.is_open)

_assignee = aliased(Agent, name="assignee")

# Tickets with no running clock sort after every real due time (keyset paging needs no NULLs).
NO_DUE = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class TicketFilter:
    statuses: Sequence[TicketStatus] = ()
    assignee_id: int | None = None
    unassigned: bool = False
    group_ids: Sequence[int] = ()
    groups_of_agent_id: int | None = None
    priorities: Sequence[Priority] = ()
    kind: TicketKind | None = None
    major: bool | None = None
    text: str | None = None
    resolved_since: datetime | None = None
    due_before: datetime | None = None  # a running clock due at or before this instant


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@cache
def sort_columns() -> dict[str, SQLColumnExpression[Any]]:
    """Sortable columns by the name users type; nullable ones sort as empty text (built once)."""
    return {
        "ref": Ticket.id,
        "priority": Ticket.priority,
        "title": Ticket.title,
        "caller": Contact.name,
        "service": func.coalesce(Service.name, ""),
        "group": func.coalesce(Group.name, ""),
        "assignee": func.coalesce(_assignee.login, ""),
        "status": Ticket.status,
        "opened": Ticket.opened_at,
        "age": Ticket.opened_at,
        "updated": Ticket.updated_at,
        "sla": func.coalesce(Ticket.sla_due_at, literal(NO_DUE, UTCDateTime())),
    }


def _conditions(f: TicketFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.statuses:
        conds.append(Ticket.status.in_(list(f.statuses)))
    if f.assignee_id is not None:
        conds.append(Ticket.assignee_id == f.assignee_id)
    if f.unassigned:
        conds.append(Ticket.assignee_id.is_(None))
    if f.group_ids:
        conds.append(Ticket.group_id.in_(list(f.group_ids)))
    if f.groups_of_agent_id is not None:
        mine = select(GroupMember.group_id).where(GroupMember.agent_id == f.groups_of_agent_id)
        conds.append(Ticket.group_id.in_(mine.scalar_subquery()))
    if f.priorities:
        conds.append(Ticket.priority.in_(list(f.priorities)))
    if f.kind is not None:
        conds.append(Ticket.kind == f.kind)
    if f.major is not None:
        conds.append(Ticket.major.is_(f.major))
    if f.resolved_since is not None:
        conds.append(Ticket.resolved_at >= f.resolved_since)
    if f.due_before is not None:
        conds.append(Ticket.sla_due_at <= f.due_before)  # the soonest running due: an index read
    if f.text and f.text.strip():
        pattern = _like(f.text.strip())
        conds.append(
            or_(
                Ticket.ref.ilike(pattern, escape="\\"),
                Ticket.title.ilike(pattern, escape="\\"),
                Contact.name.ilike(pattern, escape="\\"),
                Service.name.ilike(pattern, escape="\\"),
            )
        )
    return conds


def ticket_rows(
    f: TicketFilter,
    *,
    sort: str = "priority",
    descending: bool = False,
    after: tuple[Any, int] | None = None,
    limit: int = 50,
) -> "Select[*tuple[Any, ...]]":  # quoted: SQLAlchemy 2.0's Select takes one parameter
    """One window of queue rows: ``after`` is the (sort value, id) of the last row seen."""
    column = sort_columns()[sort]
    stmt = (
        select(
            Ticket.id,
            Ticket.ref,
            Ticket.kind,
            Ticket.title,
            Ticket.priority,
            Ticket.status,
            Ticket.pending_reason,
            Contact.name.label("caller"),
            Service.name.label("service"),
            Group.name.label("group"),
            _assignee.login.label("assignee"),
            func.coalesce(_assignee.active, true()).label("assignee_active"),
            Ticket.major,
            Ticket.opened_at,
            Ticket.updated_at,
            Ticket.version,
            Ticket.sla_due_at.label("sla_due"),
            column.label("sort_key"),
        )
        .join(Contact, Contact.id == Ticket.caller_id)
        .outerjoin(Service, Service.id == Ticket.service_id)
        .outerjoin(Group, Group.id == Ticket.group_id)
        .outerjoin(_assignee, _assignee.id == Ticket.assignee_id)
    )
    conds = _conditions(f)
    if after is not None:
        key = tuple_(column, Ticket.id)
        conds.append(key < tuple_(*after) if descending else key > tuple_(*after))
    if conds:
        stmt = stmt.where(and_(*conds))
    if descending:
        stmt = stmt.order_by(column.desc(), Ticket.id.desc())
    else:
        stmt = stmt.order_by(column.asc(), Ticket.id.asc())
    return stmt.limit(limit)


def ticket_count(f: TicketFilter) -> Select[Any]:
    """How many tickets match; the caller and service are joined only when words are searched."""
    stmt = select(func.count(Ticket.id)).select_from(Ticket)
    if f.text and f.text.strip():
        stmt = stmt.join(Contact, Contact.id == Ticket.caller_id).outerjoin(
            Service, Service.id == Ticket.service_id
        )
    conds = _conditions(f)
    return stmt.where(and_(*conds)) if conds else stmt
