"""The SLA monitor: every running target, soonest due first, banded breached / at risk / ok
(paused clocks at the end). A band reads by its label and symbol as well as its colour.

The rows come from ``sla.monitor`` in a thread worker. A live countdown re-reads them every
``TICK_SECONDS`` (the stored due instants make that one indexed query) and repaints only the
lines whose shown text changed: an idle SSH link stays quiet.
"""

from dataclasses import dataclass, field
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.timer import Timer
from textual.widgets import Input, Static

from deskterm.services.core.errors import DesktermError
from deskterm.services.sla import sla
from deskterm.tui.base.messages import DeskChanged
from deskterm.tui.base.render import cell, safe
from deskterm.tui.base.screens import DeskScreen
from deskterm.tui.tickets.queue_table import time_left
from deskterm.tui.widgets.line_table import Col, LineTable, LineTableKeys
from deskterm.tui.widgets.status_line import StatusLine

TICK_SECONDS = 30.0
BANDS = ("breached", "at-risk", "ok", "paused")
BAND_LABEL = {"breached": "✖ BREACHED", "at-risk": "▲ AT RISK", "ok": "● ok", "paused": "‖ paused"}
BAND_SYMBOL = {"breached": "✖", "at-risk": "▲", "ok": "●", "paused": "‖"}
BAND_WORDS = {"breached": "breached", "at-risk": "at risk", "ok": "ok", "paused": "paused"}
WITHIN: tuple[int | None, ...] = (None, 1, 4, 8)  # the "breaching within N hours" filter
BAND_FILTERS: tuple[str | None, ...] = (None, *BANDS)
METRIC_SHORT = {"response": "resp", "resolution": "resol"}
WIDE = 100


@dataclass(frozen=True)
class Shown:
    """One clock as the monitor shows it. Equal rows draw the same line (time left in
    seconds is kept for sorting, not compared: only the shown minutes matter)."""

    key: tuple[str, str, str]
    ref: str
    band: str
    left: str
    priority: str
    metric: str
    agreement: str
    kind: str
    group: str
    assignee: str
    title: str
    left_seconds: float | None = field(default=None, compare=False)

    @classmethod
    def of(cls, row: sla.MonitorRow) -> "Shown":
        seconds = row.time_left_seconds
        return cls(
            key=(row.ref, row.agreement, row.metric),
            ref=row.ref,
            band=row.band,
            # A paused clock's band says so; a breached one that is paused says it here.
            left=time_left(seconds) if seconds is not None else ("" if row.band == "paused" else "paused"),
            priority=row.priority,
            metric=row.metric,
            agreement=row.agreement,
            kind=row.kind,
            group=row.group or "-",
            assignee=row.assignee or "-",
            title=row.title,
            left_seconds=seconds,
        )

    def sort_key(self) -> tuple[int, bool, float]:
        rank = BANDS.index(self.band) if self.band in BANDS else len(BANDS)
        return (rank, self.left_seconds is None, self.left_seconds or 0.0)

    def matches(self, text: str) -> bool:
        needle = text.casefold()
        return any(needle in value.casefold() for value in (self.group, self.agreement, self.kind))


COLUMNS = (
    Col("band", "Band", 10),
    Col("left", "Left", 7, right=True),
    Col("ref", "Ref", 9),
    Col("priority", "Pri", 3),
    Col("metric_short", "Tgt", 5, max_width=WIDE),
    Col("metric", "Target", 10, min_width=WIDE),
    Col("agreement", "Agreement", 22, min_width=WIDE),
    Col("owner", "Group / assignee", 16, min_width=64, max_width=WIDE),
    Col("owner", "Group / assignee", 22, min_width=WIDE),
    Col("title", "Title", 0),
)


class SlaTable(LineTable[Shown]):
    """Every clock on screen, one line each; the screen owns the keys."""

    COLUMNS = COLUMNS
    PREFIX = "sla-table"
    EMPTY = "No running SLA clocks."
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "sla-table--header",
        "sla-table--cursor",
        "sla-table--breached",
        "sla-table--at-risk",
        "sla-table--ok",
        "sla-table--paused",
    }

    def show(self, rows: list[Shown]) -> None:
        """New rows: repaint only the lines whose text changed when the same clocks stay in the
        same order (the countdown's usual case), else everything, keeping the cursor's clock."""
        old, self.rows = self.rows, rows
        was_loaded, self.loaded = self.loaded, True
        if was_loaded and [r.key for r in old] == [r.key for r in rows]:
            width = self.size.width
            for i, (before, after) in enumerate(zip(old, rows, strict=True)):
                if before != after and self.top <= i < self.top + self.page_rows:
                    self.repaints += 1
                    self.refresh(Region(0, i - self.top + 1, width, 1))
            return
        keep = old[self.cursor].key if 0 <= self.cursor < len(old) else None
        index = next((i for i, r in enumerate(rows) if r.key == keep), None)
        self.cursor = index if index is not None else min(self.cursor, max(0, len(rows) - 1))
        if not rows:
            self.cursor = 0
        self._scroll_to_cursor()
        self.repaints += 1
        self.refresh()

    def _cell(self, row: Shown, col: Col, w: int) -> Text:
        band_style = str(self.get_component_rich_style(f"sla-table--{row.band}"))
        match col.key:
            case "band":
                return cell(BAND_LABEL.get(row.band, row.band), w, band_style)
            case "left":
                return cell(row.left.rjust(w), w, band_style if row.band in ("breached", "at-risk") else "")
            case "metric_short":
                return cell(METRIC_SHORT.get(row.metric, row.metric), w)
            case "owner":
                return cell(f"{row.group}/{row.assignee}", w)
        return cell(getattr(row, col.key), w)


class SlaFilterInput(Input):
    """The ``/`` box: group, agreement or kind text; ``enter`` keeps it, ``escape`` clears."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "done", "Done", show=False, id="sla.filter_done"),
        Binding("escape", "clear", "Clear filter", show=False, id="sla.filter_clear"),
    ]

    def action_done(self) -> None:
        self.screen.query_one(SlaTable).focus()

    def action_clear(self) -> None:
        self.screen.action_clear_filters()  # type: ignore[attr-defined]


class SlaMonitorScreen(LineTableKeys, DeskScreen):
    HELP_TITLE = "SLA monitor"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="sla.open"),
        Binding("f", "within", "Breaching within", id="sla.within"),
        Binding("b", "band", "Band", id="sla.band"),
        Binding("slash", "filter", "Filter", id="sla.filter"),
        Binding("escape", "clear_filters", "Clear filters", show=False, id="sla.clear"),
        Binding("j,down", "move(1)", "Down", show=False, id="sla.down"),
        Binding("k,up", "move(-1)", "Up", show=False, id="sla.up"),
        Binding("pagedown,ctrl+f", "page(1)", "Page down", show=False, id="sla.page_down"),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False, id="sla.page_up"),
        Binding("g,home", "first", "First", show=False, id="sla.first"),
        Binding("G,end", "last", "Last", show=False, id="sla.last"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="sla.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__(classes="sla-screen")
        self.within: int | None = None
        self.band: str | None = None
        self.text = ""
        self.all_rows: list[Shown] = []
        self._counts: dict[str, int] = dict.fromkeys(BANDS, 0)
        self.loads = 0  # finished reads of the monitor (tests and the countdown look at it)
        self._generation = 0
        self._bar: tuple[str, list[object]] | None = None
        self._ticker: Timer | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="sla-bar")
        yield SlaTable(id="sla-table")
        yield SlaFilterInput(placeholder="filter: group, agreement or kind (SLA, OLA, UC)", id="sla-filter")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#sla-filter", Input).display = False
        self.table.focus()
        self._ticker = self.set_interval(TICK_SECONDS, self.tick, pause=True)
        self._show_bar()

    @property
    def table(self) -> SlaTable:
        return self.query_one(SlaTable)

    # -- data -------------------------------------------------------------------------------

    def load(self) -> None:
        """Read the running clocks in a worker; only the newest answer is shown."""
        self._generation += 1
        generation, within = self._generation, self.within
        desk = self.app.desk  # type: ignore[attr-defined]

        def work() -> None:
            try:
                rows = sla.monitor(desk, within_hours=within)
            except DesktermError as exc:
                self.app.call_from_thread(self._failed, exc.message)
                return
            self.app.call_from_thread(self._arrived, generation, [Shown.of(r) for r in rows])

        self.run_worker(work, thread=True, exclusive=True, group="sla-load")

    def tick(self) -> None:
        """The countdown: read again; what did not change on screen is not drawn again."""
        self.load()

    def _failed(self, message: str) -> None:
        self.notify(message, severity="error", timeout=8)

    def _arrived(self, generation: int, rows: list[Shown]) -> None:
        if generation != self._generation:
            return
        self.loads += 1
        self.all_rows = sorted(rows, key=Shown.sort_key)
        self._apply()

    def _apply(self) -> None:
        """Band and text filters act on the rows already read: no query per key."""
        rows = [r for r in self.all_rows if not self.text or r.matches(self.text)]
        self._counts = {band: sum(1 for r in rows if r.band == band) for band in BANDS}
        if self.band:
            rows = [r for r in rows if r.band == self.band]
        table = self.table
        if self.within or self.band or self.text:
            table.empty_text = "No clock matches these filters; escape clears them."
        else:
            table.empty_text = "No running SLA clocks."
        table.show(rows)
        self._show_bar()

    def _show_bar(self) -> None:
        wide = self.size.width >= WIDE
        counts = self._counts
        bar = Text()
        for band in BANDS:
            style = str(self.table.get_component_rich_style(f"sla-table--{band}"))
            if wide:
                bar.append(f"{BAND_SYMBOL[band]} {counts[band]} {BAND_WORDS[band]}", style)
                bar.append("  ")
            else:
                bar.append(f"{BAND_SYMBOL[band]}{counts[band]}", style)
                bar.append(" ")
        bar.append(" within ")
        bar.append(f"{self.within}h" if self.within else "any", "bold" if self.within else "dim")
        bar.append("  band ")
        bar.append(BAND_WORDS[self.band] if self.band else "all", "bold" if self.band else "dim")
        if self.text:
            bar.append("  /")
            bar.append_text(safe(self.text, "bold"))
        bar.append(f"  {self.table.position()}")
        signature = (bar.plain, [(s.start, s.end, str(s.style)) for s in bar.spans])
        if signature != self._bar:  # an unchanged bar is not drawn again
            self._bar = signature  # type: ignore[assignment]
            self.query_one("#sla-bar", Static).update(bar)

    # -- reactions --------------------------------------------------------------------------

    def on_screen_resume(self) -> None:
        """Shown (first time, back from a ticket, or switched to): read afresh, count down."""
        self.load()
        if self._ticker is not None:
            self._ticker.resume()

    def on_screen_suspend(self) -> None:
        if self._ticker is not None:
            self._ticker.pause()

    def on_desk_changed(self, message: DeskChanged) -> None:
        self.query_one(StatusLine).pulse = message.pulse
        self.load()

    def on_resize(self) -> None:
        self._show_bar()

    @on(Input.Changed, "#sla-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.text = event.value.strip()
        self._apply()

    # -- actions ----------------------------------------------------------------------------

    def action_open(self) -> None:
        row = self.table.current
        if row is not None:
            self.app.open_ticket(row.ref)  # type: ignore[attr-defined]

    def action_within(self) -> None:
        self.within = WITHIN[(WITHIN.index(self.within) + 1) % len(WITHIN)]
        self._show_bar()
        self.load()

    def action_band(self) -> None:
        self.band = BAND_FILTERS[(BAND_FILTERS.index(self.band) + 1) % len(BAND_FILTERS)]
        self._apply()

    def action_filter(self) -> None:
        box = self.query_one("#sla-filter", Input)
        box.display = True
        box.focus()

    def action_clear_filters(self) -> None:
        box = self.query_one("#sla-filter", Input)
        box.display = False
        self.table.focus()
        reload = self.within is not None
        self.within, self.band, self.text = None, None, ""
        if box.value:
            box.value = ""  # its Changed message applies the cleared filters
        if reload:
            self.load()
        else:
            self._apply()

    def action_refresh(self) -> None:
        self.load()
