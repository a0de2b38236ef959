"""Issue 14, item 3: creating the same record from several desks at once gives one record and
a conflict (exit 5) for every other desk, on both databases, for every kind of record; records
without a natural key (changes, problems, known errors) all get made, each with its own ref."""

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from deskterm.services.catalogue import catalogue
from deskterm.services.changes import cab, change_edits
from deskterm.services.changes.change_views import RaiseChange
from deskterm.services.core.commands import AddCI, AddContact, AddService, validate
from deskterm.services.core.context import Desk
from deskterm.services.people import agents, people
from deskterm.services.people.agents import AgentFields
from deskterm.services.problems import problem_reads, problem_views, problems
from deskterm.store.models import Agent, Cab, Contact, Group, Service
from deskterm.store.models import ConfigurationItem as CI
from tests.conftest import open_desk
from tests.services.races import N, once_and_conflicts, race

CREATES: dict[str, Callable[[Desk], Any]] = {
    "service": lambda d: catalogue.add_service(d, AddService(name="Payroll")),
    "ci": lambda d: catalogue.add_ci(d, AddCI(name="pay-01", ci_type="server")),
    "cab": lambda d: cab.add(d, "Weekly CAB", manager="alice", members=["alice"]),
    "contact": lambda d: people.add_contact(d, AddContact(name="Ann", email="Ann@Example.com")),
    "agent": lambda d: agents.add_agent(d, "bob", AgentFields()),
    "group": lambda d: agents.add_group(d, "Network", tier=2),
}
ROWS: dict[str, Any] = {
    "service": Service,
    "ci": CI,
    "cab": Cab,
    "contact": Contact,
    "agent": Agent,
    "group": Group,
}


@pytest.mark.parametrize("kind", sorted(CREATES))
def test_racing_creates_give_one_record_and_conflicts(db_url: str, kind: str) -> None:
    outcomes, _ = race(db_url, CREATES[kind])
    assert outcomes == once_and_conflicts(), outcomes
    desk = open_desk(db_url)
    try:
        with desk.reading() as s:
            rows = s.scalar(select(func.count()).select_from(ROWS[kind]))
        assert rows == (2 if kind == "agent" else 1)  # the agents also hold alice, who races
    finally:
        desk.close()


def _change(d: Desk) -> str:
    return change_edits.raise_change(d, validate(RaiseChange, title="Patch the mail servers")).ref


def _problem(d: Desk) -> str:
    return problems.raise_problem(d, validate(problem_views.RaiseProblem, title="Mail keeps failing")).ref


def _known_error(d: Desk) -> str:
    cmd = validate(
        problem_views.RecordKnownError,
        symptom="mail bounces",
        title="Bounces",
        root_cause="a",
        workaround="b",
    )
    return problems.record_known_error(d, cmd)


UNKEYED: dict[str, tuple[Callable[[Desk], str], str]] = {
    "change": (_change, "CHG-"),
    "problem": (_problem, "PRB-"),
    "known error": (_known_error, "KE-"),
}


@pytest.mark.parametrize("kind", sorted(UNKEYED))
def test_racing_raises_each_get_their_own_ref(db_url: str, kind: str) -> None:
    action, prefix = UNKEYED[kind]
    outcomes, refs = race(db_url, action)
    assert outcomes == ["ok"] * N, outcomes
    assert sorted(refs) == [f"{prefix}{i}" for i in range(1, N + 1)]


def test_racing_known_errors_from_one_problem_each_get_their_own_ref(db_url: str) -> None:
    desk = open_desk(db_url)
    try:
        ref = _problem(desk)
    finally:
        desk.close()
    cmd = validate(
        problem_views.RecordKnownError, problem=ref, symptom="bounces", root_cause="a", workaround="b"
    )
    outcomes, refs = race(db_url, lambda d: problems.record_known_error(d, cmd))
    assert outcomes == ["ok"] * N, outcomes
    assert sorted(refs) == [f"KE-{i}" for i in range(1, N + 1)]
    desk = open_desk(db_url)
    try:
        assert problem_reads.get_problem(desk, ref).status.value == "known-error"
    finally:
        desk.close()
