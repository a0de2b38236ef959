"""Log a call by keys: lookups, live priority, errors next to fields, discard, drafts."""

from pathlib import Path

from textual.widgets import Label

from deskterm.services.core import drafts
from deskterm.services.tickets import tickets
from deskterm.tui.app import DeskApp
from deskterm.tui.base.confirm import ConfirmDialog
from deskterm.tui.tickets.log_call import DRAFT, LogCallDialog
from deskterm.tui.tickets.queue import QueueScreen
from deskterm.tui.tickets.ticket import TicketScreen
from tests.tui.conftest import settle


def label_text(app: DeskApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Label).render())


async def test_log_a_call_by_keys(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, LogCallDialog)
        await pilot.press(*"maria")
        await settle(pilot)
        await pilot.press("enter")  # the best match; the choice moves on to the title
        await pilot.press(*"Scanner on 2F jams", "enter")  # enter moves to the next field
        await pilot.press(*"Every scan since 9am", "tab")
        await pilot.press(*"printi")
        await settle(pilot)
        await pilot.press("enter")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)  # the new ticket opens: the caller is still on
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    found = tickets.list_tickets(app.desk, text="Scanner on 2F jams")
    assert len(found) == 1
    view = tickets.get_ticket(app.desk, found[0].ref)
    assert view.caller == "María 王" and view.service == "Printing"
    assert view.description == "Every scan since 9am" and view.priority.value == "P3"
    assert drafts.load_draft(DRAFT) is None


async def test_priority_shows_live_as_impact_and_urgency_change(app: DeskApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert "P3" in label_text(app, "#priority")
        dialog = app.screen
        from textual.widgets import Select

        dialog.query_one("#field-impact", Select).value = "high"
        dialog.query_one("#field-urgency", Select).value = "high"
        await pilot.pause()
        assert "P1" in label_text(app, "#priority")


async def test_errors_show_next_to_their_field_and_nothing_typed_is_lost(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("tab", *"Half a call")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, LogCallDialog)
        assert "pick a caller" in label_text(app, "#error-caller")
        assert app.screen.values()["title"] == "Half a call"
        app.screen.query_one("#field-title").value = ""  # type: ignore[attr-defined]
        await pilot.press("shift+tab")
        await pilot.press(*"maria")
        await settle(pilot)
        await pilot.press("enter", "ctrl+s")
        await settle(pilot)
        assert "title" in label_text(app, "#error-title")


async def test_leaving_a_half_filled_form_asks_first(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("tab", *"Something")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, LogCallDialog) and app.screen.values()["title"] == "Something"
        await pilot.press("escape", "y")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)


async def test_a_draft_survives_and_is_offered_back_at_the_next_start(app: DeskApp, tui_desk) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("tab", *"Lost in a dropped SSH session")
        app.save_drafts()  # what SIGHUP and the periodic autosave do
    saved = drafts.load_draft(DRAFT)
    assert saved is not None and saved["title"] == "Lost in a dropped SSH session"

    again = DeskApp(tui_desk, poll=False)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(again.screen, LogCallDialog)
        assert again.screen.values()["title"] == "Lost in a dropped SSH session"


async def test_ctrl_q_with_an_unsaved_call_asks_before_quitting(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("tab", *"Unsaved")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running


def test_drafts_are_written_atomically(tmp_path: Path) -> None:
    drafts.save_draft("x", {"title": "标题"}, tmp_path)
    assert drafts.load_draft("x", tmp_path) == {"title": "标题"}
    (tmp_path / "x.json").write_text("{not json")
    assert drafts.load_draft("x", tmp_path) is None
    drafts.discard_draft("x", tmp_path)
    assert not (tmp_path / "x.json").exists()
