"""Terminal fitness: tiny terminals, no colour, remapped keys, hostile text."""

import pytest

from deskterm.config import Settings
from deskterm.services.core.context import Desk
from deskterm.tui.app import DeskApp
from deskterm.tui.base.help import HelpScreen
from deskterm.tui.tickets.queue import QueueScreen
from deskterm.tui.tickets.queue_table import QueueTable
from tests.tui.conftest import settle


@pytest.mark.parametrize("size", [(40, 12), (20, 6)])
async def test_a_tiny_terminal_does_not_crash(app: DeskApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("j", "pagedown", "enter")
        await settle(pilot)
        await pilot.press("escape", "question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "n")
        await settle(pilot)
        await pilot.press("escape")
        assert app.is_running


async def test_no_color_still_marks_priority_and_state_by_text(
    app: DeskApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        svg = app.export_screenshot()
        table = app.screen.query_one(QueueTable)
        first = table.rows[0]
        assert first.priority.value in svg and first.ref in svg
        assert "in-progress" in svg or "new" in svg or "assigned" in svg


async def test_keys_are_remappable_in_the_config(tui_desk: Desk) -> None:
    settings = Settings(db=tui_desk.settings.db, keymap={"queue.new": "f2", "app.help": "f1"})
    desk = Desk(settings=settings, engine=tui_desk.engine, clock=tui_desk.clock, identity=tui_desk.identity)
    app = DeskApp(desk, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "f2")
        await settle(pilot)
        from deskterm.tui.tickets.log_call import LogCallDialog

        assert isinstance(app.screen, LogCallDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)


async def test_hostile_titles_are_shown_literally(app: DeskApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        svg = app.export_screenshot()
        assert "[bold]not&#160;bold[/]" in svg
        assert "␛[31mescape" in svg
        assert "\x1b" not in svg
