"""Keys that arrive in one burst (a paste, a fast typist, an SSH packet) land in the field that
had focus when the previous key was handled: the burst is posted to the app without a pause."""

from pathlib import Path
from typing import ClassVar

import pytest
from textual import events
from textual.widgets import Input, TextArea

from deskterm.services.core.context import Desk
from deskterm.tui import app as app_module
from deskterm.tui.app import DeskApp
from deskterm.tui.base.form import FormDialog
from deskterm.tui.tickets.log_call import LogCallDialog
from deskterm.tui.widgets.lookup import Lookup
from tests.tui.conftest import settle

NAMED = {" ": "space", "\t": "tab", "\n": "enter"}


def burst(app: DeskApp, *parts: str) -> None:
    """Each part is a key name (``enter``, ``tab``) or text typed character by character."""
    for part in parts:
        if part in ("enter", "tab", "escape", "ctrl+s"):
            app.post_message(events.Key(part, "\r" if part == "enter" else "\t" if part == "tab" else None))
            continue
        for ch in part:
            app.post_message(events.Key(NAMED.get(ch, ch), ch))


async def test_log_a_call_typed_in_one_burst(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, LogCallDialog)
        await pilot.press(*"maria")
        await settle(pilot)
        burst(app, "enter", "Scanner jams", "enter", "Every scan since nine", "tab", "Print")
        await settle(pilot)
        caller = dialog.query_one("#field-caller", Lookup)
        assert caller.value is not None and "María" in caller.text
        assert dialog.query_one("#field-title", Input).value == "Scanner jams"
        assert dialog.query_one("#field-description", TextArea).text == "Every scan since nine"
        assert dialog.query_one("#field-service", Lookup).text == "Print"


async def test_a_form_typed_in_one_burst_splits_nothing(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # a ticket
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        words = "The printer queue was stuck after the driver update on the print server"
        burst(app, words, "tab", "15")
        await settle(pilot)
        assert dialog.query_one("#field-body", TextArea).text == words
        assert dialog.query_one("#field-minutes", Input).value.endswith("15")  # after the preset 0


async def test_tab_past_a_caller_with_matches_shown_goes_to_the_title(app: DeskApp) -> None:
    """Seen in a real terminal: ``Anna`` showed fuzzy matches (Hannah ...), ``tab`` focused the
    match list, and the title typed next was swallowed by it."""
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, LogCallDialog)
        await pilot.press(*"anna")
        await settle(pilot)  # the matches are shown under the caller
        await pilot.press("tab", *"VPN drops hourly")
        await settle(pilot)
        assert dialog.query_one("#field-title", Input).value == "VPN drops hourly"


async def test_keys_typed_while_the_desk_starts_wait_for_it(
    tui_desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``deskterm`` then ``n`` at once (muscle memory): the ``n`` waits for the queue. Once seen
    lost in tmux (the ``a`` of the caller typed next opened the assign dialog); not reproduced
    since, in tmux or here, so this guards the path rather than a known fault."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))

    class TypedAtStart(DeskApp):
        CSS_PATH: ClassVar = [str(Path(app_module.__file__).parent / css) for css in DeskApp.CSS_PATH]

        def on_load(self) -> None:
            super().on_load()
            burst(self, "n")  # in the terminal's input before the first screen is up

    app = TypedAtStart(tui_desk, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, "maria")
        await settle(pilot)
        assert isinstance(app.screen, LogCallDialog)
        assert app.screen.query_one("#field-caller", Lookup).text == "maria"
