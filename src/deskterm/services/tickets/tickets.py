"""Use cases on tickets (incidents and service requests): log, read, list, update, note.

Every write runs in one unit of work with its audit rows. Writes carry the version the
agent saw; a newer ticket is refused with a conflict that names what changed and who did it.
Appending a note never conflicts.
"""

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from deskterm.domain.core.permissions import Action
from deskterm.domain.core.vocabulary import (
    Channel,
    NoteVisibility,
    Priority,
    TicketKind,
    TicketStatus,
    Tier,
)
from deskterm.domain.tickets import incident
from deskterm.services.core import access, lookup
from deskterm.services.core.commands import AddNote, LogIncident, UpdateTicket
from deskterm.services.core.context import Desk, UnitOfWork
from deskterm.services.core.errors import Conflict, DesktermError, InvalidInput
from deskterm.services.core.views import NoteView, TicketRow, TicketView
from deskterm.services.sla import clocks
from deskterm.store.models import Agent, AuditEntry, Group, Note, RefCounter, Ticket
from deskterm.store.queries.tickets import OPEN_STATUSES, TicketFilter, sort_columns, ticket_rows

RECORD = "ticket"


def next_number(session: Session, prefix: str) -> int:
    """Take the next number for ``prefix`` inside the caller's transaction (row-locked)."""
    value = session.execute(
        update(RefCounter)
        .where(RefCounter.name == prefix)
        .values(value=RefCounter.value + 1)
        .returning(RefCounter.value)
    ).scalar()
    if value is None:
        session.add(RefCounter(name=prefix, value=1))
        session.flush()
        value = 1
    return int(value)


def log_incident(desk: Desk, cmd: LogIncident) -> TicketView:
    """Log a call as an incident or a service request; the ref is taken atomically."""
    with desk.writing() as uow:
        access.require(uow, Action.TICKET_WRITE)
        s = uow.session
        caller = lookup.contact(s, cmd.caller)
        service = lookup.service(s, cmd.service) if cmd.service else None
        ci = lookup.ci(s, cmd.ci) if cmd.ci else None
        group = lookup.group(s, cmd.group) if cmd.group else None
        number = next_number(s, cmd.kind.prefix)
        ticket = Ticket(
            ref=f"{cmd.kind.prefix}-{number}",
            kind=cmd.kind,
            number=number,
            title=cmd.title,
            description=cmd.description,
            caller_id=caller.id,
            channel=cmd.channel,
            category=cmd.category,
            service_id=service.id if service else None,
            ci_id=ci.id if ci else None,
            impact=cmd.impact,
            urgency=cmd.urgency,
            priority=desk.matrix.priority(cmd.impact, cmd.urgency),
            status=TicketStatus.NEW,
            group_id=group.id if group else None,
            tier=group.tier if group else Tier.T1,
            major=False,
            opened_at=uow.now,
            updated_at=uow.now,
            created_by_id=uow.actor.id,
            reopen_count=0,
            version=1,
        )
        s.add(ticket)
        s.flush()
        for field, value in (
            ("created", ticket.ref),
            ("status", ticket.status.value),
            ("priority", ticket.priority.value),
            ("group", group.name if group else None),
        ):
            if value is not None:
                uow.audit(RECORD, ticket.id, ticket.ref, field, None, value, 1)
        s.flush()
        clocks.refresh(s, [ticket.id], uow.now)
        return _view(s, ticket)


def get_ticket(desk: Desk, ref: str) -> TicketView:
    with desk.reading() as s:
        return _view(s, lookup.ticket(s, ref))


def _view(s: Session, t: Ticket) -> TicketView:
    s.flush()
    children = list(s.scalars(select(Ticket.ref).where(Ticket.parent_id == t.id).order_by(Ticket.id)))
    notes = list(
        s.scalars(
            select(Note).where(Note.ticket_id == t.id).options(selectinload(Note.author)).order_by(Note.id)
        )
    )
    history = list(
        s.scalars(
            select(AuditEntry)
            .where(AuditEntry.record_kind == RECORD, AuditEntry.record_id == t.id)
            .options(selectinload(AuditEntry.actor))
            .order_by(AuditEntry.id)
        )
    )
    return TicketView.of(t, children=children, notes=notes, history=history)


def list_tickets(
    desk: Desk,
    *,
    statuses: Sequence[TicketStatus] = (),
    open_only: bool = False,
    assignee: str | None = None,
    unassigned: bool = False,
    group: str | None = None,
    priorities: Sequence[Priority] = (),
    kind: TicketKind | None = None,
    major: bool | None = None,
    text: str | None = None,
    sort: str = "priority",
    descending: bool = False,
    after: tuple[Any, int] | None = None,
    limit: int = 50,
) -> list[TicketRow]:
    """A window of tickets; ``after`` continues from the last row's (sort_key, id)."""
    if sort not in sort_columns():
        raise InvalidInput(f"cannot sort by {sort!r}; sort by one of {', '.join(sort_columns())}")
    if not 1 <= limit <= 10_000:
        raise InvalidInput("limit must be between 1 and 10000")
    with desk.reading() as s:
        f = TicketFilter(
            statuses=tuple(statuses) or (OPEN_STATUSES if open_only else ()),
            assignee_id=lookup.agent(s, assignee).id if assignee else None,
            unassigned=unassigned,
            group_ids=(lookup.group(s, group).id,) if group else (),
            priorities=tuple(priorities),
            kind=kind,
            major=major,
            text=text,
        )
        rows = s.execute(ticket_rows(f, sort=sort, descending=descending, after=after, limit=limit))
        return [TicketRow.model_validate(r._asdict()) for r in rows]


def _conflict(s: Session, t: Ticket, seen: int) -> Conflict:
    entries = s.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.record_kind == RECORD,
            AuditEntry.record_id == t.id,
            AuditEntry.version > seen,
        )
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.id)
    ).all()
    by_actor: dict[str, list[str]] = {}
    for e in entries:
        fields = by_actor.setdefault(e.actor.login, [])
        if e.field not in fields:
            fields.append(e.field)
    said = "; ".join(f"{', '.join(fields)} by {who}" for who, fields in by_actor.items())
    return Conflict(
        f"{t.ref} changed since you saw it (version {seen}, now {t.version}): "
        f"{said or 'changed'}; reload it and make your change again",
        ref=t.ref,
        seen_version=seen,
        current_version=t.version,
        changes=[
            {
                "field": e.field,
                "old": e.old,
                "new": e.new,
                "actor": e.actor.login,
                "at": e.at.isoformat(),
                "version": e.version,
            }
            for e in entries
        ],
    )


class _Changes:
    """Collects field changes of one ticket so that each is set and audited exactly once."""

    def __init__(self, uow: UnitOfWork, ticket: Ticket) -> None:
        self.uow, self.ticket = uow, ticket
        self.items: list[tuple[str, Any, Any]] = []
        self.also_changed: list[int] = []  # children resolved with their parent

    def set(
        self, attr: str, new: Any, *, label: str | None = None, shown: tuple[Any, Any] | None = None
    ) -> None:
        old = getattr(self.ticket, attr)
        if old == new:
            return
        setattr(self.ticket, attr, new)
        old_shown, new_shown = shown if shown is not None else (old, new)
        self.items.append((label or attr, _plain(old_shown), _plain(new_shown)))

    def commit(self) -> bool:
        if not self.items:
            return False
        t = self.ticket
        t.version += 1
        t.updated_at = self.uow.now
        for field, old, new in self.items:
            self.uow.audit(RECORD, t.id, t.ref, field, old, new, t.version)
        return True


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def update_ticket(desk: Desk, cmd: UpdateTicket) -> TicketView:
    """Apply every given field in one transaction, or nothing at all."""
    with desk.writing() as uow:
        access.require(uow, Action.TICKET_WRITE)
        t = lookup.ticket(uow.session, cmd.ref, for_update=True)
        apply_update(desk, uow, t, cmd)
        return _view(uow.session, t)


def apply_update(desk: Desk, uow: UnitOfWork, t: Ticket, cmd: UpdateTicket) -> bool:
    """The update rules inside a caller's unit of work (the row is already locked)."""
    s = uow.session
    if cmd.expected_version is not None and t.version != cmd.expected_version:
        raise _conflict(s, t, cmd.expected_version)
    ch = _Changes(uow, t)
    _classify(desk, s, ch, cmd)
    _route(s, ch, cmd)
    _move(s, ch, cmd)
    changed = ch.commit()
    if changed:
        s.flush()
        clocks.refresh(s, [t.id, *ch.also_changed], uow.now)
    return changed


def assign_in(desk: Desk, uow: UnitOfWork, t: Ticket, agent: Agent) -> TicketView:
    """Assign ``t`` to ``agent`` within the caller's unit of work (take next)."""
    apply_update(desk, uow, t, UpdateTicket(ref=t.ref, assignee=agent.login))
    return _view(uow.session, t)


class BulkResult(BaseModel):
    updated: list[str]
    refused: dict[str, str]


def bulk_update(desk: Desk, refs: Sequence[str], **fields: Any) -> BulkResult:
    """The same change on many tickets, each in its own transaction: one refusal stops none."""
    from deskterm.services.core.commands import validate

    updated: list[str] = []
    refused: dict[str, str] = {}
    for ref in refs:
        try:
            view = update_ticket(desk, validate(UpdateTicket, ref=ref, **fields))
        except DesktermError as exc:
            refused[ref] = exc.message
        else:
            updated.append(view.ref)
    return BulkResult(updated=updated, refused=refused)


def link_children(desk: Desk, ref: str, children: str) -> str:
    """Make ``ref`` the parent of the incidents listed in ``children`` (spaces or commas)."""
    wanted = [c for c in children.replace(",", " ").split() if c]
    if not wanted:
        raise InvalidInput("name at least one incident ref, e.g. INC-12 INC-13", field="children")
    with desk.writing() as uow:
        access.require(uow, Action.TICKET_WRITE)
        parent = lookup.ticket(uow.session, ref)
        done = []
        for child_ref in wanted:
            child = lookup.ticket(uow.session, child_ref, for_update=True)
            if child.id == parent.id:
                raise InvalidInput(f"{parent.ref} cannot be its own child", field="children")
            apply_update(desk, uow, child, UpdateTicket(ref=child.ref, parent=parent.ref))
            done.append(child.ref)
        return f"{parent.ref} is now the parent of {', '.join(done)}"


def _classify(desk: Desk, s: Session, ch: _Changes, cmd: UpdateTicket) -> None:
    t = ch.ticket
    if cmd.title is not None:
        ch.set("title", cmd.title)
    if cmd.description is not None:
        ch.set("description", cmd.description)
    if cmd.category is not None:
        ch.set("category", cmd.category.strip() or None)
    if cmd.workaround is not None:
        ch.set("workaround", cmd.workaround or None)
    if cmd.major is not None:
        ch.set("major", cmd.major)
    if cmd.impact is not None or cmd.urgency is not None:
        impact, urgency = cmd.impact or t.impact, cmd.urgency or t.urgency
        ch.set("impact", impact)
        ch.set("urgency", urgency)
        ch.set("priority", desk.matrix.priority(impact, urgency))
    if cmd.service is not None:
        svc = lookup.service(s, cmd.service)
        ch.set("service_id", svc.id, label="service", shown=(t.service.name if t.service else None, svc.name))
    if cmd.ci is not None:
        item = lookup.ci(s, cmd.ci)
        ch.set("ci_id", item.id, label="ci", shown=(t.ci.name if t.ci else None, item.name))
    if cmd.parent is not None:
        _set_parent(s, ch, cmd.parent)


def _set_parent(s: Session, ch: _Changes, ref: str) -> None:
    t = ch.ticket
    old = t.parent.ref if t.parent else None
    if not ref.strip():
        ch.set("parent_id", None, label="parent", shown=(old, None))
        return
    parent = lookup.ticket(s, ref)
    walker: Ticket | None = parent
    while walker is not None:
        if walker.id == t.id:
            raise InvalidInput(f"{parent.ref} cannot be the parent of {t.ref}: that would make a loop")
        walker = walker.parent
    ch.set("parent_id", parent.id, label="parent", shown=(old, parent.ref))


def _route(s: Session, ch: _Changes, cmd: UpdateTicket) -> None:
    t = ch.ticket
    if cmd.group is not None:
        grp = lookup.group(s, cmd.group)
        ch.set("group_id", grp.id, label="group", shown=(t.group.name if t.group else None, grp.name))
        ch.set("tier", grp.tier)
        if t.assignee is not None and cmd.assignee is None and grp not in t.assignee.groups:
            ch.set("assignee_id", None, label="assignee", shown=(t.assignee.login, None))
    if cmd.assignee is not None:
        old = t.assignee.login if t.assignee_id and t.assignee else None
        if not cmd.assignee.strip():
            ch.set("assignee_id", None, label="assignee", shown=(old, None))
        else:
            agent = lookup.agent(s, cmd.assignee)
            _check_assignable(s, t, agent)
            ch.set("assignee_id", agent.id, label="assignee", shown=(old, agent.login))
    s.flush()
    s.refresh(t, ["assignee", "group", "service", "ci", "parent"])


def _check_assignable(s: Session, t: Ticket, agent: Agent) -> None:
    if not agent.active:
        raise InvalidInput(f"{agent.login} is inactive and cannot take tickets; pick another agent")
    if t.group_id is not None and all(g.id != t.group_id for g in agent.groups):
        target = s.get(Group, t.group_id)  # t.group still names the old group when it moves too
        group = target.name if target else "its group"
        raise InvalidInput(
            f"{agent.login} is not in {group}; assign a member of {group} or change the group first"
        )


def _move(s: Session, ch: _Changes, cmd: UpdateTicket) -> None:
    t, now = ch.ticket, ch.uow.now
    has_assignee = t.assignee_id is not None
    if cmd.status is TicketStatus.RESOLVED and t.status is TicketStatus.RESOLVED:
        if cmd.resolution_code is not None:
            ch.set("resolution_code", cmd.resolution_code)
        if cmd.resolution is not None and cmd.resolution.strip():
            ch.set("resolution", cmd.resolution.strip())
        return
    if cmd.status is None or (cmd.status == t.status and cmd.status is not TicketStatus.PENDING):
        target = incident.status_after_assignment(t.status, has_assignee)
        if target != t.status:
            ch.set("status", target)
            if t.responded_at is None:
                t.responded_at = now
        return
    if cmd.status is TicketStatus.PENDING and t.status is TicketStatus.PENDING:
        if cmd.reason is None:
            raise InvalidInput("pending needs a reason: one of customer, supplier, problem, change")
        ch.set("pending_reason", cmd.reason)
        return
    try:
        move = incident.check_transition(
            t.status,
            cmd.status,
            reason=cmd.reason,
            resolution_code=cmd.resolution_code,
            resolution=cmd.resolution,
            has_assignee=has_assignee,
        )
    except incident.TransitionError as exc:
        raise InvalidInput(f"{t.ref}: {exc}", field="status") from None
    if move.reopened:
        t.reopen_count += 1
        ch.set("resolution_code", None)
        ch.set("resolution", None)
        t.resolved_at = None
    if move.status is TicketStatus.NEW and t.assignee_id is not None:
        ch.set("assignee_id", None, label="assignee", shown=(t.assignee.login if t.assignee else None, None))
    ch.set("status", move.status)
    ch.set("pending_reason", move.pending_reason)
    if move.status is TicketStatus.RESOLVED:
        ch.set("resolution_code", move.resolution_code)
        ch.set("resolution", move.resolution)
        t.resolved_at = now
        _resolve_children(s, ch.uow, t, ch)
    if move.status is TicketStatus.CLOSED:
        t.closed_at = now
    if t.responded_at is None:
        t.responded_at = now


def _resolve_children(s: Session, uow: UnitOfWork, parent: Ticket, parent_changes: "_Changes") -> None:
    """Resolving a parent resolves its open children with the parent's resolution."""
    children = s.scalars(
        select(Ticket)
        .where(Ticket.parent_id == parent.id, Ticket.status.in_(OPEN_STATUSES))
        .with_for_update()
    ).all()
    for child in children:
        ch = _Changes(uow, child)
        ch.set("status", TicketStatus.RESOLVED)
        ch.set("pending_reason", None)
        ch.set("resolution_code", parent.resolution_code)
        ch.set("resolution", f"Resolved with parent {parent.ref}: {parent.resolution}")
        child.resolved_at = uow.now
        if child.responded_at is None:
            child.responded_at = uow.now
        ch.commit()
        parent_changes.also_changed.append(child.id)


def add_note(desk: Desk, cmd: AddNote) -> NoteView:
    """Append to the worklog; a public note is a customer notification through a channel.

    A public update on a parent reaches the caller of every open child too.
    """
    with desk.writing() as uow:
        access.require(uow, Action.TICKET_WRITE)
        s = uow.session
        t = lookup.ticket(s, cmd.ref)
        note = append_note(uow, t, cmd.body, public=cmd.public, channel=cmd.channel, minutes=cmd.minutes)
        if cmd.public:
            children = s.scalars(
                select(Ticket).where(Ticket.parent_id == t.id, Ticket.status.in_(OPEN_STATUSES))
            ).all()
            for child in children:
                append_note(
                    uow, child, f"Update on {t.ref}: {cmd.body}", public=True, channel=None, minutes=0
                )
        s.flush()
        s.refresh(note, ["author"])
        return NoteView.of(note)


def append_note(
    uow: UnitOfWork, t: Ticket, body: str, *, public: bool, channel: Channel | None, minutes: int
) -> Note:
    s = uow.session
    if public:
        channel = channel or (Channel.EMAIL if t.caller.email else Channel.PHONE)
    note = Note(
        ticket_id=t.id,
        author_id=uow.actor.id,
        visibility=NoteVisibility.PUBLIC if public else NoteVisibility.INTERNAL,
        channel=channel if public else None,
        body=body,
        minutes=minutes,
        created_at=uow.now,
    )
    s.add(note)
    values: dict[str, Any] = {"updated_at": uow.now}
    first_response = public and t.responded_at is None
    if first_response:
        values["responded_at"] = uow.now
    # A plain UPDATE without a version bump: notes never make another agent's edit stale.
    s.execute(update(Ticket).where(Ticket.id == t.id).values(**values))
    if first_response:
        s.flush()
        s.expire(t, ["responded_at"])
        clocks.refresh(s, [t.id], uow.now)
    return note
