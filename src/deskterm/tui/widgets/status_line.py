"""The status line: who I am, which database, and counters that stay current."""

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from deskterm.services.tickets.queue import Pulse
from deskterm.tui.base.render import safe


class StatusLine(Static):
    DEFAULT_CSS = ""
    pulse: reactive[Pulse | None] = reactive(None)
    problem: reactive[str] = reactive("")

    def __init__(self, database: str) -> None:
        super().__init__(id="status-line")
        self.database = database

    handover: reactive[str] = reactive("")  # the previous shift's handover, unacknowledged

    HANDOVER_CHECK_SECONDS = 15.0

    def on_mount(self) -> None:
        self.check_handover()
        self.set_interval(self.HANDOVER_CHECK_SECONDS, self._tick)

    def _tick(self) -> None:
        if self.screen.is_current:  # screens in the background wait until shown
            self.check_handover()

    def check_handover(self) -> None:
        """Ask (in a worker) whether the previous shift's handover waits for acknowledgement."""
        from deskterm.services.handover import handover

        desk = getattr(self.app, "desk", None)
        if desk is None:
            return

        def work() -> None:
            try:
                waiting = handover.pending_ack(desk)
            except Exception:  # the flag is a hint: never let it break the line
                return
            flag = "ack handover (6)" if waiting else ""  # short: it must fit at 80 columns
            self.app.call_from_thread(setattr, self, "handover", flag)

        self.run_worker(work, thread=True, group="handover-flag", exclusive=True, exit_on_error=False)

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
        if self.handover:
            line.append("  ")
            line.append(f"⚑ {self.handover}", "bold reverse")
        if self.problem:
            line.append("  ! ", "bold")
            line.append_text(safe(self.problem))
        return line
