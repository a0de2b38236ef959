"""Regressions from an agent's first shift (issue 12): each item a test, driven by keys."""

from textual.widgets import Label, TextArea

from deskterm.services.core import drafts
from deskterm.services.tickets import tickets
from deskterm.tui.app import DeskApp
from deskterm.tui.base.card import CardDialog
from deskterm.tui.base.confirm import ConfirmDialog
from deskterm.tui.base.form import FormDialog
from deskterm.tui.base.render import for_screen
from deskterm.tui.commands import AgentProvider, TicketProvider
from deskterm.tui.tickets.bulk import BulkDialog
from deskterm.tui.tickets.log_call import DRAFT, LogCallDialog
from deskterm.tui.tickets.queue import QueueScreen
from deskterm.tui.tickets.queue_table import QueueTable
from deskterm.tui.tickets.ticket import TicketScreen
from tests.tui.conftest import settle
from tests.tui.tickets.test_ticket_screen import screen_text


async def test_escape_in_a_note_with_text_asks_and_keeps_it(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "i")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await pilot.press(*"half a note")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        assert app.screen.query_one("#field-body", TextArea).text == "half a note"
        await pilot.press("escape", "y")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        # an untouched dialog closes at once
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)


async def test_a_number_key_from_a_dialog_with_text_asks_first(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "p")  # pending: a select, then the number key reaches the app
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        app.set_focus(None)  # a digit typed into a field is text; outside one it is the screen key
        await pilot.press("2")
        await settle(pilot)
        assert type(app.screen).__name__ == "SlaMonitorScreen"  # nothing typed: no question
        await pilot.press("1", "n")
        await settle(pilot)
        await pilot.press(*"maria")
        await settle(pilot)
        app.set_focus(None)
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert type(app.screen).__name__ == "ChangeBoardScreen"
        assert drafts.load_draft(DRAFT) is not None  # kept: n brings it back
        await pilot.press("1", "n")
        await settle(pilot)
        assert isinstance(app.screen, LogCallDialog)
        assert app.screen.values()["caller_text"] == "maria"


async def test_bulk_status_without_a_status_keeps_the_dialog_and_selection(app: DeskApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(QueueTable)
        await pilot.press("space", "down", "space")
        selected = set(table.selected)
        assert len(selected) == 2
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, BulkDialog)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, BulkDialog), "refused: the dialog stays"
        error = app.screen.query_one("#error-status", Label)
        assert error.display and "choose the status" in str(error.content)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert table.selected == selected


async def test_bulk_close_asks_first(app: DeskApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        ref = app.screen.query_one(QueueTable).current.ref  # type: ignore[union-attr]
        dialog = BulkDialog("status", [ref])
        app.push_screen(dialog)
        await settle(pilot)
        assert dialog._question({"status": "closed"}) is not None
        assert dialog._question({"status": "assigned"}) is None
        assert BulkDialog("resolve", [ref])._question({}) is not None


async def test_the_palette_finds_the_exact_ref_first(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        provider = TicketProvider(app.screen)
        hits = [hit async for hit in provider.search("INC-15")]
        assert hits and str(hits[0].text) == "open INC-15"
        hits = [hit async for hit in provider.search("inc15")]
        assert str(hits[0].text) == "open INC-15"


async def test_the_agent_card_stays_until_closed(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        provider = AgentProvider(app.screen)
        hits = [hit async for hit in provider.search("alice")]
        assert hits
        hits[0].command()
        await settle(pilot)
        assert isinstance(app.screen, CardDialog)
        assert "alice" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_the_restore_question_fits_80_columns_and_the_status_line_stays(
    app: DeskApp,
) -> None:
    drafts.save_draft(DRAFT, {"title": "A rather long title of a call that was never saved " * 2})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        app._poll()
        await settle(pilot)
        text = screen_text(app)
        assert "Restore it?" in text
        assert "unassigned" in text.splitlines()[0]  # the status line under the question


async def test_help_lists_the_command_line_once(app: DeskApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        text = screen_text(app)
        assert text.count("command line") == 1
        assert text.count("palette:") == 1


async def test_sort_skips_columns_hidden_at_80_columns(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        seen = []
        for _ in range(8):
            await pilot.press("s")
            await settle(pilot)
            seen.append(app.screen.query_spec.sort)  # type: ignore[attr-defined]
        assert "service" not in seen and "assignee" not in seen


async def test_ticket_without_group_and_hints_without_shell_commands(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        no_group = next(r.ref for r in tickets.list_tickets(app.desk, limit=400) if r.group is None)
        app.show_ticket(no_group)
        await settle(pilot)
        text = screen_text(app)
        assert "no group yet" in text and "Group -" not in text
    assert for_screen("there is no ticket INC-9; deskterm ticket list shows the open ones") == (
        "there is no ticket INC-9"
    )
