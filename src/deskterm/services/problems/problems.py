"""Use cases that change problems: raise, link incidents, update, resolve, record the known error.

Every write runs in one unit of work with audit rows on the problem (record kind
``problem``) and, where an incident changes, on the incident through the ticket rules
(``tickets.apply_update``), so its version, history and SLA clocks stay right. Writes may
carry the version the problem manager saw; a newer problem is a conflict naming what changed.
"""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskterm.domain.core.permissions import Action
from deskterm.domain.core.refs import RefError, RefKind, parse_ref
from deskterm.domain.core.vocabulary import PendingReason, ResolutionCode, TicketKind, TicketStatus
from deskterm.domain.problems import problem as rules
from deskterm.domain.problems.problem import KnownErrorStatus, ProblemStatus
from deskterm.services.core import access, lookup
from deskterm.services.core.commands import UpdateTicket
from deskterm.services.core.context import Desk, UnitOfWork
from deskterm.services.core.errors import InvalidInput, NotFound
from deskterm.services.problems.problem_reads import problem_view
from deskterm.services.problems.problem_records import (
    KE_RECORD,
    RECORD,
    ProblemChanges,
    conflict,
    find,
    next_ref,
)
from deskterm.services.problems.problem_views import (
    ProblemView,
    RaiseProblem,
    RecordKnownError,
    UpdateProblem,
)
from deskterm.services.tickets import tickets
from deskterm.store.models import KnownError, Problem, ProblemIncident, Ticket


def _incident(s: Session, ref: str) -> Ticket:
    t = lookup.ticket(s, ref, for_update=True)
    if t.kind is not TicketKind.INCIDENT:
        raise InvalidInput(
            f"{t.ref} is a service request; only incidents are linked to problems", field="incidents"
        )
    return t


def _refs(values: Sequence[str] | str) -> list[str]:
    text = values if isinstance(values, str) else " ".join(values)
    return list(dict.fromkeys(v for v in text.replace(",", " ").split() if v))


# -- writes --------------------------------------------------------------------------------


def raise_problem(desk: Desk, cmd: RaiseProblem) -> ProblemView:
    """A new problem; its incidents linked (and set pending) in the same transaction."""
    with desk.writing() as uow:
        access.require(uow, Action.PROBLEM_RAISE)
        s = uow.session
        service = lookup.service(s, cmd.service) if cmd.service else None
        ci = lookup.ci(s, cmd.ci) if cmd.ci else None
        group = lookup.group(s, cmd.group) if cmd.group else None
        assignee = lookup.agent(s, cmd.assignee) if cmd.assignee and cmd.assignee.strip() else None
        incidents = [_incident(s, r) for r in _refs(cmd.incidents)]
        if service is None:  # reactive: the incidents say which service is hurt
            service = next((t.service for t in incidents if t.service is not None), None)
        if ci is None:
            ci = next((t.ci for t in incidents if t.ci is not None), None)
        number, ref = next_ref(s, RefKind.PRB)
        p = Problem(
            ref=ref,
            number=number,
            title=cmd.title,
            description=cmd.description,
            status=ProblemStatus.NEW,
            impact=cmd.impact,
            urgency=cmd.urgency,
            priority=rules.priority(desk.matrix, cmd.impact, cmd.urgency),
            service_id=service.id if service else None,
            ci_id=ci.id if ci else None,
            group_id=group.id if group else None,
            assignee_id=assignee.id if assignee else None,
            opened_at=uow.now,
            updated_at=uow.now,
            created_by_id=uow.actor.id,
            version=1,
        )
        s.add(p)
        s.flush()
        for field, value in (
            ("created", p.ref),
            ("status", p.status.value),
            ("priority", p.priority.value),
            ("service", service.name if service else None),
            ("ci", ci.name if ci else None),
            ("group", group.name if group else None),
            ("assignee", assignee.login if assignee else None),
        ):
            if value is not None:
                uow.audit(RECORD, p.id, p.ref, field, None, value, 1)
        for t in incidents:
            _link(desk, uow, p, t, pending=cmd.pending)
            uow.audit(RECORD, p.id, p.ref, "incident", None, t.ref, 1)
        return problem_view(s, p)


def _link(desk: Desk, uow: UnitOfWork, p: Problem, t: Ticket, *, pending: bool) -> bool:
    """Link one incident; an open one waits for the problem when ``pending``. False if linked already."""
    s = uow.session
    if s.get(ProblemIncident, (p.id, t.id)) is not None:
        return False
    s.add(ProblemIncident(problem_id=p.id, ticket_id=t.id, linked_at=uow.now, linked_by_id=uow.actor.id))
    # On the incident's history, without a version bump: linking never makes an edit stale.
    uow.audit(tickets.RECORD, t.id, t.ref, "problem", None, p.ref, t.version)
    if pending and t.status.is_open and t.status is not TicketStatus.PENDING:
        tickets.apply_update(
            desk, uow, t, UpdateTicket(ref=t.ref, status=TicketStatus.PENDING, reason=PendingReason.PROBLEM)
        )
    return True


def link_in(desk: Desk, uow: UnitOfWork, p: Problem, t: Ticket, *, pending: bool = False) -> bool:
    """Link ``t`` to ``p`` inside a caller's unit of work (applying a known error does)."""
    p = find(uow.session, p.ref, for_update=True)
    if not _link(desk, uow, p, t, pending=pending):
        return False
    ch = ProblemChanges(uow, p)
    ch.note("incident", None, t.ref)
    ch.commit()
    return True


def link_incidents(
    desk: Desk,
    ref: str,
    incidents: Sequence[str] | str,
    *,
    pending: bool = True,
    expected_version: int | None = None,
) -> ProblemView:
    """Link incidents to a problem; open ones go pending (reason problem) unless ``pending`` is off."""
    wanted = _refs(incidents)
    if not wanted:
        raise InvalidInput("name at least one incident ref, e.g. INC-12 INC-13", field="incidents")
    with desk.writing() as uow:
        access.require(uow, Action.PROBLEM_MANAGE)
        s = uow.session
        p = find(s, ref, for_update=True)
        if expected_version is not None and p.version != expected_version:
            raise conflict(s, p, expected_version)
        if p.status is ProblemStatus.CLOSED:
            raise InvalidInput(
                f"{p.ref} is closed; raise a new problem for these incidents", field="incidents"
            )
        ch = ProblemChanges(uow, p)
        for r in wanted:
            t = _incident(s, r)
            if _link(desk, uow, p, t, pending=pending and p.status.is_open):
                ch.note("incident", None, t.ref)
        ch.commit()
        return problem_view(s, p)


def unlink_incident(desk: Desk, ref: str, incident: str) -> ProblemView:
    """Take an incident off a problem (linked by mistake); it stays as it is otherwise."""
    with desk.writing() as uow:
        access.require(uow, Action.PROBLEM_MANAGE)
        s = uow.session
        p = find(s, ref, for_update=True)
        t = lookup.ticket(s, incident, for_update=True)
        link = s.get(ProblemIncident, (p.id, t.id))
        if link is None:
            raise NotFound(
                f"{t.ref} is not linked to {p.ref}; deskterm problem show {p.ref} lists its incidents"
            )
        s.delete(link)
        uow.audit(tickets.RECORD, t.id, t.ref, "problem", p.ref, None, t.version)
        ch = ProblemChanges(uow, p)
        ch.note("incident", t.ref, None)
        ch.commit()
        return problem_view(s, p)


def update_problem(desk: Desk, cmd: UpdateProblem) -> ProblemView:
    """Apply every given field in one transaction, or nothing at all.

    With ``resolve_incidents`` a move to resolved also resolves every open linked incident
    with one resolution naming the problem (their children follow, as tickets do).
    """
    with desk.writing() as uow:
        access.require(uow, Action.PROBLEM_MANAGE)
        s = uow.session
        p = find(s, cmd.ref, for_update=True)
        if cmd.expected_version is not None and p.version != cmd.expected_version:
            raise conflict(s, p, cmd.expected_version)
        ch = ProblemChanges(uow, p)
        _fields(desk, s, ch, cmd)
        resolved_incidents = _move(desk, uow, ch, cmd)
        ch.commit()
        if resolved_incidents:
            uow.audit(
                RECORD, p.id, p.ref, "incidents resolved", None, ", ".join(resolved_incidents), p.version
            )
        return problem_view(s, p)


def _fields(desk: Desk, s: Session, ch: ProblemChanges, cmd: UpdateProblem) -> None:
    p = ch.p
    if cmd.title is not None:
        ch.set("title", cmd.title)
    if cmd.description is not None:
        ch.set("description", cmd.description)
    if cmd.impact is not None or cmd.urgency is not None:
        impact, urgency = cmd.impact or p.impact, cmd.urgency or p.urgency
        ch.set("impact", impact)
        ch.set("urgency", urgency)
        ch.set("priority", rules.priority(desk.matrix, impact, urgency))
    for attr, value, find_fn, shown_attr in (
        ("service_id", cmd.service, lookup.service, "name"),
        ("ci_id", cmd.ci, lookup.ci, "name"),
        ("group_id", cmd.group, lookup.group, "name"),
        ("assignee_id", cmd.assignee, lookup.agent, "login"),
    ):
        if value is None:
            continue
        label = attr.removesuffix("_id")
        current = getattr(p, label)
        old = getattr(current, shown_attr) if current is not None else None
        if not value.strip():
            ch.set(attr, None, label=label, shown=(old, None))
        else:
            found = find_fn(s, value)
            ch.set(attr, found.id, label=label, shown=(old, getattr(found, shown_attr)))
    if cmd.root_cause is not None:
        ch.set("root_cause", cmd.root_cause.strip() or None, label="root cause")
    if cmd.workaround is not None:
        ch.set("workaround", cmd.workaround.strip() or None)
    if cmd.resolution is not None:
        ch.set("resolution", cmd.resolution.strip() or None)
    if cmd.fixing_change is not None:
        ch.set("fixing_change_ref", _change_ref(cmd.fixing_change), label="fixing change")


def _change_ref(text: str) -> str | None:
    if not text.strip():
        return None
    try:
        parsed = parse_ref(text)
    except RefError as exc:
        raise InvalidInput(f"fixing change: {exc}", field="fixing_change") from None
    if parsed.kind is not RefKind.CHG:
        raise InvalidInput(f"{parsed} is not a change; a fixing change is a CHG ref", field="fixing_change")
    return str(parsed)


def _move(desk: Desk, uow: UnitOfWork, ch: ProblemChanges, cmd: UpdateProblem) -> list[str]:
    p = ch.p
    if cmd.status is None or cmd.status is p.status:
        if cmd.resolve_incidents and p.status is ProblemStatus.RESOLVED:
            return _resolve_incidents(desk, uow, p, cmd.resolution_code)
        return []
    try:
        move = rules.check_transition(
            p.status, cmd.status, root_cause=p.root_cause, workaround=p.workaround, resolution=p.resolution
        )
    except rules.ProblemTransitionError as exc:
        raise InvalidInput(f"{p.ref}: {exc}", field="status") from None
    ch.set("status", move.status)
    if move.reopened:
        p.resolved_at = None
    if move.resolves:
        p.resolved_at = uow.now
    if move.closes:
        p.closed_at = uow.now
    if move.resolves and cmd.resolve_incidents:
        return _resolve_incidents(desk, uow, p, cmd.resolution_code)
    return []


def _resolve_incidents(desk: Desk, uow: UnitOfWork, p: Problem, code: ResolutionCode) -> list[str]:
    s = uow.session
    assert p.resolution is not None
    open_ones = s.scalars(
        select(Ticket)
        .join(ProblemIncident, ProblemIncident.ticket_id == Ticket.id)
        .where(
            ProblemIncident.problem_id == p.id, Ticket.status.in_([st for st in TicketStatus if st.is_open])
        )
        .order_by(Ticket.id)
        .with_for_update()
    ).all()
    text = rules.incident_resolution(p.ref, p.resolution)
    done = []
    for t in open_ones:
        s.refresh(t)  # a parent resolved just before may have resolved this child with it
        if not t.status.is_open:
            continue
        tickets.apply_update(
            desk,
            uow,
            t,
            UpdateTicket(ref=t.ref, status=TicketStatus.RESOLVED, resolution_code=code, resolution=text),
        )
        done.append(t.ref)
    return done


# -- known errors --------------------------------------------------------------------------


def record_known_error(desk: Desk, cmd: RecordKnownError) -> str:
    """Create a KE; from a problem it takes the problem's cause, workaround, service and CI,
    records them on the problem and moves a new or investigating problem to known-error.
    Returns the new ref."""
    from deskterm.domain.problems.kedb import keyword_list
    from deskterm.services.problems import kedb_index

    with desk.writing() as uow:
        access.require(uow, Action.PROBLEM_MANAGE)
        s = uow.session
        p = find(s, cmd.problem, for_update=True) if cmd.problem else None
        root_cause = (cmd.root_cause or "").strip() or (p.root_cause if p else None)
        workaround = (cmd.workaround or "").strip() or (p.workaround if p else None)
        title = cmd.title or (p.title if p else None)
        missing = [
            n for n, v in (("root cause", root_cause), ("workaround", workaround), ("title", title)) if not v
        ]
        if missing:
            raise InvalidInput(
                f"a known error needs a {' and a '.join(missing)}", field=missing[0].replace(" ", "_")
            )
        assert root_cause and workaround and title
        services = [lookup.service(s, n) for n in cmd.services]
        cis = [lookup.ci(s, n) for n in cmd.cis]
        if p is not None:
            if p.status is ProblemStatus.CLOSED:
                raise InvalidInput(f"{p.ref} is closed; record the known error on its own", field="problem")
            if not services and p.service is not None:
                services = [p.service]
            if not cis and p.ci is not None:
                cis = [p.ci]
            ch = ProblemChanges(uow, p)
            ch.set("root_cause", root_cause, label="root cause")
            ch.set("workaround", workaround)
            if p.status in (ProblemStatus.NEW, ProblemStatus.INVESTIGATING):
                rules.check_transition(
                    p.status, ProblemStatus.KNOWN_ERROR, root_cause=root_cause, workaround=workaround
                )
                ch.set("status", ProblemStatus.KNOWN_ERROR)
        number, ref = next_ref(s, RefKind.KE)
        ke = KnownError(
            ref=ref,
            number=number,
            title=title,
            symptom=cmd.symptom.strip(),
            root_cause=root_cause,
            workaround=workaround,
            keywords=", ".join(keyword_list(cmd.keywords)),
            status=KnownErrorStatus.ACTIVE,
            problem_id=p.id if p else None,
            created_at=uow.now,
            updated_at=uow.now,
            created_by_id=uow.actor.id,
            version=1,
            services=list(dict.fromkeys(services)),
            cis=list(dict.fromkeys(cis)),
        )
        s.add(ke)
        s.flush()
        uow.audit(KE_RECORD, ke.id, ke.ref, "created", None, ke.ref, 1)
        uow.audit(KE_RECORD, ke.id, ke.ref, "status", None, ke.status.value, 1)
        if p is not None:
            uow.audit(KE_RECORD, ke.id, ke.ref, "problem", None, p.ref, 1)
            ch.note("known error", None, ke.ref)
            ch.commit()
        kedb_index.forget_index()
        return ke.ref
