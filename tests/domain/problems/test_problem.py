"""The problem lifecycle: every pair of states, and what each move needs."""

import itertools

import pytest

from deskterm.domain.core.priority import PriorityMatrix
from deskterm.domain.core.vocabulary import Level, Priority
from deskterm.domain.problems.problem import (
    TRANSITIONS,
    ProblemStatus,
    ProblemTransitionError,
    allowed_next,
    check_transition,
    incident_resolution,
    priority,
)

P = ProblemStatus
FULL = {"root_cause": "disk full", "workaround": "purge logs", "resolution": "disk grown"}

LEGAL = {
    (P.NEW, P.INVESTIGATING),
    (P.NEW, P.KNOWN_ERROR),
    (P.NEW, P.CLOSED),
    (P.INVESTIGATING, P.KNOWN_ERROR),
    (P.INVESTIGATING, P.RESOLVED),
    (P.INVESTIGATING, P.CLOSED),
    (P.KNOWN_ERROR, P.INVESTIGATING),
    (P.KNOWN_ERROR, P.RESOLVED),
    (P.RESOLVED, P.INVESTIGATING),
    (P.RESOLVED, P.CLOSED),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(P, P)))
def test_every_pair_is_legal_exactly_when_listed(current: P, target: P) -> None:
    if (current, target) in LEGAL:
        move = check_transition(current, target, **FULL)
        assert move.status is target
    else:
        with pytest.raises(ProblemTransitionError):
            check_transition(current, target, **FULL)


def test_the_table_and_the_list_agree() -> None:
    assert {(a, b) for a, nxt in TRANSITIONS.items() for b in nxt} == LEGAL
    assert allowed_next(P.NEW) == [P.INVESTIGATING, P.KNOWN_ERROR, P.CLOSED]
    assert allowed_next(P.CLOSED) == []


def test_the_happy_path_from_new_to_closed() -> None:
    path = [P.NEW, P.INVESTIGATING, P.KNOWN_ERROR, P.RESOLVED, P.CLOSED]
    for a, b in itertools.pairwise(path):
        check_transition(a, b, **FULL)


def test_illegal_moves_name_the_allowed_ones() -> None:
    with pytest.raises(ProblemTransitionError, match="allowed: investigating, known-error, closed"):
        check_transition(P.NEW, P.RESOLVED, **FULL)
    with pytest.raises(ProblemTransitionError, match="final"):
        check_transition(P.CLOSED, P.INVESTIGATING, **FULL)


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({}, "a root cause and a workaround"),
        ({"root_cause": "x"}, "a workaround"),
        ({"workaround": "x", "root_cause": "  "}, "a root cause"),
    ],
)
def test_known_error_needs_cause_and_workaround(given: dict[str, str], missing: str) -> None:
    with pytest.raises(ProblemTransitionError, match=f"needs {missing};"):
        check_transition(P.INVESTIGATING, P.KNOWN_ERROR, **given)


def test_resolving_needs_cause_and_resolution_but_no_workaround() -> None:
    with pytest.raises(ProblemTransitionError, match="root cause"):
        check_transition(P.INVESTIGATING, P.RESOLVED, resolution="fixed")
    with pytest.raises(ProblemTransitionError, match="resolution"):
        check_transition(P.INVESTIGATING, P.RESOLVED, root_cause="bug")
    move = check_transition(P.INVESTIGATING, P.RESOLVED, root_cause="bug", resolution="patched")
    assert move.resolves and not move.closes and not move.reopened


def test_closing_without_a_fix_says_why_but_closing_a_resolved_one_needs_nothing() -> None:
    with pytest.raises(ProblemTransitionError, match="why"):
        check_transition(P.NEW, P.CLOSED)
    assert check_transition(P.NEW, P.CLOSED, resolution="duplicate of PRB-2").closes
    assert check_transition(P.RESOLVED, P.CLOSED).closes


def test_reopening_a_resolved_problem() -> None:
    move = check_transition(P.RESOLVED, P.INVESTIGATING)
    assert move.reopened and not move.resolves


def test_states_read_without_colour_and_open_ones_are_known() -> None:
    assert len({s.symbol for s in P}) == len(P)
    assert [s for s in P if s.is_open] == [P.NEW, P.INVESTIGATING, P.KNOWN_ERROR]


def test_priority_comes_from_the_matrix() -> None:
    matrix = PriorityMatrix()
    assert priority(matrix, Level.HIGH, Level.HIGH) is Priority.P1
    assert priority(matrix, Level.LOW, Level.MEDIUM) is Priority.P4


def test_incident_resolution_names_the_problem() -> None:
    assert incident_resolution("PRB-3", " patched \n") == "Resolved by problem PRB-3: patched"
