"""The acting agent is the OS account running deskterm, found by uid and enrolled on first use."""

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from deskterm.domain.core.clock import FixedClock
from deskterm.services.core.context import Desk
from deskterm.services.core.identity import OsIdentity
from deskterm.services.people import people
from deskterm.store.models import Agent
from tests.conftest import FROZEN, IDENTITY, open_desk
from tests.services import factories as f


@pytest.fixture
def desks(db_url: str, clock: FixedClock) -> Iterator[list[Desk]]:
    """Open desks on one database; every one opened is closed at the end."""
    opened: list[Desk] = []
    yield opened
    for d in opened:
        d.close()


def as_(desks: list[Desk], url: str, identity: OsIdentity) -> Desk:
    d = open_desk(url, identity=identity)
    desks.append(d)
    return d


def agents(desk: Desk) -> list[tuple[str, str, int | None]]:
    with desk.reading() as s:
        rows = s.execute(select(Agent.login, Agent.display_name, Agent.os_uid).order_by(Agent.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_first_use_enrols_the_os_account(desk: Desk) -> None:
    me = people.whoami(desk)
    assert (me.login, me.display_name, me.active, me.groups) == ("alice", "Alice Agent", True, [])
    assert agents(desk) == [("alice", "Alice Agent", 4242)]
    with desk.reading() as s:
        created = s.scalar(select(Agent.created_at).where(Agent.login == "alice"))
    assert created == FROZEN
    assert [a.login for a in people.list_agents(desk)] == ["alice"]


def test_what_an_agent_writes_is_attributed_to_the_os_account(desk: Desk) -> None:
    f.contact(desk, "Wang Wei")
    t = f.log(desk)
    assert t.created_by == "alice"
    assert {h.actor for h in t.history} == {"alice"}
    assert f.note(desk, t.ref).author == "alice"


def test_same_uid_is_the_same_agent_across_desks(db_url: str, desks: list[Desk]) -> None:
    first = as_(desks, db_url, IDENTITY)
    assert people.whoami(first).login == "alice"
    # The same uid, even under another name (a renamed account), is still alice.
    renamed = OsIdentity(uid=IDENTITY.uid, login="alice2", display_name="Alice Renamed")
    again = as_(desks, db_url, renamed)
    assert people.whoami(again).login == "alice"
    assert people.whoami(as_(desks, db_url, IDENTITY)).login == "alice"
    f.contact(again, "Wang Wei")
    assert f.log(again).created_by == "alice"
    assert agents(first) == [("alice", "Alice Agent", 4242)]


def test_a_login_taken_by_another_uid_gets_the_uid_appended(db_url: str, desks: list[Desk]) -> None:
    alice = as_(desks, db_url, IDENTITY)
    people.whoami(alice)
    other = as_(desks, db_url, OsIdentity(uid=5001, login="alice", display_name="Another Alice"))
    assert people.whoami(other).login == "alice-5001"
    assert people.whoami(other).display_name == "Another Alice"
    # Both keep their own identity afterwards.
    assert people.whoami(alice).login == "alice"
    assert people.whoami(as_(desks, db_url, OsIdentity(5001, "alice", "x"))).login == "alice-5001"
    assert agents(alice) == [("alice", "Alice Agent", 4242), ("alice-5001", "Another Alice", 5001)]


def test_an_agent_added_by_hand_keeps_its_login(db_url: str, desks: list[Desk]) -> None:
    admin = as_(desks, db_url, IDENTITY)
    f.agent(admin, "bob")
    bob = as_(desks, db_url, OsIdentity(uid=1001, login="bob", display_name="Bob OS"))
    assert people.whoami(bob).login == "bob-1001"
    assert [a.login for a in people.list_agents(admin)] == ["alice", "bob", "bob-1001"]


def test_enrolled_agents_start_without_groups_and_active(db_url: str, desks: list[Desk]) -> None:
    d = as_(desks, db_url, OsIdentity(uid=7, login="zhang.san", display_name="张三"))
    me = people.whoami(d)
    assert (me.login, me.display_name, me.active, me.groups) == ("zhang.san", "张三", True, [])
    f.group(d, "Service Desk")
    f.join(d, "zhang.san", "Service Desk")
    assert people.whoami(d).groups == ["Service Desk"]
