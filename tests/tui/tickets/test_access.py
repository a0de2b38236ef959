"""The TUI gives the services' answer: a viewer who tries to log a call sees the refusal sentence
in the dialog, and what was typed stays."""

from textual.widgets import Label

from deskterm.services.people import agents
from deskterm.services.tickets import tickets
from deskterm.tui.app import DeskApp
from deskterm.tui.tickets.log_call import LogCallDialog
from tests.tui.conftest import settle


async def test_a_viewer_is_told_which_role_logging_a_call_needs(app: DeskApp) -> None:
    agents.update_agent(app.desk, "alice", agents.AgentFields(roles=["viewer"]))
    before = len(tickets.list_tickets(app.desk, text="Scanner on 2F jams"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, LogCallDialog)
        await pilot.press(*"maria")
        await settle(pilot)
        await pilot.press("enter")
        await pilot.press(*"Scanner on 2F jams", "enter")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, LogCallDialog)  # still open: nothing typed is lost
        shown = str(app.screen.query_one("#error-form", Label).render())
        assert "alice may not log or change tickets without the role" in shown
        assert "ask an admin of this desk" in shown
        assert app.screen.values()["title"] == "Scanner on 2F jams"
    assert len(tickets.list_tickets(app.desk, text="Scanner on 2F jams")) == before
