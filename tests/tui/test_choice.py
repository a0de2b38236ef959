"""A drop-down's page keys before its list is laid out (CI, monkey seed 1: KeyError 0)."""

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Select
from textual.widgets._select import SelectOverlay

from deskterm.tui.widgets.choice import Choice, ChoiceOverlay

OPTIONS = [(f"option {n}", str(n)) for n in range(30)]


class OneChoice(App[None]):
    def __init__(self, kind: type[Select[str]]) -> None:
        super().__init__()
        self.kind = kind

    def compose(self) -> ComposeResult:
        yield self.kind(OPTIONS, value="3", allow_blank=False)


async def test_textual_select_still_has_the_bug_we_guard_against() -> None:
    """If Textual fixes it upstream, this fails and ``Choice`` can go."""
    app = OneChoice(Select)
    async with app.run_test(size=(80, 24)):
        overlay = app.query_one(SelectOverlay)
        with pytest.raises(KeyError):
            overlay.action_page_down()


@pytest.mark.parametrize("action", ["action_page_down", "action_page_up"])
async def test_page_keys_on_an_unlaid_list_do_nothing(action: str) -> None:
    app = OneChoice(Choice)
    async with app.run_test(size=(80, 24)) as pilot:
        overlay = app.query_one(ChoiceOverlay)
        getattr(overlay, action)()
        assert overlay.highlighted == 3
        # Opened and laid out, the page keys move as Textual's do.
        app.query_one(Choice).focus()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("pagedown")
        await pilot.pause()
        assert app.query_one(ChoiceOverlay).highlighted not in (None, 3)
