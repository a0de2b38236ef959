"""The incident and request lifecycle: which status may follow which, and what each needs.

new -> assigned -> in-progress -> (pending <-> in-progress) -> resolved -> closed;
resolved may be reopened to in-progress. Closed is final.
"""

from dataclasses import dataclass

from deskterm.domain.core.vocabulary import PendingReason, ResolutionCode, TicketStatus

S = TicketStatus

TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.NEW: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.PENDING, S.RESOLVED}),
    S.ASSIGNED: frozenset({S.NEW, S.IN_PROGRESS, S.PENDING, S.RESOLVED}),
    S.IN_PROGRESS: frozenset({S.ASSIGNED, S.PENDING, S.RESOLVED}),
    S.PENDING: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.RESOLVED}),
    S.RESOLVED: frozenset({S.IN_PROGRESS, S.CLOSED}),
    S.CLOSED: frozenset(),
}

_ORDER = list(TicketStatus)


class TransitionError(ValueError):
    """An illegal move; the message names the moves that are allowed."""


def allowed_next(current: TicketStatus) -> list[TicketStatus]:
    return sorted(TRANSITIONS[current], key=_ORDER.index)


@dataclass(frozen=True)
class StatusChange:
    """The fields a legal transition sets, ready for the service layer to write and audit."""

    status: TicketStatus
    pending_reason: PendingReason | None
    resolution_code: ResolutionCode | None
    resolution: str | None
    reopened: bool


def check_transition(
    current: TicketStatus,
    target: TicketStatus,
    *,
    reason: PendingReason | None = None,
    resolution_code: ResolutionCode | None = None,
    resolution: str | None = None,
    has_assignee: bool = False,
) -> StatusChange:
    """Validate ``current -> target`` and say exactly what is missing or allowed."""
    current, target = TicketStatus(current), TicketStatus(target)
    if target not in TRANSITIONS[current]:
        nxt = allowed_next(current)
        if not nxt:
            raise TransitionError(
                f"a ticket that is {current.value} is final and cannot change status; "
                "log a new ticket and link it as a child instead"
            )
        names = ", ".join(s.value for s in nxt)
        raise TransitionError(f"a {current.value} ticket cannot go to {target.value}; allowed: {names}")
    if target is S.PENDING and reason is None:
        reasons = ", ".join(r.value for r in PendingReason)
        raise TransitionError(f"pending needs a reason: one of {reasons}")
    if target is not S.PENDING and reason is not None:
        raise TransitionError(f"a pending reason only goes with status pending, not {target.value}")
    if target is S.ASSIGNED and not has_assignee:
        raise TransitionError("assigned needs an assignee; assign an agent to the ticket")
    if target is S.RESOLVED:
        if resolution_code is None or not (resolution or "").strip():
            raise TransitionError(
                "resolving needs a resolution code and a resolution text saying what was done"
            )
    elif resolution_code is not None or resolution:
        raise TransitionError("a resolution only goes with status resolved")
    return StatusChange(
        status=target,
        pending_reason=reason,
        resolution_code=resolution_code if target is S.RESOLVED else None,
        resolution=resolution.strip() if target is S.RESOLVED and resolution else None,
        reopened=current is S.RESOLVED and target is S.IN_PROGRESS,
    )


def status_after_assignment(current: TicketStatus, has_assignee: bool) -> TicketStatus:
    """Assigning a new ticket moves it to assigned; unassigning an assigned one moves it back."""
    if current is S.NEW and has_assignee:
        return S.ASSIGNED
    if current is S.ASSIGNED and not has_assignee:
        return S.NEW
    return current
