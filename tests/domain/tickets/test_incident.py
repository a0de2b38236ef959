"""The ticket lifecycle: every (current, target) pair, and what each transition needs."""

import itertools
from typing import Any

import pytest

from deskterm.domain.core.vocabulary import PendingReason, ResolutionCode, TicketStatus
from deskterm.domain.tickets.incident import (
    TRANSITIONS,
    StatusChange,
    TransitionError,
    allowed_next,
    check_transition,
    status_after_assignment,
)

S = TicketStatus

# The lifecycle as the docs describe it, written out independently of TRANSITIONS.
EXPECTED_LEGAL = {
    (S.NEW, S.ASSIGNED),
    (S.NEW, S.IN_PROGRESS),
    (S.NEW, S.PENDING),
    (S.NEW, S.RESOLVED),
    (S.ASSIGNED, S.NEW),
    (S.ASSIGNED, S.IN_PROGRESS),
    (S.ASSIGNED, S.PENDING),
    (S.ASSIGNED, S.RESOLVED),
    (S.IN_PROGRESS, S.ASSIGNED),
    (S.IN_PROGRESS, S.PENDING),
    (S.IN_PROGRESS, S.RESOLVED),
    (S.PENDING, S.ASSIGNED),
    (S.PENDING, S.IN_PROGRESS),
    (S.PENDING, S.RESOLVED),
    (S.RESOLVED, S.IN_PROGRESS),
    (S.RESOLVED, S.CLOSED),
}

ALL_PAIRS = list(itertools.product(TicketStatus, TicketStatus))
LEGAL = [p for p in ALL_PAIRS if p[1] in TRANSITIONS[p[0]]]
ILLEGAL = [p for p in ALL_PAIRS if p[1] not in TRANSITIONS[p[0]]]


def pair_id(pair: tuple[TicketStatus, TicketStatus]) -> str:
    return f"{pair[0].value}->{pair[1].value}"


def needs(target: TicketStatus) -> dict[str, Any]:
    """Exactly what a move to ``target`` must bring along."""
    if target is S.PENDING:
        return {"reason": PendingReason.CUSTOMER}
    if target is S.ASSIGNED:
        return {"has_assignee": True}
    if target is S.RESOLVED:
        return {"resolution_code": ResolutionCode.FIXED, "resolution": "Replaced the toner"}
    return {}


def test_transition_table_matches_documented_lifecycle() -> None:
    assert set(TRANSITIONS) == set(TicketStatus)
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == EXPECTED_LEGAL
    assert len(LEGAL) == 16
    assert len(ILLEGAL) == 36 - 16


@pytest.mark.parametrize("pair", LEGAL, ids=pair_id)
def test_legal_transition_succeeds(pair: tuple[TicketStatus, TicketStatus]) -> None:
    current, target = pair
    change = check_transition(current, target, **needs(target))
    assert isinstance(change, StatusChange)
    assert change.status is target
    assert change.reopened == (current is S.RESOLVED and target is S.IN_PROGRESS)
    if target is S.PENDING:
        assert change.pending_reason is PendingReason.CUSTOMER
    else:
        assert change.pending_reason is None
    if target is S.RESOLVED:
        assert change.resolution_code is ResolutionCode.FIXED
        assert change.resolution == "Replaced the toner"
    else:
        assert change.resolution_code is None
        assert change.resolution is None


@pytest.mark.parametrize("pair", LEGAL, ids=pair_id)
def test_legal_transition_accepts_plain_strings(pair: tuple[TicketStatus, TicketStatus]) -> None:
    current, target = pair
    change = check_transition(current.value, target.value, **needs(target))  # type: ignore[arg-type]
    assert change.status is target


@pytest.mark.parametrize("pair", ILLEGAL, ids=pair_id)
def test_illegal_transition_names_allowed_next(pair: tuple[TicketStatus, TicketStatus]) -> None:
    current, target = pair
    with pytest.raises(TransitionError) as excinfo:
        check_transition(current, target, **needs(target))
    message = str(excinfo.value)
    if current is S.CLOSED:
        assert "closed is final" in message
        assert "log a new ticket" in message
    else:
        allowed = ", ".join(s.value for s in allowed_next(current))
        assert f"cannot go to {target.value}" in message
        assert message.endswith(f"allowed: {allowed}")
        for status in TRANSITIONS[current]:
            assert status.value in message.split("allowed:")[1]


def test_illegal_transition_message_exact_example() -> None:
    with pytest.raises(TransitionError) as excinfo:
        check_transition(S.NEW, S.CLOSED)
    assert str(excinfo.value) == (
        "a new ticket cannot go to closed; allowed: assigned, in-progress, pending, resolved"
    )


@pytest.mark.parametrize("status", list(TicketStatus), ids=str)
def test_staying_in_the_same_status_is_not_a_transition(status: TicketStatus) -> None:
    with pytest.raises(TransitionError):
        check_transition(status, status, **needs(status))


@pytest.mark.parametrize("target", list(TicketStatus), ids=str)
def test_closed_is_final(target: TicketStatus) -> None:
    with pytest.raises(TransitionError, match="final"):
        check_transition(S.CLOSED, target, **needs(target))


def test_allowed_next_is_in_lifecycle_order() -> None:
    assert allowed_next(S.NEW) == [S.ASSIGNED, S.IN_PROGRESS, S.PENDING, S.RESOLVED]
    assert allowed_next(S.ASSIGNED) == [S.NEW, S.IN_PROGRESS, S.PENDING, S.RESOLVED]
    assert allowed_next(S.IN_PROGRESS) == [S.ASSIGNED, S.PENDING, S.RESOLVED]
    assert allowed_next(S.PENDING) == [S.ASSIGNED, S.IN_PROGRESS, S.RESOLVED]
    assert allowed_next(S.RESOLVED) == [S.IN_PROGRESS, S.CLOSED]
    assert allowed_next(S.CLOSED) == []


def test_transition_error_is_a_value_error() -> None:
    assert issubclass(TransitionError, ValueError)


def test_unknown_status_string_is_refused() -> None:
    with pytest.raises(ValueError):
        check_transition("open", S.RESOLVED)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        check_transition(S.NEW, "done")  # type: ignore[arg-type]


# --- pending -----------------------------------------------------------------------


@pytest.mark.parametrize("current", [c for c in TicketStatus if S.PENDING in TRANSITIONS[c]], ids=str)
def test_pending_needs_a_reason_and_lists_them(current: TicketStatus) -> None:
    with pytest.raises(TransitionError) as excinfo:
        check_transition(current, S.PENDING)
    message = str(excinfo.value)
    assert "pending needs a reason" in message
    for reason in PendingReason:
        assert reason.value in message


@pytest.mark.parametrize("reason", list(PendingReason), ids=str)
def test_every_pending_reason_is_accepted_and_kept(reason: PendingReason) -> None:
    change = check_transition(S.IN_PROGRESS, S.PENDING, reason=reason)
    assert change.status is S.PENDING
    assert change.pending_reason is reason


@pytest.mark.parametrize("pair", [p for p in LEGAL if p[1] is not S.PENDING], ids=pair_id)
def test_reason_only_goes_with_pending(pair: tuple[TicketStatus, TicketStatus]) -> None:
    current, target = pair
    with pytest.raises(TransitionError) as excinfo:
        check_transition(current, target, reason=PendingReason.SUPPLIER, **needs(target))
    assert str(excinfo.value) == f"a pending reason only goes with status pending, not {target.value}"


def test_leaving_pending_clears_the_reason() -> None:
    change = check_transition(S.PENDING, S.IN_PROGRESS)
    assert change.pending_reason is None


# --- assigned ----------------------------------------------------------------------


@pytest.mark.parametrize("current", [c for c in TicketStatus if S.ASSIGNED in TRANSITIONS[c]], ids=str)
def test_assigned_needs_an_assignee(current: TicketStatus) -> None:
    with pytest.raises(TransitionError, match="assigned needs an assignee"):
        check_transition(current, S.ASSIGNED)
    with pytest.raises(TransitionError, match="assigned needs an assignee"):
        check_transition(current, S.ASSIGNED, has_assignee=False)
    assert check_transition(current, S.ASSIGNED, has_assignee=True).status is S.ASSIGNED


@pytest.mark.parametrize(
    "pair", [p for p in LEGAL if p[1] is not S.ASSIGNED and not needs(p[1])], ids=pair_id
)
def test_other_targets_do_not_need_an_assignee(pair: tuple[TicketStatus, TicketStatus]) -> None:
    current, target = pair
    assert check_transition(current, target, has_assignee=False).status is target


# --- resolved ----------------------------------------------------------------------


@pytest.mark.parametrize("current", [c for c in TicketStatus if S.RESOLVED in TRANSITIONS[c]], ids=str)
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"resolution_code": ResolutionCode.FIXED},
        {"resolution": "Rebooted the router"},
        {"resolution_code": ResolutionCode.FIXED, "resolution": ""},
        {"resolution_code": ResolutionCode.FIXED, "resolution": "   \n\t "},
        {"resolution_code": None, "resolution": "Rebooted the router"},
    ],
    ids=["nothing", "code-only", "text-only", "empty-text", "blank-text", "no-code"],
)
def test_resolved_needs_code_and_text(current: TicketStatus, kwargs: dict[str, Any]) -> None:
    with pytest.raises(TransitionError) as excinfo:
        check_transition(current, S.RESOLVED, **kwargs)
    assert str(excinfo.value) == (
        "resolving needs a resolution code and a resolution text saying what was done"
    )


@pytest.mark.parametrize("code", list(ResolutionCode), ids=str)
def test_every_resolution_code_resolves(code: ResolutionCode) -> None:
    change = check_transition(S.IN_PROGRESS, S.RESOLVED, resolution_code=code, resolution="Done")
    assert change.status is S.RESOLVED
    assert change.resolution_code is code
    assert change.resolution == "Done"
    assert change.reopened is False


def test_resolution_text_is_trimmed() -> None:
    change = check_transition(
        S.NEW, S.RESOLVED, resolution_code=ResolutionCode.USER_ERROR, resolution="  Showed caps lock \n"
    )
    assert change.resolution == "Showed caps lock"


@pytest.mark.parametrize("pair", [p for p in LEGAL if p[1] is not S.RESOLVED], ids=pair_id)
@pytest.mark.parametrize(
    "extra",
    [
        {"resolution_code": ResolutionCode.FIXED},
        {"resolution": "fixed it"},
        {"resolution_code": ResolutionCode.FIXED, "resolution": "fixed it"},
    ],
    ids=["code", "text", "both"],
)
def test_resolution_only_goes_with_resolved(
    pair: tuple[TicketStatus, TicketStatus], extra: dict[str, Any]
) -> None:
    current, target = pair
    with pytest.raises(TransitionError, match="a resolution only goes with status resolved"):
        check_transition(current, target, **needs(target), **extra)


# --- reopen ------------------------------------------------------------------------


def test_reopen_sets_reopened() -> None:
    change = check_transition(S.RESOLVED, S.IN_PROGRESS)
    assert change == StatusChange(
        status=S.IN_PROGRESS, pending_reason=None, resolution_code=None, resolution=None, reopened=True
    )


def test_reopen_drops_the_old_resolution() -> None:
    """A reopened ticket carries no resolution; passing one along is refused."""
    with pytest.raises(TransitionError, match="only goes with status resolved"):
        check_transition(
            S.RESOLVED, S.IN_PROGRESS, resolution_code=ResolutionCode.FIXED, resolution="old text"
        )


def test_closing_is_not_a_reopen() -> None:
    change = check_transition(S.RESOLVED, S.CLOSED)
    assert change.status is S.CLOSED
    assert change.reopened is False


@pytest.mark.parametrize("pair", [p for p in LEGAL if p != (S.RESOLVED, S.IN_PROGRESS)], ids=pair_id)
def test_only_resolved_to_in_progress_reopens(pair: tuple[TicketStatus, TicketStatus]) -> None:
    current, target = pair
    assert check_transition(current, target, **needs(target)).reopened is False


def test_resolved_cannot_go_straight_to_pending_or_assigned() -> None:
    with pytest.raises(TransitionError, match="allowed: in-progress, closed"):
        check_transition(S.RESOLVED, S.PENDING, reason=PendingReason.CUSTOMER)
    with pytest.raises(TransitionError, match="allowed: in-progress, closed"):
        check_transition(S.RESOLVED, S.ASSIGNED, has_assignee=True)


def test_status_change_is_immutable() -> None:
    change = check_transition(S.NEW, S.IN_PROGRESS)
    with pytest.raises(AttributeError):
        change.status = S.CLOSED  # type: ignore[misc]


# --- a full walk -------------------------------------------------------------------


def test_full_lifecycle_walk() -> None:
    steps = [
        (S.NEW, S.ASSIGNED),
        (S.ASSIGNED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.PENDING),
        (S.PENDING, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.RESOLVED),
        (S.RESOLVED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.RESOLVED),
        (S.RESOLVED, S.CLOSED),
    ]
    status = S.NEW
    for current, target in steps:
        assert status is current
        status = check_transition(status, target, **needs(target)).status
    assert status is S.CLOSED
    assert not status.is_open


# --- status_after_assignment -------------------------------------------------------


def test_assigning_a_new_ticket_moves_it_to_assigned() -> None:
    assert status_after_assignment(S.NEW, has_assignee=True) is S.ASSIGNED


def test_unassigning_an_assigned_ticket_moves_it_back_to_new() -> None:
    assert status_after_assignment(S.ASSIGNED, has_assignee=False) is S.NEW


@pytest.mark.parametrize("current", list(TicketStatus), ids=str)
@pytest.mark.parametrize("has_assignee", [True, False], ids=["assign", "unassign"])
def test_status_after_assignment_otherwise_unchanged(current: TicketStatus, has_assignee: bool) -> None:
    moved = {(S.NEW, True): S.ASSIGNED, (S.ASSIGNED, False): S.NEW}
    expected = moved.get((current, has_assignee), current)
    assert status_after_assignment(current, has_assignee) is expected


@pytest.mark.parametrize("current", list(TicketStatus), ids=str)
@pytest.mark.parametrize("has_assignee", [True, False], ids=["assign", "unassign"])
def test_status_after_assignment_is_always_a_legal_move(current: TicketStatus, has_assignee: bool) -> None:
    """The automatic move never breaks the lifecycle rules."""
    after = status_after_assignment(current, has_assignee)
    if after is not current:
        assert after in TRANSITIONS[current]
        check_transition(current, after, has_assignee=has_assignee)
