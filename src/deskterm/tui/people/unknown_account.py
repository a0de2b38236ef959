"""What an account the desk does not know sees instead of the desk: one sentence, ``q`` quits.

On a team desk nobody is enrolled automatically: an OS account (or database login role) that
no agent lists is refused, with what to ask the admin. The CLI prints that sentence and exits
7; the TUI shows the same sentence on a plain screen rather than a desk whose every read fails,
and quits with the same exit code.
"""

from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Label

from deskterm.services.core.errors import NotPermitted
from deskterm.tui.base.render import for_screen, safe

EXIT_NOT_PERMITTED = NotPermitted.exit_code


class UnknownAccountScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,escape", "app.quit_refused", "Quit", id="unknown_account.quit"),
    ]

    def __init__(self, sentence: str) -> None:
        super().__init__(classes="unknown-account-screen")
        self.sentence = sentence

    def compose(self) -> ComposeResult:
        with Vertical(id="unknown-account"):
            yield Label(Text("deskterm cannot open this desk for you", "bold"))
            yield Label(safe(for_screen(self.sentence), multiline=True), id="unknown-account-sentence")
            yield Label(Text("q quit", "dim"))


class UnknownAccountApp(App[None]):
    """A desk-less application: nothing but the refusal. Its return code is the CLI's 7."""

    TITLE = "deskterm"
    CSS_PATH: ClassVar = ["admin.tcss"]
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit_refused", "Quit", show=False, id="app.quit", priority=True),
    ]

    def __init__(self, sentence: str) -> None:
        super().__init__()
        self.sentence = sentence

    def on_mount(self) -> None:
        self.push_screen(UnknownAccountScreen(self.sentence))

    def action_quit_refused(self) -> None:
        self.exit(return_code=EXIT_NOT_PERMITTED)
