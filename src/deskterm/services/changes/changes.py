"""Change management use cases: raise, read, list, edit and move RFCs through their workflow.

Every write is one unit of work with audit rows (record kind ``change``) and bumps the
change's version. Collisions are derived on read from every open change's window
(:func:`deskterm.services.changes.change_windows.collision_map`), so they are recomputed whenever a
window is set or moved and are never stale.

Workflow (the allowed moves per type live in :mod:`deskterm.domain.changes.change`):

- ``submit``: draft -> assessment (refused, naming what is missing, until the 7 Rs and the
  plans are filled), then on to authorisation for normal and emergency changes (the CAB is
  chosen: the emergency CAB for emergencies). A standard change is pre-approved: it goes on to
  scheduled when it has a window, else waits in assessment for ``schedule``.
- ``vote``: CAB members (not the raiser, creator or implementer) vote approve/reject/abstain.
- ``decide``: the CAB's change manager has the final word; approving needs the CAB's rule to
  be met (``any``/``all``/``majority``; ``management`` level changes need ``all``).
- ``schedule`` sets or moves the window; an authorised change goes to scheduled.
- ``implement`` -> ``review`` (post-implementation review) -> ``close`` with an outcome.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskterm.domain.changes.change import (
    FINISHED,
    CabOutcome,
    ChangeOutcome,
    ChangeState,
    ChangeType,
    TransitionError,
    VoteDecision,
    check_transition,
    review_required,
)
from deskterm.domain.core.permissions import Action
from deskterm.domain.core.vocabulary import TicketKind
from deskterm.services.changes import change_windows
from deskterm.services.changes.change_edits import raise_change, update_change
from deskterm.services.changes.change_records import (
    RECORD,
    RULES,
    _cab_outcome,
    _eligible,
    _is_owner,
    _parse,
    _rule,
    _votes,
    detail,
    find,
    get_change,
    list_changes,
    risk_rules,
    summaries,
)
from deskterm.services.changes.change_views import ChangeDetail
from deskterm.services.changes.change_writes import (
    _assess,
    _check_complete,
    _Edit,
    _move,
    _pick_cab,
    _span,
    _text,
    _window,
)
from deskterm.services.changes.forward_schedule import (
    calendar,
    implemented_between,
    kpi,
    scheduled_between,
    templates,
    windows,
)
from deskterm.services.core import access, lookup
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput, NotPermitted
from deskterm.store.models.change import Cab, Change, ChangeVote

# The change use cases, with the reads and the forward schedule they share a name space with.
__all__ = [
    "RECORD",
    "RULES",
    "calendar",
    "cancel",
    "close",
    "decide",
    "detail",
    "find",
    "get_change",
    "implement",
    "implemented_between",
    "kpi",
    "link_incident",
    "list_changes",
    "move",
    "raise_change",
    "reject",
    "review",
    "risk_rules",
    "schedule",
    "scheduled_between",
    "submit",
    "summaries",
    "templates",
    "update_change",
    "vote",
    "windows",
]


# --- use cases -----------------------------------------------------------------------------------


def submit(desk: Desk, ref: str) -> ChangeDetail:
    """Leave draft (the 7 Rs and plans complete), then go on as far as the type allows."""
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_WRITE)
        s = uow.session
        c = find(s, ref, for_update=True)
        if c.state not in (ChangeState.DRAFT, ChangeState.ASSESSMENT):
            raise InvalidInput(f"{c.ref} is in {c.state.value}; only a draft is submitted")
        ed = _Edit(uow, c)
        _check_complete(c)
        _assess(desk, ed)
        if c.state is ChangeState.DRAFT:
            _move(ed, ChangeState.ASSESSMENT)
        _advance(s, ed)
        ed.commit()
        return detail(s, c)


def _advance(s: Session, ed: _Edit) -> None:
    """From assessment: to the CAB (normal, emergency), or pre-approved to scheduled (standard)."""
    c = ed.change
    if c.change_type is ChangeType.STANDARD:
        change_windows.template(s, c.template or "")  # pre-approved only while its template exists
        if c.authorised_at is None:
            ed.set("authorised_at", ed.uow.now, label="authorised")
        if c.planned_start is not None:
            _move(ed, ChangeState.SCHEDULED)
        return
    cab = _pick_cab(s, c)
    if c.cab_id != cab.id:
        ed.note("cab", c.cab.name if c.cab else None, cab.name)
        c.cab_id = cab.id
        c.cab = cab
    _move(ed, ChangeState.AUTHORISATION)


def vote(desk: Desk, ref: str, decision: VoteDecision, comment: str = "") -> ChangeDetail:
    """A CAB member's vote; voting again replaces the earlier vote."""
    decision = VoteDecision(decision)
    comment = _text(comment, "comment")
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_VOTE)
        s = uow.session
        c = find(s, ref, for_update=True)
        if (c.state is not ChangeState.AUTHORISATION and not _retrospective(c)) or c.cab is None:
            raise InvalidInput(f"{c.ref} is in {c.state.value}; votes are cast while it awaits authorisation")
        if not c.approval_level.needs_votes:
            raise InvalidInput(
                f"{c.ref} is at approval level {c.approval_level.value}: the change manager "
                f"{c.cab.manager.login} decides alone (deskterm change decide {c.ref} approve)"
            )
        me = uow.actor
        if me.id not in {m.id for m in c.cab.members}:
            raise NotPermitted(
                f"{me.login} is not a member of the CAB {c.cab.name}; only its members vote on {c.ref}"
            )
        if _is_owner(c, me):
            raise NotPermitted(
                f"{me.login} raised, created or implements {c.ref} and nobody approves their own change; "
                "the other CAB members vote"
            )
        existing = s.scalar(
            select(ChangeVote).where(ChangeVote.change_id == c.id, ChangeVote.voter_id == me.id)
        )
        old = f"{existing.decision.value}: {existing.comment}" if existing else None
        if existing is None:
            existing = ChangeVote(change_id=c.id, voter_id=me.id)
            s.add(existing)
        existing.decision, existing.comment, existing.at = decision, comment, uow.now
        ed = _Edit(uow, c)
        ed.note(f"vote {me.login}", old, f"{decision.value}: {comment}")
        ed.commit()
        return detail(s, c)


def _retrospective(c: Change) -> bool:
    """An emergency change implemented before it was authorised: the ECAB may still decide."""
    return (
        c.change_type is ChangeType.EMERGENCY
        and c.state in (ChangeState.IMPLEMENTING, ChangeState.REVIEW)
        and c.authorised_at is None
    )


def decide(desk: Desk, ref: str, approve: bool, comment: str = "") -> ChangeDetail:
    """The change manager's final word; approving needs the CAB's rule met first."""
    comment = _text(comment, "comment")
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_DECIDE)
        s = uow.session
        c = find(s, ref, for_update=True)
        me = uow.actor
        retrospective = _retrospective(c)
        if c.state is not ChangeState.AUTHORISATION and not retrospective:
            raise InvalidInput(f"{c.ref} is in {c.state.value}; the change manager decides in authorisation")
        if c.cab is None:
            raise InvalidInput(f"{c.ref} has no CAB; submit it first")
        if me.id != c.cab.manager_id:
            raise NotPermitted(
                f"only the change manager of {c.cab.name} ({c.cab.manager.login}) decides on {c.ref}"
            )
        if _is_owner(c, me):
            raise NotPermitted(
                f"{me.login} raised, created or implements {c.ref} and nobody approves their own change; "
                f"make another agent the change manager of {c.cab.name}"
            )
        ed = _Edit(uow, c)
        if approve:
            outcome = _cab_outcome(c, _votes(s, c))
            if outcome is not None and outcome is not CabOutcome.APPROVED:
                eligible = len(_eligible(c))
                cast = len([v for v in _votes(s, c) if not _is_owner(c, v.voter)])
                raise NotPermitted(
                    f"the CAB {c.cab.name} has not approved {c.ref} (rule {_rule(c)}, "
                    f"{cast} of {eligible} votes cast, recommendation {outcome.value}); "
                    "wait for the votes or reject it"
                )
            ed.set("authorised_at", uow.now, label="authorised")
            ed.set_agent("decided_by_id", me, label="decided by")
            ed.set("decision_comment", comment or None, label="decision")
            if not retrospective and c.planned_start is not None:
                _move(ed, ChangeState.SCHEDULED)
        else:
            if retrospective:
                raise InvalidInput(f"{c.ref} is already implementing; back it out and close it as backed-out")
            ed.set_agent("decided_by_id", me, label="decided by")
            ed.set("decision_comment", comment or None, label="decision")
            _move(ed, ChangeState.REJECTED)
        ed.commit()
        return detail(s, c)


def schedule(desk: Desk, ref: str, start: datetime, end: datetime) -> ChangeDetail:
    """Set or move the planned window (collisions are recomputed); authorised -> scheduled."""
    _window(start, end)
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_WRITE)
        s = uow.session
        c = find(s, ref, for_update=True)
        if c.state in FINISHED or c.state in (ChangeState.IMPLEMENTING, ChangeState.REVIEW):
            raise InvalidInput(f"{c.ref} is in {c.state.value}; its window can no longer move")
        ed = _Edit(uow, c)
        old = _span(c)
        c.planned_start, c.planned_end = start, end
        if _span(c) != old:
            ed.note("planned window", old, _span(c))
        authorised = c.authorised_at is not None
        if authorised and (c.state, c.change_type) in (
            (ChangeState.AUTHORISATION, ChangeType.NORMAL),
            (ChangeState.AUTHORISATION, ChangeType.EMERGENCY),
            (ChangeState.ASSESSMENT, ChangeType.STANDARD),
        ):
            _move(ed, ChangeState.SCHEDULED)
        ed.commit()
        return detail(s, c)


def implement(desk: Desk, ref: str) -> ChangeDetail:
    """Start implementing: scheduled changes, or an emergency change awaiting authorisation
    (it then counts as unauthorised until the change manager decides retrospectively)."""
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_WRITE)
        s = uow.session
        c = find(s, ref, for_update=True)
        ed = _Edit(uow, c)
        _move(ed, ChangeState.IMPLEMENTING)
        ed.set("actual_start", uow.now, label="implementation started")
        ed.commit()
        return detail(s, c)


def review(
    desk: Desk,
    ref: str,
    outcome: ChangeOutcome,
    lessons: str,
    *,
    benefits_realised: bool | None = None,
    within_cost: bool | None = None,
) -> ChangeDetail:
    """Record the post-implementation review; an implementing change moves to review."""
    outcome = ChangeOutcome(outcome)
    lessons = _text(lessons, "lessons")
    if not lessons:
        raise InvalidInput("a review needs the lessons learned (--lessons TEXT)", field="lessons")
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_WRITE)
        s = uow.session
        c = find(s, ref, for_update=True)
        ed = _Edit(uow, c)
        if c.state is ChangeState.IMPLEMENTING:
            _move(ed, ChangeState.REVIEW)
            ed.set("actual_end", uow.now, label="implementation ended")
        elif c.state is not ChangeState.REVIEW:
            raise InvalidInput(f"{c.ref} is in {c.state.value}; review it once it has been implemented")
        ed.set("review_outcome", outcome, label="review outcome")
        ed.set("review_lessons", lessons, label="lessons")
        ed.set("benefits_realised", benefits_realised, label="benefits realised")
        ed.set("within_cost", within_cost, label="within cost")
        ed.set("reviewed_at", uow.now, label="reviewed")
        c.reviewed_by_id = uow.actor.id
        ed.commit()
        return detail(s, c)


def close(desk: Desk, ref: str, outcome: ChangeOutcome | None = None) -> ChangeDetail:
    """Close with an outcome (default: the review's); failed, backed-out and emergency
    changes need their post-implementation review first."""
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_WRITE)
        s = uow.session
        c = find(s, ref, for_update=True)
        final = ChangeOutcome(outcome) if outcome is not None else c.review_outcome
        if final is None:
            raise InvalidInput(
                f"say how {c.ref} went: --outcome successful|successful-with-issues|failed|backed-out",
                field="outcome",
            )
        if c.state not in (ChangeState.IMPLEMENTING, ChangeState.REVIEW):
            raise InvalidInput(f"{c.ref} is in {c.state.value}; only an implemented change is closed")
        if review_required(c.change_type, final) and c.reviewed_at is None:
            why = (
                "an emergency change" if c.change_type is ChangeType.EMERGENCY else f"a {final.value} change"
            )
            raise InvalidInput(
                f"{c.ref} is {why}: record its post-implementation review first with "
                f"deskterm change review {c.ref} --outcome {final.value} --lessons TEXT",
                field="review",
            )
        ed = _Edit(uow, c)
        if c.actual_end is None:
            ed.set("actual_end", uow.now, label="implementation ended")
        ed.set("outcome", final)
        _move(ed, ChangeState.CLOSED)
        ed.commit()
        return detail(s, c)


def reject(desk: Desk, ref: str, reason: str) -> ChangeDetail:
    """The change manager turns a change down in assessment or authorisation."""
    reason = _text(reason, "reason")
    if not reason:
        raise InvalidInput("say why the change is rejected (--reason TEXT)", field="reason")
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_DECIDE)
        s = uow.session
        c = find(s, ref, for_update=True)
        me = uow.actor
        managers = set(s.scalars(select(Cab.manager_id)))
        allowed = {c.cab.manager_id} if c.cab else managers
        if me.id not in allowed:
            raise NotPermitted(f"only a change manager rejects {c.ref}; {me.login} is not one")
        ed = _Edit(uow, c)
        _move(ed, ChangeState.REJECTED)
        ed.set_agent("decided_by_id", me, label="decided by")
        ed.set("decision_comment", reason, label="decision")
        ed.commit()
        return detail(s, c)


def cancel(desk: Desk, ref: str, reason: str) -> ChangeDetail:
    """Withdraw a change that has not started implementing."""
    reason = _text(reason, "reason")
    if not reason:
        raise InvalidInput("say why the change is cancelled (--reason TEXT)", field="reason")
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_WRITE)
        s = uow.session
        c = find(s, ref, for_update=True)
        ed = _Edit(uow, c)
        _move(ed, ChangeState.CANCELLED)
        ed.note("cancel reason", None, reason)
        ed.commit()
        return detail(s, c)


def move(desk: Desk, ref: str, to_state: ChangeState) -> ChangeDetail:
    """The board's one move: each target state goes through its own use case and rules."""
    to = ChangeState(to_state)
    with desk.reading() as s:
        c = find(s, ref)
        state, change_type = c.state, c.change_type
        has_window = c.planned_start is not None and c.planned_end is not None
        planned = (c.planned_start, c.planned_end)
    if to is state:
        return get_change(desk, ref)
    try:
        check_transition(change_type, state, to)
    except TransitionError as exc:
        raise InvalidInput(f"{_parse(ref)}: {exc}") from None
    if to is ChangeState.IMPLEMENTING:
        return implement(desk, ref)
    if to is ChangeState.CLOSED:
        return close(desk, ref)
    if to is ChangeState.REJECTED:
        return reject(desk, ref, "rejected on the change board")
    if to is ChangeState.CANCELLED:
        return cancel(desk, ref, "cancelled on the change board")
    if to is ChangeState.AUTHORISATION and state is ChangeState.ASSESSMENT:
        return submit(desk, ref)
    if to is ChangeState.SCHEDULED:
        if not has_window:
            raise InvalidInput(f"{_parse(ref)} has no planned window; schedule it with a start and an end")
        if state is ChangeState.ASSESSMENT and change_type is ChangeType.STANDARD:
            return submit(desk, ref)
        assert planned[0] is not None and planned[1] is not None
        detail_now = get_change(desk, ref)
        if not detail_now.authorised:
            raise NotPermitted(
                f"{detail_now.ref} is not authorised yet; the change manager decides first "
                f"(deskterm change decide {detail_now.ref} approve)"
            )
        return schedule(desk, ref, planned[0], planned[1])
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_WRITE)
        s = uow.session
        c = find(s, ref, for_update=True)
        ed = _Edit(uow, c)
        if to is ChangeState.ASSESSMENT and c.state is ChangeState.DRAFT:
            _check_complete(c)
            _assess(desk, ed)
        if to is ChangeState.AUTHORISATION and c.state is ChangeState.SCHEDULED:
            ed.set("authorised_at", None, label="authorised")  # back to the CAB: authorise again
        if to is ChangeState.REVIEW and c.actual_end is None:
            ed.set("actual_end", uow.now, label="implementation ended")
        _move(ed, to)
        ed.commit()
        return detail(s, c)


def link_incident(desk: Desk, ref: str, incident_ref: str) -> ChangeDetail:
    """Record that an incident was caused by this change (a disruption, for the KPIs)."""
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_WRITE)
        s = uow.session
        c = find(s, ref, for_update=True)
        t = lookup.ticket(s, incident_ref)
        if t.kind is not TicketKind.INCIDENT:
            raise InvalidInput(f"{t.ref} is a service request; only incidents are caused by changes")
        if t.id not in {x.id for x in c.incidents}:
            c.incidents = [*c.incidents, t]
            ed = _Edit(uow, c)
            ed.note("caused incident", None, t.ref)
            ed.commit()
        return detail(s, c)
