"""The agent's queue: views, windows of rows by keyset, counters, take-next, change pulse.

The TUI never loads every ticket: it asks for one window (a page after or before a keyset
position, or the last page) and a count. The pulse is one cheap query that tells the screens
whether anything changed since they last looked.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskterm.domain.core.permissions import Action
from deskterm.domain.core.vocabulary import TicketStatus
from deskterm.services.core import access, lookup
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput, NotFound
from deskterm.services.core.views import TicketRow, TicketView
from deskterm.store.models import Agent, AuditEntry, GroupMember, Note, Ticket
from deskterm.store.queries.tickets import (
    OPEN_STATUSES,
    TicketFilter,
    sort_columns,
    ticket_count,
    ticket_rows,
)

RECENT = timedelta(days=7)
BREACHING_WITHIN = timedelta(hours=4)


class QueueView(StrEnum):
    MY_WORK = "my-work"
    MY_GROUPS = "my-groups"
    UNASSIGNED = "unassigned"
    ALL_OPEN = "all-open"
    MAJOR = "major"
    BREACHING = "breaching"
    RECENTLY_RESOLVED = "recently-resolved"

    @property
    def label(self) -> str:
        return {
            "my-work": "My work",
            "my-groups": "My groups",
            "unassigned": "Unassigned",
            "all-open": "All open",
            "major": "Major",
            "breaching": "Breaching",
            "recently-resolved": "Recently resolved",
        }[self.value]


@dataclass(frozen=True)
class QueueQuery:
    view: QueueView = QueueView.ALL_OPEN
    text: str = ""
    sort: str = "priority"
    descending: bool = False


class QueueRow(TicketRow):
    """A queue row and its keyset position (``key``), which the next window starts from.
    ``sla_due`` is the soonest due instant of its running SLA clocks, if any."""

    key: tuple[Any, int]
    sla_due: datetime | None = None


class QueuePage(BaseModel):
    rows: list[QueueRow]
    at_start: bool
    at_end: bool


class Pulse(BaseModel):
    """What the status line shows, and a token that changes whenever any ticket does."""

    me: str
    my_open: int
    unassigned: int
    major: int
    token: str


def _my_group_ids(s: Session, agent_id: int) -> list[int]:
    return list(s.scalars(select(GroupMember.group_id).where(GroupMember.agent_id == agent_id)))


def _filter(desk: Desk, q: QueueQuery) -> TicketFilter:
    """The view as a filter; "my" views use subqueries, so a window stays one statement."""
    text = q.text.strip() or None
    me = desk.actor_id
    match q.view:
        case QueueView.MY_WORK:
            return TicketFilter(statuses=OPEN_STATUSES, assignee_id=me, text=text)
        case QueueView.MY_GROUPS:
            return TicketFilter(statuses=OPEN_STATUSES, groups_of_agent_id=me, text=text)
        case QueueView.UNASSIGNED:
            return TicketFilter(statuses=OPEN_STATUSES, unassigned=True, text=text)
        case QueueView.MAJOR:
            return TicketFilter(statuses=OPEN_STATUSES, major=True, text=text)
        case QueueView.BREACHING:
            due = desk.clock.now() + BREACHING_WITHIN
            return TicketFilter(statuses=OPEN_STATUSES, due_before=due, text=text)
        case QueueView.RECENTLY_RESOLVED:
            return TicketFilter(
                statuses=(TicketStatus.RESOLVED, TicketStatus.CLOSED),
                resolved_since=desk.clock.now() - RECENT,
                text=text,
            )
    return TicketFilter(statuses=OPEN_STATUSES, text=text)


def queue_page(
    desk: Desk,
    q: QueueQuery,
    *,
    after: tuple[Any, int] | None = None,
    before: tuple[Any, int] | None = None,
    last: bool = False,
    limit: int = 60,
) -> QueuePage:
    """One window: the first page, the page after/before a key, or the last page."""
    f = _checked_filter(desk, q)
    with desk.reading() as s:
        return _page(s, f, q, after=after, before=before, last=last, limit=limit)


def queue_window(
    desk: Desk,
    q: QueueQuery,
    *,
    after: tuple[Any, int] | None = None,
    last: bool = False,
    limit: int = 60,
) -> tuple[QueuePage, int]:
    """A window and the count of every matching ticket, read in one transaction (what the queue
    needs on each filter keystroke: one BEGIN, two SELECTs, and a count that matches the rows)."""
    f = _checked_filter(desk, q)
    with desk.reading() as s:
        page = _page(s, f, q, after=after, before=None, last=last, limit=limit)
        return page, int(s.scalar(ticket_count(f)) or 0)


def _checked_filter(desk: Desk, q: QueueQuery) -> TicketFilter:
    if q.sort not in sort_columns():
        raise InvalidInput(f"cannot sort by {q.sort!r}; sort by one of {', '.join(sort_columns())}")
    return _filter(desk, q)


def _page(
    s: Session,
    f: TicketFilter,
    q: QueueQuery,
    *,
    after: tuple[Any, int] | None,
    before: tuple[Any, int] | None,
    last: bool,
    limit: int,
) -> QueuePage:
    backwards = before is not None or last
    stmt = ticket_rows(
        f,
        sort=q.sort,
        descending=q.descending != backwards,
        after=before if before is not None else after,
        limit=limit + 1,
    )
    raw = list(s.execute(stmt))
    more = len(raw) > limit
    raw = raw[:limit]
    if backwards:
        raw.reverse()
    rows = [QueueRow.model_validate({**r._asdict(), "key": (r.sort_key, r.id)}) for r in raw]
    if backwards:
        return QueuePage(rows=rows, at_start=not more, at_end=last or before is None)
    return QueuePage(rows=rows, at_start=after is None, at_end=not more)


def queue_count(desk: Desk, q: QueueQuery) -> int:
    with desk.reading() as s:
        return int(s.scalar(ticket_count(_filter(desk, q))) or 0)


def pulse(desk: Desk) -> Pulse:
    """Counters for the status line and a change token (one round trip per counter)."""
    me_id = desk.actor_id
    with desk.reading() as s:
        me = s.get(Agent, me_id)
        assert me is not None
        open_ = Ticket.status.in_(OPEN_STATUSES)
        my_open = s.scalar(select(func.count()).where(open_, Ticket.assignee_id == me_id)) or 0
        unassigned = s.scalar(select(func.count()).where(open_, Ticket.assignee_id.is_(None))) or 0
        major = s.scalar(select(func.count()).where(open_, Ticket.major.is_(True))) or 0
        audit = _recent_rows(s, AuditEntry.id)
        notes = _recent_rows(s, Note.id)
    token = f"{audit}:{notes}"
    return Pulse(me=me.login, my_open=my_open, unassigned=unassigned, major=major, token=token)


RECENT_ROWS = 2000


def _recent_rows(s: Session, column: Any) -> str:
    """Newest id and how many rows lie just below it: every write to a ticket adds audit rows
    (a note adds a note row), so this changes with every commit, even one whose id was taken
    before another transaction's (PostgreSQL sequences commit out of order). Clocks of other
    machines play no part."""
    newest = select(func.max(column)).scalar_subquery()
    row = s.execute(select(newest, func.count(column)).where(column > newest - RECENT_ROWS)).one()
    return f"{row[0] or 0}.{row[1]}"


def take_next(desk: Desk) -> TicketView:
    """Assign me the most urgent unassigned open ticket of my groups (or with no group).

    Safe when several agents press it at once: the candidate row is locked (PostgreSQL skips
    rows another agent is taking; SQLite serialises writers), so each agent gets a different one.
    """
    from deskterm.services.tickets import tickets  # the update path, with its audit and rules

    with desk.writing() as uow:
        access.require(uow, Action.TICKET_WRITE)
        s = uow.session
        groups = _my_group_ids(s, uow.actor.id)
        stmt = (
            select(Ticket)
            .where(Ticket.status.in_(OPEN_STATUSES), Ticket.assignee_id.is_(None))
            .where(Ticket.group_id.in_(groups) | Ticket.group_id.is_(None))
            .order_by(Ticket.priority, Ticket.opened_at, Ticket.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        ticket = s.scalar(stmt)
        if ticket is None:
            raise NotFound("nothing to take: no unassigned open ticket in your groups")
        return tickets.assign_in(desk, uow, ticket, uow.actor)


def ticket_exists(desk: Desk, ref: str) -> str:
    """The canonical ref of an existing ticket (for ``:INC-42`` jumps)."""
    with desk.reading() as s:
        return lookup.ticket(s, ref).ref
