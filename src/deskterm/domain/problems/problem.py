"""The problem lifecycle (问题管理): which state may follow which, and what each needs.

new -> investigating (root cause analysis) -> known-error (root cause and workaround known,
recorded in the KEDB) -> resolved (the cause removed, often by a change) -> closed.
A problem whose cause proves wrong goes back to investigating; one that recurs after it was
resolved is reopened to investigating. A new or investigating problem may be closed without a
fix (a duplicate, or not worth fixing), with a resolution saying why. Closed is final.
"""

from dataclasses import dataclass
from enum import StrEnum

from deskterm.domain.core.priority import PriorityMatrix
from deskterm.domain.core.vocabulary import Level, Priority


class ProblemStatus(StrEnum):
    NEW = "new"
    INVESTIGATING = "investigating"
    KNOWN_ERROR = "known-error"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self not in (ProblemStatus.RESOLVED, ProblemStatus.CLOSED)

    @property
    def symbol(self) -> str:
        """A mark per state so a list reads without colour."""
        return _SYMBOLS[self]


class KnownErrorStatus(StrEnum):
    """A known error stays searchable while active; a retired one (its cause removed) does not."""

    ACTIVE = "active"
    RETIRED = "retired"


P = ProblemStatus
_SYMBOLS = {P.NEW: "○", P.INVESTIGATING: "◔", P.KNOWN_ERROR: "◑", P.RESOLVED: "●", P.CLOSED: "✔"}

TRANSITIONS: dict[ProblemStatus, frozenset[ProblemStatus]] = {
    P.NEW: frozenset({P.INVESTIGATING, P.KNOWN_ERROR, P.CLOSED}),
    P.INVESTIGATING: frozenset({P.KNOWN_ERROR, P.RESOLVED, P.CLOSED}),
    P.KNOWN_ERROR: frozenset({P.INVESTIGATING, P.RESOLVED}),
    P.RESOLVED: frozenset({P.INVESTIGATING, P.CLOSED}),
    P.CLOSED: frozenset(),
}

_ORDER = list(ProblemStatus)


class ProblemTransitionError(ValueError):
    """An illegal move or a missing field; the message says what is allowed or needed."""


def allowed_next(current: ProblemStatus) -> list[ProblemStatus]:
    return sorted(TRANSITIONS[ProblemStatus(current)], key=_ORDER.index)


@dataclass(frozen=True)
class ProblemMove:
    """What a legal transition means for the service layer."""

    status: ProblemStatus
    reopened: bool  # back to investigating from resolved: the resolution no longer holds
    resolves: bool  # resolved now: stamp the time, offer to resolve the linked incidents
    closes: bool


def _given(value: str | None) -> bool:
    return bool((value or "").strip())


def check_transition(
    current: ProblemStatus,
    target: ProblemStatus,
    *,
    root_cause: str | None = None,
    workaround: str | None = None,
    resolution: str | None = None,
) -> ProblemMove:
    """Validate ``current -> target`` given the fields the problem will have after the move."""
    current, target = ProblemStatus(current), ProblemStatus(target)
    if target not in TRANSITIONS[current]:
        nxt = allowed_next(current)
        if not nxt:
            raise ProblemTransitionError(
                f"a {current.value} problem is final; raise a new problem if the fault came back"
            )
        names = ", ".join(s.value for s in nxt)
        raise ProblemTransitionError(
            f"a {current.value} problem cannot go to {target.value}; allowed: {names}"
        )
    if target is P.KNOWN_ERROR and not (_given(root_cause) and _given(workaround)):
        missing = " and ".join(
            name
            for name, value in (("a root cause", root_cause), ("a workaround", workaround))
            if not _given(value)
        )
        raise ProblemTransitionError(f"a known error needs {missing}; record them first")
    if target is P.RESOLVED:
        if not _given(root_cause):
            raise ProblemTransitionError("resolving a problem needs its root cause; record it first")
        if not _given(resolution):
            raise ProblemTransitionError(
                "resolving a problem needs a resolution saying how the cause was removed"
            )
    if target is P.CLOSED and current is not P.RESOLVED and not _given(resolution):
        raise ProblemTransitionError(
            "closing an unresolved problem needs a resolution saying why (e.g. a duplicate of PRB-2)"
        )
    return ProblemMove(
        status=target,
        reopened=current is P.RESOLVED and target is P.INVESTIGATING,
        resolves=target is P.RESOLVED,
        closes=target is P.CLOSED,
    )


def priority(matrix: PriorityMatrix, impact: Level, urgency: Level) -> Priority:
    """A problem is prioritised like an incident: the site's impact x urgency matrix."""
    return matrix.priority(impact, urgency)


def incident_resolution(problem_ref: str, resolution: str) -> str:
    """The one resolution text the open incidents of a resolved problem are given."""
    return f"Resolved by problem {problem_ref}: {resolution.strip()}"
