"""The event console (mode ``events``, key 5, ``:evt``): a live tail of the events, most recently
seen first, filtered by severity, source and CI, with the incident each one is correlated to.
``enter`` opens that incident. Severity and state read by a symbol and a word, not colour alone.

A worker asks every ``POLL_SECONDS`` for the desk's event revision (one indexed row); only when
it moved are the rows read again, and the table is repainted only when they differ.
"""

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import Static

from deskterm.domain.events.events import Severity
from deskterm.services.core.errors import DesktermError
from deskterm.services.events import events
from deskterm.tui.base.render import cell, safe
from deskterm.tui.base.screens import DeskScreen
from deskterm.tui.widgets.line_table import Col, LineTable, LineTableKeys

POLL_SECONDS = 2.0
LIMIT = 500
WIDE = 100
SEVERITY_LABEL = {
    "critical": "✖ crit",
    "major": "▲ major",
    "minor": "△ minor",
    "warning": "! warn",
    "info": "i info",
    "ok": "○ ok",
}
SEVERITY_FILTERS: tuple[Severity | None, ...] = (None, *(s for s in Severity if s is not Severity.OK))


COLUMNS = (
    Col("severity", "Severity", 8),
    Col("state", "State", 8),
    Col("seen", "Seen", 8),
    Col("count", "×", 4, right=True),
    Col("node", "Node", 14),
    Col("check", "Check", 14, min_width=WIDE),
    Col("ci", "CI", 14, min_width=WIDE),
    Col("incident", "Incident", 9),
    Col("message", "Message", 0),
)


class EventTable(LineTable[events.EventRow]):
    """The events on screen, one line each; the screen owns the keys."""

    COLUMNS = COLUMNS
    PREFIX = "event-table"
    EMPTY = "No events yet: they appear here as monitoring sends them."
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "event-table--header",
        "event-table--cursor",
        "event-table--critical",
        "event-table--major",
        "event-table--minor",
        "event-table--warning",
        "event-table--info",
        "event-table--cleared",
    }

    def show(self, rows: list[events.EventRow]) -> None:
        """New rows: the cursor stays on its event; nothing is drawn when nothing changed."""
        if self.loaded and rows == self.rows:
            return
        keep = self.current.ref if self.current else None
        self.rows, self.loaded = rows, True
        index = next((i for i, r in enumerate(rows) if r.ref == keep), None)
        self.cursor = index if index is not None else min(self.cursor, max(0, len(rows) - 1))
        self._scroll_to_cursor()
        self.repaints += 1
        self.refresh()

    def _cell(self, row: events.EventRow, col: Col, w: int) -> Text:
        cleared = row.state == "cleared"
        tone = "cleared" if cleared else row.severity.value if row.severity.value != "ok" else "info"
        rich = self.get_component_rich_style(f"event-table--{tone}")
        style = str(Style(color=rich.color, bold=rich.bold))  # the cursor's background shows through
        match col.key:
            case "severity":
                return cell(SEVERITY_LABEL[row.severity.value], w, style)
            case "state":
                return cell("○ clear" if cleared else "● active", w, style if cleared else "")
            case "seen":
                return cell(f"{row.last_seen.astimezone():%H:%M:%S}", w)
            case "count":
                return cell(str(row.count).rjust(w), w)
            case "ci":
                return cell(row.ci or "-", w)
            case "incident":
                return cell(row.incident or "-", w, "bold" if row.incident else "dim")
            case "node":
                return cell(row.node, w)
            case "check":
                return cell(row.check, w)
        return cell(" ".join(row.message.split()), w)


class EventConsoleScreen(LineTableKeys, DeskScreen):
    HELP_TITLE = "event console"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open incident", id="events.open"),
        Binding("s", "severity", "Severity", id="events.severity"),
        Binding("o", "source", "Source", id="events.source"),
        Binding("c", "ci", "CI", id="events.ci"),
        Binding("escape", "clear_filters", "Clear filters", show=False, id="events.clear"),
        Binding("j,down", "move(1)", "Down", show=False, id="events.down"),
        Binding("k,up", "move(-1)", "Up", show=False, id="events.up"),
        Binding("pagedown,ctrl+f", "page(1)", "Page down", show=False, id="events.page_down"),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False, id="events.page_up"),
        Binding("g,home", "first", "First", show=False, id="events.first"),
        Binding("G,end", "last", "Last", show=False, id="events.last"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="events.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__(classes="event-screen")
        self.severity: Severity | None = None
        self.source: str | None = None
        self.ci: str | None = None
        self.sources: list[str] = []
        self.cis: list[str] = []
        self.revision: int | None = None
        self.loads = 0  # finished reads of the rows (tests look at it)
        self._generation = 0
        self._bar: str | None = None
        self._ticker: Timer | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="event-bar")
        yield EventTable(id="event-table")

    def on_mount(self) -> None:
        super().on_mount()
        self.table.focus()
        self._ticker = self.set_interval(POLL_SECONDS, self.poll, pause=True)
        self._show_bar()

    @property
    def table(self) -> EventTable:
        return self.query_one(EventTable)

    # -- data -------------------------------------------------------------------------------

    def poll(self) -> None:
        """The live tail: read the revision; read the rows only when it moved."""
        self.load(only_if_changed=True)

    def load(self, *, only_if_changed: bool = False) -> None:
        self._generation += 1
        generation = self._generation
        severity, source, ci, seen = self.severity, self.source, self.ci, self.revision
        desk = self.app.desk  # type: ignore[attr-defined]

        def work() -> None:
            try:
                revision = events.revision(desk)
                if only_if_changed and revision == seen:
                    return
                rows = events.list_events(
                    desk, severities=[severity] if severity else [], source=source, ci=ci, limit=LIMIT
                )
                facets = events.facets(desk)
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error", timeout=8)
                return
            self.app.call_from_thread(self._arrived, generation, revision, rows, facets)

        self.run_worker(work, thread=True, exclusive=True, group="events-load")

    def _arrived(
        self, generation: int, revision: int, rows: list[events.EventRow], facets: events.Facets
    ) -> None:
        if generation != self._generation:
            return
        self.loads += 1
        self.revision = revision
        self.sources, self.cis = facets.sources, facets.cis
        table = self.table
        filtered = self.severity or self.source or self.ci
        table.empty_text = (
            "No event matches these filters; escape clears them."
            if filtered
            else "No events yet: they appear here as monitoring sends them."
        )
        table.show(rows)
        self._show_bar()

    def _show_bar(self) -> None:
        table = self.table
        active = sum(1 for r in table.rows if r.state == "active")
        linked = sum(1 for r in table.rows if r.incident and r.state == "active")
        wide = self.size.width >= WIDE
        bar = Text()
        bar.append(f"{active} active", "bold")
        bar.append(f" · {linked} on incidents" if wide else f" · {linked} inc")
        for label, value in (
            ("sev", self.severity.value if self.severity else None),
            ("src", self.source),
            ("ci", self.ci),
        ):
            bar.append(f"  {label} ")
            if value is None:
                bar.append("all", "dim")
            else:
                bar.append_text(safe(value, "bold"))
        bar.append(f"  {table.position()}")
        signature = bar.plain + repr([(s.start, s.end, str(s.style)) for s in bar.spans])
        if signature != self._bar:
            self._bar = signature
            self.query_one("#event-bar", Static).update(bar)

    # -- reactions --------------------------------------------------------------------------

    def on_screen_resume(self) -> None:
        self.load()
        if self._ticker is not None:
            self._ticker.resume()

    def on_screen_suspend(self) -> None:
        if self._ticker is not None:
            self._ticker.pause()

    def on_resize(self) -> None:
        self._show_bar()

    # -- actions ----------------------------------------------------------------------------

    def action_open(self) -> None:
        row = self.table.current
        if row is None:
            return
        if row.incident:
            self.app.open_ticket(row.incident)  # type: ignore[attr-defined]
        else:
            self.notify(f"{row.ref} is not correlated to an incident.", timeout=4)

    @staticmethod
    def _next(options: list[str], current: str | None) -> str | None:
        cycle: list[str | None] = [None, *options]
        index = cycle.index(current) if current in cycle else 0
        return cycle[(index + 1) % len(cycle)]

    def action_severity(self) -> None:
        self.severity = SEVERITY_FILTERS[(SEVERITY_FILTERS.index(self.severity) + 1) % len(SEVERITY_FILTERS)]
        self._changed()

    def action_source(self) -> None:
        self.source = self._next(self.sources, self.source)
        self._changed()

    def action_ci(self) -> None:
        self.ci = self._next(self.cis, self.ci)
        self._changed()

    def _changed(self) -> None:
        self._show_bar()
        self.load()

    def action_clear_filters(self) -> None:
        if self.severity or self.source or self.ci:
            self.severity = self.source = self.ci = None
            self._changed()

    def action_refresh(self) -> None:
        self.load()
