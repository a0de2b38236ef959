"""Keys for what the acting agent may not do are not offered (the service would refuse them):
the change board's decision, problem management, SLA improvement. A ticket whose assignee was
deactivated says so on the queue and in the handover. An account a team desk does not know
gets a plain screen with what to ask the admin, and ``q``."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from deskterm.demo import problems as demo_problems
from deskterm.domain.changes.change import ChangeState
from deskterm.domain.core.clock import FixedClock
from deskterm.services.changes import changes
from deskterm.services.core.identity import OsIdentity
from deskterm.services.handover import handover
from deskterm.services.people import agents, team
from deskterm.services.tickets import tickets
from deskterm.tui.app import DeskApp, build
from deskterm.tui.changes.change_board import ChangeBoardScreen
from deskterm.tui.people.unknown_account import UnknownAccountApp
from deskterm.tui.problems.problem_detail import ProblemScreen
from deskterm.tui.sla.sla_report import SlaReportScreen
from tests.conftest import FROZEN, IDENTITY, open_desk
from tests.tui.changes.test_snapshots_changes import change_app, changes_template  # noqa: F401
from tests.tui.conftest import settle, wait_for
from tests.tui.tickets.test_ticket_screen import screen_text

TEAM = """
[[agent]]
login = "alice"
name = "Alice Chen"
roles = ["admin"]
os_accounts = ["alice"]
"""
MALLORY = OsIdentity(uid=6001, login="mallory", display_name="Mallory")


def just_an_agent(app: DeskApp) -> None:
    agents.update_agent(app.desk, "alice", agents.AgentFields(roles=["agent"]))


async def board_on(pilot, ref: str) -> ChangeBoardScreen:  # type: ignore[no-untyped-def]
    """The change board, filtered to ``ref``, with the cursor on its card."""
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    await pilot.press("slash", *ref, "enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ChangeBoardScreen)
    for _ in range(7):
        if screen.board.current is not None:
            break
        await pilot.press("l")
        await settle(pilot)
    assert screen.board.current is not None and screen.board.current.ref == ref
    await wait_for(pilot, lambda: screen.acting_roles is not None, message="the roles")
    await settle(pilot)
    return screen


def awaiting_decision(app: DeskApp) -> str:
    return next(c.ref for c in changes.list_changes(app.desk) if c.state is ChangeState.AUTHORISATION)


async def test_the_decision_key_is_offered_to_a_change_manager_only(change_app: DeskApp) -> None:  # noqa: F811
    ref = awaiting_decision(change_app)
    async with change_app.run_test(size=(120, 40)) as pilot:
        screen = await board_on(pilot, ref)
        keys = set(screen.active_bindings)
        assert {"right_square_bracket", "d"} <= keys  # the desk's owner is a change manager

    just_an_agent(change_app)
    agent_app = DeskApp(change_app.desk, poll=False)  # an app runs once
    async with agent_app.run_test(size=(120, 40)) as pilot:
        screen = await board_on(pilot, ref)
        keys = set(screen.active_bindings)
        assert "d" not in keys and "right_square_bracket" not in keys
        assert "Next step" not in screen_text(agent_app)
        assert {"v", "n"} <= keys  # voting and raising are everyone's work
        await pilot.press("right_square_bracket", "d")
        await settle(pilot)
        assert agent_app.screen is screen  # no decision dialog opened
        assert changes.get_change(agent_app.desk, ref).state is ChangeState.AUTHORISATION


async def test_problem_management_and_improvement_keys_need_their_roles(app: DeskApp) -> None:
    demo_problems.seed(app.desk, seed=1)
    just_an_agent(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert "n" in app.screen.active_bindings  # anyone on the desk raises a problem
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProblemScreen), message="a problem")
        screen = app.screen
        await wait_for(pilot, lambda: screen.acting_roles is not None, message="the roles")
        await settle(pilot)
        assert not {"s", "c", "l", "K", "f", "e"} & set(screen.active_bindings)
        await pilot.press("escape", "colon", *"report", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SlaReportScreen), message="the SLA report")
        report = app.screen
        await wait_for(pilot, lambda: report.acting_roles is not None, message="the roles")
        assert "i" not in report.active_bindings


async def test_an_inactive_assignee_is_marked_on_the_queue_and_in_the_handover(app: DeskApp) -> None:
    majors = handover.digest(app.desk, live=True).majors
    line = next(t for t in majors if t.assignee and t.assignee != "alice")
    agents.set_active(app.desk, line.assignee or "", False)
    assert handover.digest(app.desk, live=True).majors[majors.index(line)].assignee_active is False
    row = tickets.list_tickets(app.desk, text=line.ref, limit=5)[0]
    assert (row.ref, row.assignee_active) == (line.ref, False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *line.ref, "enter")
        await wait_for(pilot, lambda: f"{line.assignee} (inactive)" in screen_text(app), message="the mark")
        await pilot.press("escape", "6")
        await settle(pilot)
        await wait_for(
            pilot, lambda: f"/ {line.assignee} (inactive)]" in screen_text(app), message="the handover mark"
        )


@pytest.fixture
def stranger_desk(seeded_url: str) -> Iterator[object]:
    owner = open_desk(seeded_url, FixedClock(FROZEN), IDENTITY)
    team.apply(owner, TEAM)
    owner.close()
    desk = open_desk(seeded_url, FixedClock(FROZEN), MALLORY)
    yield desk
    desk.close()


async def test_an_unknown_account_gets_a_plain_screen_with_what_to_ask(
    stranger_desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    app = build(stranger_desk)  # type: ignore[arg-type]
    assert isinstance(app, UnknownAccountApp)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = " ".join(screen_text(app).replace("│", " ").split())  # type: ignore[arg-type]
        assert "deskterm cannot open this desk for you" in shown
        assert (
            "the OS account mallory is no agent of this team desk; ask an admin to add "
            'os_accounts = ["mallory"] to your agent in the team file'
        ) in shown
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 7
