"""SVG snapshots of the team admin screen (an admin's, and the read-only one), of a refusal on
it, and of the plain screen an unknown account sees, at 80x24 and 120x40. Look at each before
accepting it (--snapshot-update)."""

from collections.abc import Iterator

import pytest

from deskterm.domain.core.clock import FixedClock
from deskterm.services.people import agents, team
from deskterm.tui.app import DeskApp, build
from deskterm.tui.people.admin import AdminScreen
from tests.conftest import FROZEN, IDENTITY, open_desk
from tests.tui.conftest import settle, wait_for
from tests.tui.people.test_access_keys import MALLORY, TEAM

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def _admin(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("colon", *"admin", "enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, AdminScreen), message="the admin screen")
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.loads and screen.acting_roles is not None, message="team and roles")
    await settle(pilot)


async def _groups(pilot) -> None:  # type: ignore[no-untyped-def]
    await _admin(pilot)
    await pilot.press("tab")
    await settle(pilot)


async def _edit(pilot) -> None:  # type: ignore[no-untyped-def]
    await _admin(pilot)
    await pilot.press("e")
    await settle(pilot)


async def _refused(pilot) -> None:  # type: ignore[no-untyped-def]
    await _admin(pilot)
    pilot.app.screen.action_toggle_active()  # forced: the key is not offered to a non-admin
    await settle(pilot)
    await pilot.press("y")
    await settle(pilot)


@pytest.fixture
def read_only_app(app: DeskApp) -> DeskApp:
    agents.update_agent(app.desk, "alice", agents.AgentFields(roles=["agent"]))
    return app


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "run_before",
    [
        pytest.param(_admin, id="admin-agents"),
        pytest.param(_groups, id="admin-groups"),
        pytest.param(_edit, id="admin-edit-agent"),
    ],
)
def test_admin_screen(snap_compare, app: DeskApp, size: tuple[int, int], run_before) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "run_before",
    [pytest.param(_admin, id="admin-read-only"), pytest.param(_refused, id="admin-refusal")],
)
def test_read_only_admin_screen(snap_compare, read_only_app: DeskApp, size, run_before) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(read_only_app, terminal_size=size, run_before=run_before)


@pytest.fixture
def stranger_app(seeded_url: str) -> Iterator[object]:
    owner = open_desk(seeded_url, FixedClock(FROZEN), IDENTITY)
    team.apply(owner, TEAM)
    owner.close()
    desk = open_desk(seeded_url, FixedClock(FROZEN), MALLORY)
    yield build(desk)
    desk.close()


@pytest.mark.parametrize("size", SIZES)
def test_unknown_account_screen(snap_compare, stranger_app, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(stranger_app, terminal_size=size)
