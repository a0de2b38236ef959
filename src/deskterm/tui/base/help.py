"""``?``: the keys of the screen underneath, generated from its active bindings."""

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from deskterm.tui.base.dialog import DeskDialog

GLOBAL_NOTES = [
    (
        ":",
        "command line: inc, sla, chg, prb, evt, handover, report(s), admin, new, help, q, "
        "or a ref: INC-42, CHG-7, PRB-3, KE-2",
    ),
    ("ctrl+p", "palette: tickets by ref or words, commands, agents"),
]


class HelpScreen(DeskDialog[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="help.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="help.up"),
        Binding("pagedown", "scroll(10)", "Page down", show=False, id="help.page_down"),
        Binding("pageup", "scroll(-10)", "Page up", show=False, id="help.page_up"),
    ]

    def action_scroll(self, lines: int) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_relative(y=lines, animate=False)

    def __init__(self, title: str, keys: list[tuple[str, str]]) -> None:
        super().__init__(classes="help-screen")
        self.title_text = title
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
        table.add_column("key", style="bold", no_wrap=True)
        table.add_column("action")
        seen: set[tuple[str, str]] = set()
        for key, description in [*self.keys, *GLOBAL_NOTES]:
            if (key, description) in seen:
                continue
            seen.add((key, description))
            table.add_row(Text(key), Text(description))
        with VerticalScroll(id="help-body"):
            yield Static(Text(f"Keys: {self.title_text}", style="bold"), id="help-title")
            yield Static(table)
            yield Static(Text("j/k scroll · escape closes this help", style="dim"))
