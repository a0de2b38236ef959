"""Issue 14, item 3: creating the same record from several desks at once gives one record and
a conflict (exit 5) for every other desk, on both databases, for every kind of record."""

import threading
from collections.abc import Callable
from typing import Any

import pytest

from deskterm.services.catalogue import catalogue
from deskterm.services.changes import cab
from deskterm.services.core.commands import AddCI, AddContact, AddService
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import Conflict
from deskterm.services.people import people
from tests.conftest import open_desk

N = 4

CREATES: dict[str, Callable[[Desk], Any]] = {
    "service": lambda d: catalogue.add_service(d, AddService(name="Payroll")),
    "ci": lambda d: catalogue.add_ci(d, AddCI(name="pay-01", ci_type="server")),
    "cab": lambda d: cab.add(d, "Weekly CAB", manager="alice", members=["alice"]),
    "contact": lambda d: people.add_contact(d, AddContact(name="Ann", email="Ann@Example.com")),
}


@pytest.mark.parametrize("kind", sorted(CREATES))
def test_racing_creates_give_one_record_and_conflicts(db_url: str, kind: str) -> None:
    first = open_desk(db_url)
    try:
        first.actor_id  # noqa: B018  (enrol before the race)
    finally:
        first.close()
    desks = [open_desk(db_url) for _ in range(N)]
    for d in desks:
        d.actor_id  # noqa: B018
    barrier = threading.Barrier(N)
    outcomes: list[str] = []

    def run(desk: Desk) -> None:
        barrier.wait()
        try:
            CREATES[kind](desk)
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(f"conflict {exc.exit_code}")
        except Exception as exc:  # anything else breaks the contract
            outcomes.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(d,)) for d in desks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for d in desks:
        d.close()
    assert sorted(outcomes) == ["conflict 5"] * (N - 1) + ["ok"], outcomes
