"""The Textual application. The desk's screens arrive with the desk issue; until then the
app opens on a status screen that shows which desk is open and what it holds."""

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static

from deskterm.services import tickets
from deskterm.services.context import Desk


class DeskApp(App[int]):
    TITLE = "deskterm"
    BINDINGS: ClassVar = [Binding("ctrl+q", "quit", "Quit", id="app.quit")]

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="summary")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.desk.url
        self.run_worker(self._load, thread=True)

    def _load(self) -> None:
        rows = tickets.list_tickets(self.desk, open_only=True, limit=10)
        lines = [f"{r.ref:<10} {r.priority.value}  {r.status.value:<12} {r.title}" for r in rows]
        from rich.text import Text

        text = Text("The most urgent open tickets (the queue screen comes next):\n\n")
        text.append("\n".join(lines) or "No open tickets.")
        self.call_from_thread(self.query_one("#summary", Static).update, text)


def run(desk: Desk) -> int:
    DeskApp(desk).run()
    return 0
