"""The shift handover: the digest of a shift for the incoming agent, the outgoing agent's notes
(overall and per item), sign-off and acknowledgement, and the stored handovers.

A handover is a draft while its notes are written; at sign-off its digest is frozen into the
record, so ``show`` prints what was actually handed over. The incoming agent (someone other
than the one who signed off) acknowledges it; until then the next shift's status line says so.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, selectinload

from deskterm.domain.core.permissions import Action
from deskterm.domain.core.refs import RefError, parse_ref
from deskterm.domain.core.text import single_line
from deskterm.domain.core.vocabulary import Priority, TicketStatus
from deskterm.domain.handover.handover import ShiftError, ShiftPlan, ShiftWindow, breach_bucket, flow
from deskterm.services.core import access, races
from deskterm.services.core.context import Desk, UnitOfWork
from deskterm.services.core.errors import ConcurrentInsert, Conflict, InvalidInput, NotFound, NotPermitted
from deskterm.services.handover import handover_sources as sources
from deskterm.services.handover.handover_sources import ChangeLine, ProblemLine, StormLine
from deskterm.store.models import (
    Agent,
    Agreement,
    AuditEntry,
    Group,
    Handover,
    HandoverItem,
    Note,
    Ticket,
    TicketClock,
)

RECORD = "handover"
NOTE_MAX = 20_000
UPDATE_MAX = 160
OPEN = [s for s in TicketStatus if s.is_open]


class ShiftView(BaseModel):
    name: str
    key: str
    start: datetime
    end: datetime


class TicketLine(BaseModel):
    """A ticket in the digest, with its latest worklog entry when it matters."""

    ref: str
    title: str
    priority: str
    status: str
    major: bool = False
    group: str | None = None
    assignee: str | None = None
    assignee_active: bool = True  # False: deactivated, the ticket waits for someone to take it
    pending_reason: str | None = None
    opened_at: datetime | None = None
    last_update_at: datetime | None = None
    last_update_by: str | None = None
    last_update: str | None = None


class SlaLine(BaseModel):
    ref: str
    title: str
    priority: str
    agreement: str
    metric: str
    due_at: datetime
    bucket: str  # breached | due-next


class FlowView(BaseModel):
    logged: int
    resolved: int
    reopened: int
    backlog_start: int
    backlog_end: int
    backlog_delta: int


class HandoverMeta(BaseModel):
    id: int
    status: str  # draft | signed-off | acknowledged
    outgoing: str | None
    signed_off_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None


class Digest(BaseModel):
    """Everything the incoming agent needs from the shift, section by section."""

    shift: ShiftView
    next_shift: ShiftView
    generated_at: datetime
    live: bool
    handover: HandoverMeta | None
    majors: list[TicketLine]
    sla_breached: list[SlaLine]
    sla_due_next: list[SlaLine]
    unassigned: list[TicketLine]
    pending: dict[str, list[TicketLine]]
    changes_implemented: list[ChangeLine] | None = None
    changes_scheduled: list[ChangeLine] | None = None
    problems_new: list[ProblemLine] | None = None
    known_errors_new: list[ProblemLine] | None = None
    event_storms: list[StormLine] | None = None
    flow: FlowView
    note: str
    item_notes: dict[str, str]

    def refs(self) -> list[str]:
        """Every record the digest names, in the order shown: what a per-item note can be on."""
        seen: dict[str, None] = {}
        lines: list[TicketLine | SlaLine] = [
            *self.majors,
            *self.sla_breached,
            *self.sla_due_next,
            *self.unassigned,
        ]
        for line in lines:
            seen.setdefault(line.ref, None)
        for pending in self.pending.values():
            for line in pending:
                seen.setdefault(line.ref, None)
        extras: list[list[ChangeLine] | list[ProblemLine] | list[StormLine] | None] = [
            self.changes_implemented,
            self.changes_scheduled,
            self.problems_new,
            self.known_errors_new,
            self.event_storms,
        ]
        for extra in extras:
            for item in extra or []:
                seen.setdefault(item.ref, None)
        return list(seen)


class HandoverRow(BaseModel):
    id: int
    shift: str
    shift_start: datetime
    shift_end: datetime
    status: str
    outgoing: str | None
    signed_off_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    note: str


class PendingAck(BaseModel):
    """A signed-off handover the current shift has not acknowledged yet: for the status line."""

    id: int
    shift: str
    outgoing: str | None
    signed_off_at: datetime | None


# -- shifts -------------------------------------------------------------------------------


def plan(desk: Desk) -> ShiftPlan:
    return desk.settings.shift_plan()


def shift(desk: Desk, spec: str = "now") -> ShiftWindow:
    """``now``, ``prev``, ``next``, ``YYYY-MM-DD`` or ``YYYY-MM-DD:NAME`` (exit 4 otherwise)."""
    try:
        return plan(desk).parse(spec, desk.clock.now())
    except ShiftError as exc:
        raise InvalidInput(str(exc), field="shift") from None


def step(desk: Desk, spec: str, steps: int) -> str:
    """The key of the shift ``steps`` shifts after (negative: before) the one ``spec`` names."""
    p, window = plan(desk), shift(desk, spec)
    for _ in range(abs(steps)):
        window = p.next(window) if steps > 0 else p.previous(window)
    return window.key


def _shift_view(w: ShiftWindow) -> ShiftView:
    return ShiftView(name=w.name, key=w.key, start=w.start, end=w.end)


# -- the digest ---------------------------------------------------------------------------


def digest(desk: Desk, spec: str = "now", *, live: bool = False) -> Digest:
    """The digest of a shift. A signed-off shift shows what was handed over (frozen at
    sign-off, with the acknowledgement as it is now) unless ``live`` asks for today's data."""
    window = shift(desk, spec)
    with desk.reading() as s:
        record = _find(s, window)
        if record is not None and record.digest is not None and not live:
            frozen = Digest.model_validate(record.digest)
            return frozen.model_copy(update={"handover": _meta(record), "live": False})
        return _compute(desk, s, window, record)


def _compute(
    desk: Desk, s: Session, window: ShiftWindow, record: Handover | None, *, as_of: datetime | None = None
) -> Digest:
    """The live digest; ``as_of`` (default now) bounds the "last update" shown per ticket."""
    now = desk.clock.now()
    following = plan(desk).next(window)
    breached, due_next = _sla(s, window, following, now)
    pending: dict[str, list[TicketLine]] = {}
    for line in _tickets(s, Ticket.status == TicketStatus.PENDING):
        pending.setdefault(line.pending_reason or "unknown", []).append(line)
    return Digest(
        shift=_shift_view(window),
        next_shift=_shift_view(following),
        generated_at=now,
        live=True,
        handover=_meta(record) if record is not None else None,
        majors=_tickets(
            s,
            Ticket.status.in_(OPEN),
            or_(Ticket.major.is_(True), Ticket.priority.in_([Priority.P1, Priority.P2])),
            with_update=True,
            as_of=as_of or now,
        ),
        sla_breached=breached,
        sla_due_next=due_next,
        unassigned=_tickets(s, Ticket.status.in_(OPEN), Ticket.assignee_id.is_(None)),
        pending=dict(sorted(pending.items())),
        changes_implemented=sources.changes_implemented(desk, window),
        changes_scheduled=sources.changes_scheduled(desk, following),
        problems_new=sources.problems_new(s, window),
        known_errors_new=sources.known_errors_new(s, window),
        event_storms=sources.event_storms(s, window),
        flow=_flow(s, window, now),
        note=record.note if record is not None else "",
        item_notes={i.ref: i.note for i in record.items} if record is not None else {},
    )


def _tickets(
    s: Session, *where: Any, with_update: bool = False, as_of: datetime | None = None, limit: int = 200
) -> list[TicketLine]:
    assignee = aliased(Agent)
    rows = s.execute(
        select(Ticket, Group.name, assignee.login, assignee.active)
        .outerjoin(Group, Group.id == Ticket.group_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_id)
        .where(*where)
        .order_by(Ticket.major.desc(), Ticket.priority, Ticket.opened_at, Ticket.id)
        .limit(limit)
    ).all()
    updates: dict[int, tuple[datetime | None, str | None, str | None]] = {}
    if with_update and rows:
        ids = [t.id for t, _, _, _ in rows]
        latest = (
            select(Note.ticket_id, func.max(Note.id).label("id"))
            .where(Note.ticket_id.in_(ids), *([Note.created_at <= as_of] if as_of is not None else []))
            .group_by(Note.ticket_id)
            .subquery()
        )
        for ticket_id, noted_at, author, note in s.execute(
            select(Note.ticket_id, Note.created_at, Agent.login, Note.body)
            .join(latest, latest.c.id == Note.id)
            .join(Agent, Agent.id == Note.author_id)
        ):
            updates[ticket_id] = (noted_at, author, note)
    out = []
    for t, group, login, active in rows:
        at, by, body = updates.get(t.id, (None, None, None))
        text = single_line(body) if body else None
        out.append(
            TicketLine(
                ref=t.ref,
                title=t.title,
                priority=t.priority.value,
                status=t.status.value,
                major=t.major,
                group=group,
                assignee=login,
                assignee_active=active is not False,
                pending_reason=t.pending_reason.value if t.pending_reason else None,
                opened_at=t.opened_at,
                last_update_at=at,
                last_update_by=by,
                last_update=(text[: UPDATE_MAX - 1] + "…") if text and len(text) > UPDATE_MAX else text,
            )
        )
    return out


def _sla(
    s: Session, window: ShiftWindow, following: ShiftWindow, now: datetime
) -> tuple[list[SlaLine], list[SlaLine]]:
    """Targets whose due time fell in the shift (breached) or falls before the next one ends."""
    rows = s.execute(
        select(TicketClock, Ticket.ref, Ticket.title, Agreement.name)
        .join(Ticket, Ticket.id == TicketClock.ticket_id)
        .join(Agreement, Agreement.id == TicketClock.agreement_id)
        .where(TicketClock.due_at >= window.start, TicketClock.due_at < following.end)
        .order_by(TicketClock.due_at, Ticket.id)
    ).all()
    breached: list[SlaLine] = []
    due_next: list[SlaLine] = []
    for clock, ref, title, agreement in rows:
        bucket = breach_bucket(clock.state, clock.due_at, clock.stopped_at, window, following, now)
        if bucket is None or clock.due_at is None:  # no due time: no bucket
            continue
        line = SlaLine(
            ref=ref,
            title=title,
            priority=clock.priority,
            agreement=agreement,
            metric=clock.metric,
            due_at=clock.due_at,
            bucket=bucket,
        )
        (breached if bucket == "breached" else due_next).append(line)
    return breached, due_next


def _open_at(s: Session, instant: datetime) -> int:
    """Tickets logged before ``instant`` and open at that instant. A ticket untouched since then
    is as it is now; only the others need the audit trail (a later reopen does not count)."""
    from deskterm.services.reports.report_facts import open_at

    rows = s.execute(
        select(Ticket.id, Ticket.status, Ticket.updated_at).where(
            Ticket.opened_at < instant, or_(Ticket.resolved_at.is_(None), Ticket.resolved_at >= instant)
        )
    ).all()
    steady = sum(1 for _, status, updated in rows if updated < instant and status.is_open)
    moved = [ticket_id for ticket_id, _, updated in rows if updated >= instant]
    return steady + len(open_at(s, moved, instant))


def _flow(s: Session, window: ShiftWindow, now: datetime) -> FlowView:
    end = min(window.end, now)
    opened = list(
        s.scalars(select(Ticket.opened_at).where(Ticket.opened_at >= window.start, Ticket.opened_at < end))
    )
    resolved = list(
        s.scalars(
            select(Ticket.resolved_at).where(Ticket.resolved_at >= window.start, Ticket.resolved_at < end)
        )
    )
    reopened = int(
        s.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.record_kind == "ticket",
                AuditEntry.field == "status",
                AuditEntry.old.in_([TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value]),
                AuditEntry.new.not_in([TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value]),
                AuditEntry.at >= window.start,
                AuditEntry.at < end,
            )
        )
        or 0
    )
    f = flow(
        opened,
        resolved,
        window,
        reopened=reopened,
        open_at_start=_open_at(s, window.start),
        open_at_end=_open_at(s, end),
    )
    return FlowView(
        logged=f.logged,
        resolved=f.resolved,
        reopened=f.reopened,
        backlog_start=f.backlog_start,
        backlog_end=f.backlog_end,
        backlog_delta=f.backlog_delta,
    )


# -- the record: notes, sign-off, acknowledgement -------------------------------------------


def _find(s: Session, window: ShiftWindow, *, for_update: bool = False) -> Handover | None:
    stmt = (
        select(Handover)
        .where(Handover.shift_start == window.start)
        .options(
            selectinload(Handover.items),
            selectinload(Handover.outgoing),
            selectinload(Handover.acknowledged_by),
        )
    )
    if for_update:
        stmt = stmt.with_for_update()
    return s.scalar(stmt)


def _meta(h: Handover) -> HandoverMeta:
    return HandoverMeta(
        id=h.id,
        status=_status(h),
        outgoing=h.outgoing.login if h.outgoing else None,
        signed_off_at=h.signed_off_at,
        acknowledged_by=h.acknowledged_by.login if h.acknowledged_by else None,
        acknowledged_at=h.acknowledged_at,
    )


def _status(h: Handover) -> str:
    if h.acknowledged_at is not None:
        return "acknowledged"
    return "signed-off" if h.signed_off_at is not None else "draft"


def _draft(uow: UnitOfWork, window: ShiftWindow) -> Handover:
    """The shift's handover, created as a draft on first use; refused once signed off."""
    s = uow.session
    record = _find(s, window, for_update=True)
    if record is None:
        if window.start > uow.now:
            raise InvalidInput(
                f"shift {window.key} has not started yet; write the handover of a shift that has"
            )
        record = Handover(
            shift_name=window.name,
            shift_start=window.start,
            shift_end=window.end,
            note="",
            created_at=uow.now,
            updated_at=uow.now,
            version=1,
        )
        s.add(record)
        try:
            s.flush()
        except IntegrityError:  # another agent started this shift's handover: run again on theirs
            raise ConcurrentInsert(
                f"someone else started the handover of {window.key} at the same moment; try again"
            ) from None
        uow.audit(RECORD, record.id, None, "created", None, window.key, 1)
        s.refresh(record, ["items", "outgoing", "acknowledged_by"])
    elif record.signed_off_at is not None:
        who = record.outgoing.login if record.outgoing else "someone"
        raise Conflict(
            f"the handover of {window.key} was signed off by {who} at {record.signed_off_at:%H:%M} UTC; "
            "it can no longer change"
        )
    return record


def _clean(text: str, what: str) -> str:
    text = text.strip()
    if len(text) > NOTE_MAX:
        raise InvalidInput(f"the {what} is longer than {NOTE_MAX} characters; shorten it", field="note")
    return text


@races.retried
def set_note(desk: Desk, text: str, spec: str = "now") -> HandoverMeta:
    """The outgoing agent's overall note for the shift (replaces the previous one)."""
    text = _clean(text, "note")
    window = shift(desk, spec)
    with desk.writing() as uow:
        access.require(uow, Action.HANDOVER_WRITE)
        record = _draft(uow, window)
        if record.note != text:
            uow.audit(RECORD, record.id, None, "note", record.note or None, text or None, record.version + 1)
            record.note = text
            record.version += 1
            record.updated_at = uow.now
        return _meta(record)


@races.retried
def set_item_note(desk: Desk, ref: str, text: str, spec: str = "now") -> HandoverMeta:
    """A note on one record of the digest; an empty text removes it."""
    try:
        canonical = str(parse_ref(ref))
    except RefError as exc:
        raise InvalidInput(str(exc), field="ref") from None
    text = _clean(text, "note")
    window = shift(desk, spec)
    with desk.writing() as uow:
        access.require(uow, Action.HANDOVER_WRITE)
        record = _draft(uow, window)
        item = next((i for i in record.items if i.ref == canonical), None)
        old = item.note if item is not None else None
        if (old or "") == text:
            return _meta(record)
        if item is None:
            record.items.append(
                HandoverItem(ref=canonical, note=text, author_id=uow.actor.id, updated_at=uow.now)
            )
        elif not text:
            record.items.remove(item)
        else:
            item.note, item.author_id, item.updated_at = text, uow.actor.id, uow.now
        record.version += 1
        record.updated_at = uow.now
        uow.audit(RECORD, record.id, None, f"note {canonical}", old, text or None, record.version)
        uow.session.flush()
        return _meta(record)


@races.retried
def sign_off(desk: Desk, note: str | None = None, spec: str = "now") -> Digest:
    """The outgoing agent signs the shift off: the digest is frozen with the notes."""
    window = shift(desk, spec)
    with desk.writing() as uow:
        access.require(uow, Action.HANDOVER_WRITE)
        record = _draft(uow, window)
        if note is not None and note.strip() != record.note:
            cleaned = _clean(note, "note")
            uow.audit(RECORD, record.id, None, "note", record.note or None, cleaned or None)
            record.note = cleaned
        uow.session.flush()
        frozen = _compute(desk, uow.session, window, record)
        record.outgoing_id = uow.actor.id
        record.signed_off_at = uow.now
        record.version += 1
        record.updated_at = uow.now
        uow.session.flush()
        uow.session.refresh(record, ["outgoing"])
        frozen = frozen.model_copy(update={"live": False, "handover": _meta(record)})
        record.digest = frozen.model_dump(mode="json")
        uow.audit(RECORD, record.id, None, "signed_off", None, uow.actor.login, record.version)
        return frozen


def acknowledge(desk: Desk, handover_id: int | None = None) -> HandoverMeta:
    """The incoming agent acknowledges a signed-off handover (by default the latest waiting)."""
    with desk.writing() as uow:
        access.require(uow, Action.HANDOVER_WRITE)
        s = uow.session
        stmt = select(Handover).options(
            selectinload(Handover.outgoing), selectinload(Handover.acknowledged_by)
        )
        if handover_id is not None:
            record = s.scalar(stmt.where(Handover.id == handover_id).with_for_update())
            if record is None:
                raise NotFound(f"there is no handover {handover_id}; deskterm handover list shows them")
        else:
            record = s.scalar(
                stmt.where(Handover.signed_off_at.is_not(None), Handover.acknowledged_at.is_(None))
                .order_by(Handover.shift_start.desc())
                .limit(1)
                .with_for_update()
            )
            if record is None:
                raise NotFound("no signed-off handover is waiting to be acknowledged; deskterm handover list")
        if record.signed_off_at is None:
            raise InvalidInput(
                f"handover {record.id} is not signed off yet; the outgoing agent signs it off first"
            )
        if record.acknowledged_at is not None:
            who = record.acknowledged_by.login if record.acknowledged_by else "someone"
            raise Conflict(f"handover {record.id} was already acknowledged by {who}; nothing to do")
        if record.outgoing_id == uow.actor.id:
            raise NotPermitted(
                f"you signed handover {record.id} off; the incoming agent acknowledges it, "
                "not the outgoing one"
            )
        record.acknowledged_by_id = uow.actor.id
        record.acknowledged_at = uow.now
        record.version += 1
        record.updated_at = uow.now
        uow.audit(RECORD, record.id, None, "acknowledged", None, uow.actor.login, record.version)
        s.flush()
        s.refresh(record, ["acknowledged_by"])
        return _meta(record)


def _row(h: Handover, key: str) -> HandoverRow:
    return HandoverRow(
        id=h.id,
        shift=key,
        shift_start=h.shift_start,
        shift_end=h.shift_end,
        status=_status(h),
        outgoing=h.outgoing.login if h.outgoing else None,
        signed_off_at=h.signed_off_at,
        acknowledged_by=h.acknowledged_by.login if h.acknowledged_by else None,
        acknowledged_at=h.acknowledged_at,
        note=single_line(h.note)[:120],
    )


def _key(desk: Desk, h: Handover) -> str:
    day = h.shift_start.astimezone(plan(desk).zone).date()
    return f"{day.isoformat()}:{h.shift_name}"


def list_handovers(desk: Desk, *, limit: int = 50, words: str | None = None) -> list[HandoverRow]:
    """Stored handovers, newest shift first; ``words`` must each appear in the overall note,
    a per-item note or ref, the shift name or the outgoing agent's login."""
    with desk.reading() as s:
        stmt = select(Handover).options(
            selectinload(Handover.outgoing), selectinload(Handover.acknowledged_by)
        )
        for word in (words or "").split():
            escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            like = f"%{escaped}%"
            stmt = stmt.where(
                or_(
                    func.lower(Handover.note).like(like, escape="\\"),
                    func.lower(Handover.shift_name).like(like, escape="\\"),
                    Handover.items.any(
                        or_(
                            func.lower(HandoverItem.note).like(like, escape="\\"),
                            func.lower(HandoverItem.ref).like(like, escape="\\"),
                        )
                    ),
                    Handover.outgoing.has(func.lower(Agent.login).like(like, escape="\\")),
                )
            )
        rows = s.scalars(stmt.order_by(Handover.shift_start.desc()).limit(limit)).all()
        return [_row(h, _key(desk, h)) for h in rows]


def search(desk: Desk, words: str, *, limit: int = 50) -> list[HandoverRow]:
    if not words.strip():
        raise InvalidInput("give words to search for, e.g. deskterm handover search mail outage")
    return list_handovers(desk, limit=limit, words=words)


def show(desk: Desk, handover_id: int) -> Digest:
    """A stored handover: its frozen digest when signed off, else the live digest of its shift."""
    with desk.reading() as s:
        record = s.scalar(
            select(Handover)
            .where(Handover.id == handover_id)
            .options(
                selectinload(Handover.items),
                selectinload(Handover.outgoing),
                selectinload(Handover.acknowledged_by),
            )
        )
        if record is None:
            raise NotFound(f"there is no handover {handover_id}; deskterm handover list shows them")
        if record.digest is not None:
            return Digest.model_validate(record.digest).model_copy(
                update={"handover": _meta(record), "live": False}
            )
        window = plan(desk).at(record.shift_start)
        return _compute(desk, s, window, record)


def pending_ack(desk: Desk) -> PendingAck | None:
    """The previous shift's handover when it is signed off and not yet acknowledged."""
    p = plan(desk)
    previous = p.previous(p.at(desk.clock.now()))
    with desk.reading() as s:
        record = s.scalar(
            select(Handover)
            .where(
                and_(
                    Handover.shift_start == previous.start,
                    Handover.signed_off_at.is_not(None),
                    Handover.acknowledged_at.is_(None),
                )
            )
            .options(selectinload(Handover.outgoing))
        )
        if record is None:
            return None
        return PendingAck(
            id=record.id,
            shift=previous.key,
            outgoing=record.outgoing.login if record.outgoing else None,
            signed_off_at=record.signed_off_at,
        )
