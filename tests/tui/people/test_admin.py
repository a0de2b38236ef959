"""The admin screen by keys: an admin adds an agent, edits their roles, deactivates them after a
question, adds a group and a member; anyone else sees the team read-only, without the editing
keys, and gets the services' sentence should an edit be forced."""

from textual.widgets import DataTable

from deskterm.services.people import agents, people
from deskterm.tui.app import DeskApp
from deskterm.tui.base.confirm import ConfirmDialog
from deskterm.tui.base.form import FormDialog
from deskterm.tui.people.admin import AdminScreen
from tests.tui.conftest import settle, wait_for
from tests.tui.tickets.test_ticket_screen import error_text, focus_field, save, screen_text, type_text

EDIT_KEYS = {"a", "e", "d", "g", "m"}


async def open_admin(pilot) -> AdminScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("colon", *"admin", "enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, AdminScreen), message="the admin screen")
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.loads and screen.acting_roles is not None, message="team and roles")
    await settle(pilot)
    assert isinstance(screen, AdminScreen)
    return screen


async def go_to_row(pilot, screen: AdminScreen, key: str) -> None:  # type: ignore[no-untyped-def]
    """Down (j) from the top until the highlighted row is ``key``, as an admin would."""
    table = screen.table
    keys = [str(r.key.value) for r in table.ordered_rows]
    table.move_cursor(row=0)
    for _ in range(keys.index(key)):
        await pilot.press("j")
    await settle(pilot)
    assert keys[table.cursor_row] == key


def detail(app: DeskApp, login: str) -> agents.AgentDetail:
    return next(a for a in agents.list_agents(app.desk) if a.login == login)


async def test_an_admin_adds_edits_deactivates_an_agent_and_builds_a_group(app: DeskApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_admin(pilot)
        assert set(screen.active_bindings) >= EDIT_KEYS

        # a: a new agent, with a role added to the default one
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await type_text(pilot, "frank")
        await focus_field(pilot, "name")
        await type_text(pilot, "Frank 李")
        await focus_field(pilot, "roles")
        await pilot.press("end", *", desk-manager")
        await focus_field(pilot, "os_accounts")
        await type_text(pilot, "frank")
        await save(pilot)
        assert app.screen is screen, error_text(app)
        frank = detail(app, "frank")
        assert (frank.display_name, frank.roles) == ("Frank 李", ["agent", "desk-manager"])
        assert frank.os_accounts == ["frank"]
        await wait_for(pilot, lambda: "frank" in screen_text(app), message="frank listed")

        # e: his roles become viewer only; a role nobody grants is refused under the field
        await go_to_row(pilot, screen, "frank")
        await pilot.press("e")
        await settle(pilot)
        await focus_field(pilot, "roles")
        await pilot.press("ctrl+u", *"viewer, wizard")
        await save(pilot)
        assert isinstance(app.screen, FormDialog)
        assert "'wizard' is not a role an admin grants" in error_text(app, "roles")
        await pilot.press("ctrl+u", *"viewer")
        await save(pilot)
        assert app.screen is screen, error_text(app)
        assert detail(app, "frank").roles == ["viewer"]

        # d: deactivate, after a question; the table marks him
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "Deactivate frank?" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        assert detail(app, "frank").active is False
        await wait_for(pilot, lambda: "frank deactivated" in screen_text(app), message="the result line")

        # tab, g: a new group; m: a member
        await pilot.press("tab")
        await settle(pilot)
        assert screen.tab == "groups" and screen.query_one("#admin-groups", DataTable).display
        assert not {"e", "d"} & set(screen.active_bindings)  # they act on an agent
        await pilot.press("g")
        await settle(pilot)
        await type_text(pilot, "Night Shift")
        await save(pilot)
        assert app.screen is screen, error_text(app)
        await wait_for(pilot, lambda: "Night Shift" in [g.name for g in screen.groups], message="the group")
        await go_to_row(pilot, screen, "Night Shift")
        await pilot.press("m")
        await settle(pilot)
        await focus_field(pilot, "agent")
        await type_text(pilot, "chen.jing")
        await save(pilot)
        assert app.screen is screen, error_text(app)
        night = next(g for g in people.list_groups(app.desk) if g.name == "Night Shift")
        assert night.members == ["chen.jing"]
        await wait_for(pilot, lambda: "1: chen.jing" in screen_text(app), message="the member shown")

        # escape closes the screen
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, AdminScreen)


async def test_a_non_admin_sees_the_team_read_only_and_a_forced_edit_is_refused(app: DeskApp) -> None:
    agents.update_agent(app.desk, "alice", agents.AgentFields(roles=["agent"]))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_admin(pilot)
        assert not EDIT_KEYS & set(screen.active_bindings)
        shown = screen_text(app)
        assert "read-only" in shown and "chen.jing" in shown
        await pilot.press("a", "g", "m")
        await settle(pilot)
        assert app.screen is screen  # the keys do nothing

        # forced (as a stale screen would): the service refuses, in its own words
        target = screen.agent
        assert target is not None and target.active
        screen.action_toggle_active()
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        message = str(screen.message)
        assert message.startswith(
            "alice may not add, change or deactivate agents and groups without the role admin"
        )
        assert "ask an admin of this desk" in message
        assert detail(app, target.login).active


async def test_escape_closes_and_number_keys_reach_the_main_screens(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_admin(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert type(app.screen).__name__ == "SlaMonitorScreen"
