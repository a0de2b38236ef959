"""A card that stays until the agent closes it: who an agent is and how to reach them.

A toast vanishes while the agent is dialling the number it showed; a card waits for ``escape``.
"""

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label

from deskterm.tui.base.dialog import DeskDialog
from deskterm.tui.base.render import safe


class CardDialog(DeskDialog[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "dismiss", "Close", id="card.close"),
    ]

    def __init__(self, title: str, lines: list[tuple[str, str]]) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(safe(self.title_text, "bold"))
            for name, value in self.lines:
                line = Text(f"{name:<8} ", style="dim")
                line.append_text(safe(value or "-"))
                yield Label(line)
            yield Label("escape closes", classes="dialog-keys")
