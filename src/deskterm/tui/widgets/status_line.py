"""The status line: who I am, which database, and counters that stay current."""

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from deskterm.services.queue import Pulse
from deskterm.tui.render import safe


class StatusLine(Static):
    DEFAULT_CSS = ""
    pulse: reactive[Pulse | None] = reactive(None)
    problem: reactive[str] = reactive("")

    def __init__(self, database: str) -> None:
        super().__init__(id="status-line")
        self.database = database

    def render(self) -> Text:
        line = Text()
        p = self.pulse
        if p is not None:
            line.append_text(safe(p.me, "bold"))
            line.append(" @ ")
        line.append_text(safe(self.database, "dim"))
        if p is not None:
            line.append("  mine ")
            line.append(str(p.my_open), "bold")
            line.append("  unassigned ")
            line.append(str(p.unassigned), "bold")
            line.append("  major ")
            line.append(str(p.major), "bold reverse" if p.major else "bold")
        if self.problem:
            line.append("  ! ", "bold")
            line.append_text(safe(self.problem))
        return line
