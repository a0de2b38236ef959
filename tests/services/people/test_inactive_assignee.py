"""A deactivated agent's tickets stay theirs and say so: the queue's rows, the ticket and the
handover digest carry the assignee's active flag (one join, no query per row), on both databases."""

import pytest

from deskterm.domain.core.permissions import Role
from deskterm.services.core import access
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import NotPermitted
from deskterm.services.handover import handover
from deskterm.services.people import agents, team
from deskterm.services.tickets import queue, tickets
from tests.conftest import open_desk
from tests.services import factories as f
from tests.services.people.test_team import BOB

TEAM = """
[[agent]]
login = "alice"
name = "Alice Chen"
roles = ["admin"]
os_accounts = ["alice"]
"""


def test_rows_ticket_and_handover_carry_the_assignees_active_flag(desk: Desk) -> None:
    f.contact(desk)
    f.group(desk, "Service Desk", members=())
    f.agent(desk, "bob", groups=("Service Desk",))
    f.agent(desk, "carol", groups=("Service Desk",))
    bobs = f.log(desk, "Mail is down", impact="high", urgency="high", group="Service Desk").ref
    carols = f.log(desk, "VPN drops", impact="high", urgency="high", group="Service Desk").ref
    f.update(desk, bobs, assignee="bob")
    f.update(desk, carols, assignee="carol")
    nobodys = f.log(desk, "Printer jam", group="Service Desk").ref

    agents.set_active(desk, "bob", False)

    rows = {r.ref: r for r in tickets.list_tickets(desk, open_only=True)}
    assert (rows[bobs].assignee, rows[bobs].assignee_active) == ("bob", False)
    assert rows[carols].assignee_active is True
    assert (rows[nobodys].assignee, rows[nobodys].assignee_active) == (None, True)
    page = queue.queue_page(desk, queue.QueueQuery())
    assert {r.ref: r.assignee_active for r in page.rows} == {bobs: False, carols: True, nobodys: True}
    assert tickets.get_ticket(desk, bobs).assignee_active is False

    majors = {t.ref: t for t in handover.digest(desk, live=True).majors}
    assert (majors[bobs].assignee, majors[bobs].assignee_active) == ("bob", False)
    assert majors[carols].assignee_active is True

    agents.set_active(desk, "bob", True)
    assert tickets.get_ticket(desk, bobs).assignee_active is True


def test_acting_gives_the_roles_a_screen_offers_keys_for(desk: Desk, db_url: str) -> None:
    """The owner of a personal desk acts with the owner's roles; another account enrolled on it
    with ``agent``; once deactivated, with none; on a team desk an unknown account is refused."""
    login, roles = access.acting(desk)
    assert login == "alice" and {Role.ADMIN, Role.CHANGE_MANAGER, Role.AGENT} <= roles
    bob = open_desk(db_url, identity=BOB)
    try:
        assert access.acting(bob) == ("bob", frozenset({Role.AGENT}))
        agents.set_active(desk, "bob", False)
        assert access.acting(bob) == ("bob", frozenset())
        team.apply(desk, TEAM)
        bob.forget_actor()
        with pytest.raises(NotPermitted, match="the OS account bob is no agent of this team desk"):
            access.acting(bob)
    finally:
        bob.close()
