"""``deskterm sla wall``: a read-only wallboard for a NOC screen or a shared tmux pane.

Large figures (breached, at risk, ok, paused) and the targets due soonest. It only reads:
no keys change anything, and it redraws only when a figure changed. ``c`` shows the forward
schedule of change (escape comes back), for the NOC screen ``deskterm serve web --wall``
serves; opened with ``--read-only`` the desk itself refuses every write, whatever the keys.
"""

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Digits, Label, Static

from deskterm.services.core.context import Desk
from deskterm.services.core.errors import DesktermError
from deskterm.services.sla import sla
from deskterm.tui.base.desk_app import DeskAppBase, alive
from deskterm.tui.base.render import cell
from deskterm.tui.changes.change_calendar import ChangeCalendarScreen

REFRESH_SECONDS = 15.0
BANDS = (("breached", "✖ BREACHED"), ("at-risk", "▲ AT RISK"), ("ok", "● OK"), ("paused", "‖ PAUSED"))


class WallCalendarScreen(ChangeCalendarScreen):
    """The change calendar on the wall: browsing only, no change opens from here."""

    def action_open(self) -> None:
        self.notify("The wallboard only shows the schedule; open changes in the desk.", timeout=4)


class WallApp(DeskAppBase):
    TITLE = "deskterm wallboard"
    CSS_PATH: ClassVar = ["wall.tcss", "../changes/changes.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,ctrl+q,escape", "quit", "Quit", id="wall.quit"),
        Binding("c", "calendar", "Change calendar", id="wall.calendar"),
    ]

    def __init__(self, desk: Desk, *, poll: bool = True) -> None:
        super().__init__(desk)
        self._poll = poll
        self._last: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="wall-figures"):
            for band, title in BANDS:
                with Vertical(classes=f"figure {band}"):
                    yield Label(title, classes="figure-title")
                    yield Digits("-", id=f"count-{band}")
        yield Static(id="wall-list")
        yield Label("", id="wall-foot")

    def open_screen(self, screen: Screen[object], key: str | None = None, callback: object = None) -> None:
        self.push_screen(screen)

    def action_calendar(self) -> None:
        if not isinstance(self.screen, ChangeCalendarScreen):
            self.push_screen(WallCalendarScreen())

    def on_mount(self) -> None:
        self.load()
        if self._poll:
            self.set_interval(REFRESH_SECONDS, self.load)

    def load(self) -> None:
        def work() -> None:
            try:
                counts = sla.band_counts(self.desk)
                rows = sla.monitor(self.desk, limit=12, include_paused=False)
            except DesktermError as exc:
                self.call_from_thread(self.query_one("#wall-foot", Label).update, exc.message)
                return
            self.call_from_thread(alive(self, self._show), counts, rows)

        self.run_worker(work, thread=True, exclusive=True, group="wall")

    def _show(self, figures: sla.BandCounts, soonest: list[sla.MonitorRow]) -> None:
        counts = {
            "breached": figures.breached,
            "at-risk": figures.at_risk,
            "ok": figures.ok,
            "paused": figures.paused,
        }
        state = (tuple(counts.values()), tuple((r.ref, r.metric, r.time_left) for r in soonest))
        if state == self._last:
            return  # nothing changed: send nothing to the terminal
        self._last = state
        for band, _ in BANDS:
            self.query_one(f"#count-{band}", Digits).update(str(counts[band]))
        lines = Text()
        for r in soonest:
            mark = dict(BANDS)[r.band].split()[0]
            lines.append_text(cell(f"{mark} {sla.compact_duration(r.time_left_seconds)}", 10))
            lines.append_text(cell(r.ref, 11))
            lines.append_text(cell(r.priority, 4))
            lines.append_text(cell(f"{r.kind} {r.metric}", 15))
            lines.append_text(cell(r.title, 60))
            lines.append("\n")
        self.query_one("#wall-list", Static).update(lines)
        self.query_one("#wall-foot", Label).update(
            f"{self.desk.short_url} · {sum(counts.values())} clocks · "
            f"every {int(REFRESH_SECONDS)} s · q quits"
        )


def run_wall(desk: Desk) -> int:
    app = WallApp(desk)
    app.run()
    return app.return_code or 0
