"""The service desk reports screen (``:reports``): pick a report with ``n``/``p``, a breakdown
with ``b``, move the period with ``[``/``]`` and change its length with ``m``. A trend line
(per day), a bar chart of the report's main figure and the table with its totals; readable at
80x24 and in 16 colours (bars are characters, values are printed next to them)."""

from datetime import date, timedelta
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from deskterm.domain.core.text import cell_width
from deskterm.domain.reports import reports as fig
from deskterm.services.core.errors import DesktermError
from deskterm.services.reports import reports
from deskterm.tui.base.render import cell, safe

LENGTHS = (7, 30, 90)
BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "volume": ("channel", "hour", "priority", "group", "service", "day"),
    "handling": ("agent", "group", "priority", "service", "day"),
    "cost": ("agent", "group", "priority", "service", "day"),
    "csat": ("group", "agent", "service", "channel", "priority", "week"),
}
DEFAULT_BREAKDOWNS = ("priority", "group", "agent", "service", "week")
CHART_LABEL = {
    "mean_resolve_seconds": "mean time to resolve",
    "mean_escalate_seconds": "mean time to escalate",
    "minutes": "minutes handled",
    "cost_value": "cost",
    "fcr_pct": "first-contact resolution %",
    "reopen_pct": "reopen %",
    "open": "open tickets",
    "tickets": "tickets logged",
    "mean_score": "mean score (1-5)",
}
VERTICAL = "▁▂▃▄▅▆▇█"


def _number(value: Any) -> float:
    try:
        return float(value) if value is not None else 0.0
    except (TypeError, ValueError):
        return 0.0


def _shown(column: str, value: float) -> str:
    if column.endswith("_seconds"):
        return fig.format_seconds(value)
    if column.endswith("_pct"):
        return f"{value:.1f}%"
    if column == "cost_value":
        return f"{value:.2f}"
    if column == "mean_score":
        return f"{value:.2f}"
    return f"{value:g}"


def bar_chart(rows: list[dict[str, Any]], column: str, width: int, height: int) -> Text:
    """Horizontal bars when the keys fit the height, else one column per key (e.g. 24 hours)."""
    points = [(str(r["key"]), _number(r.get(column))) for r in rows]
    out = Text(no_wrap=True)
    out.append(CHART_LABEL.get(column, column), "bold")
    if not points:
        out.append("\nnothing in this period", "dim")
        return out
    top = max(v for _, v in points)
    out.append(f"  (max {_shown(column, top)})\n", "dim")
    if len(points) <= height - 1:
        label_w = min(18, max(cell_width(k) for k, _ in points))
        value_w = max(len(_shown(column, v)) for _, v in points)
        bar_w = max(4, width - label_w - value_w - 3)
        for i, (key, value) in enumerate(points):
            out.append_text(cell(key, label_w))
            out.append(" ")
            out.append(fig.bar(value, top, bar_w).ljust(bar_w), "bold")
            out.append(" " + _shown(column, value).rjust(value_w))
            if i < len(points) - 1:
                out.append("\n")
        return out
    rows_h = height - 2
    col_w = max(1, min(4, (width - 1) // len(points)))
    levels = [round(v / top * rows_h * 8) if top > 0 else 0 for _, v in points]
    for line in range(rows_h, 0, -1):
        for lvl in levels:
            fill = lvl - (line - 1) * 8
            char = " " if fill <= 0 else VERTICAL[min(8, fill) - 1]
            out.append((char * max(1, col_w - 1)).ljust(col_w), "bold")
        out.append("\n")
    step = max(1, 6 // col_w)
    axis = ""
    for i, (key, _) in enumerate(points):
        if i % step == 0:
            short = key[:-3] if key.endswith(":00") else key  # hours: "08"
            axis = axis.ljust(i * col_w) + short[: step * col_w - 1]
    out.append(axis[:width], "dim")
    return out


class ReportsScreen(Screen[None]):
    HELP_TITLE = "reports"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="reports.back"),
        Binding("n", "report(1)", "Next report", id="reports.next"),
        Binding("N", "report(-1)", "Prev report", id="reports.prev"),
        Binding("b", "by", "Breakdown", id="reports.by"),
        Binding("left_square_bracket", "period(-1)", "Earlier", id="reports.earlier"),
        Binding("right_square_bracket", "period(1)", "Later", id="reports.later"),
        Binding("p", "length", "Period: 30/90/365 days", id="reports.length"),
    ]

    def __init__(self, name: str = "mttr") -> None:
        super().__init__(classes="reports-screen")
        self.report_name = name
        self.by: str | None = None
        self.days = 30
        self.period_to: date | None = None
        self.result: reports.Report | None = None
        self.trend: list[float] = []
        self._generation = 0  # only the newest read is shown (keys may outrun the database)

    def compose(self) -> ComposeResult:
        yield Label("", id="reports-bar")
        yield Static("", id="reports-trend")
        yield Static("", id="reports-chart")
        yield DataTable(id="reports-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.period_to = self.app.desk.clock.now().date()  # type: ignore[attr-defined]
        self.query_one(DataTable).focus()
        self.load()

    def load(self) -> None:
        assert self.period_to is not None
        start, end = self.period_to - timedelta(days=self.days - 1), self.period_to
        desk, name, by = self.app.desk, self.report_name, self.by  # type: ignore[attr-defined]
        self._generation += 1
        generation = self._generation
        self.query_one("#reports-bar", Label).update(Text(f"{reports.TITLES[name]}: reading…", "dim"))

        def work() -> None:
            try:
                result = reports.run(desk, name, start, end, by=by)
                trend: list[float] = []
                if name != "backlog":
                    daily = reports.run(desk, name, start, end, by="day")
                    values = {r["key"]: _number(r.get(daily.chart)) for r in daily.rows}
                    trend = [
                        values.get((start + timedelta(days=i)).isoformat(), 0.0) for i in range(self.days)
                    ]
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error")
                return
            self.app.call_from_thread(self._arrived, generation, result, trend)

        self.run_worker(work, thread=True, exclusive=True, group="reports")

    def _arrived(self, generation: int, result: reports.Report, trend: list[float]) -> None:
        if generation == self._generation:
            self._show(result, trend)

    def _show(self, result: reports.Report, trend: list[float]) -> None:
        self.result, self.trend = result, trend
        bar = Text(no_wrap=True)
        bar.append(result.name, "bold reverse")
        bar.append(f" {result.period_from}..{result.period_to} ({self.days}d) by {result.by}  ")
        bar.append(result.title, "bold")
        bar.truncate(max(20, self.size.width - 2), overflow="ellipsis")
        self.query_one("#reports-bar", Label).update(bar)
        self._draw()
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(*[(result.by if c == "key" else c).replace("_", " ") for c in result.columns])
        for row in [*result.rows, result.total]:
            table.add_row(*[safe(_plain(row.get(c))) for c in result.columns])

    def _draw(self) -> None:
        result = self.result
        if result is None:
            return
        width = max(20, self.size.width - 2)
        line = Text(no_wrap=True, overflow="ellipsis")
        if self.trend:
            line.append("per day ", "dim")
            line.append(fig.sparkline(self.trend[-max(1, width - 30) :]), "bold")
            line.append(f"  {CHART_LABEL.get(result.chart, result.chart)}", "dim")
        else:
            line.append(result.notes[0] if result.notes else "", "dim")
        self.query_one("#reports-trend", Static).update(line)
        self.query_one("#reports-chart", Static).update(bar_chart(result.rows, result.chart, width, 9))

    def on_resize(self) -> None:
        self._draw()

    def action_report(self, step: int) -> None:
        names = reports.NAMES
        self.report_name = names[(names.index(self.report_name) + step) % len(names)]
        self.by = None
        self.load()

    def action_by(self) -> None:
        options = BREAKDOWNS.get(self.report_name, DEFAULT_BREAKDOWNS)
        current = self.by or reports.DEFAULT_BY[self.report_name]
        self.by = options[(options.index(current) + 1) % len(options)] if current in options else options[0]
        self.load()

    def action_period(self, step: int) -> None:
        assert self.period_to is not None
        self.period_to += timedelta(days=step * self.days)
        self.load()

    def action_length(self) -> None:
        self.days = LENGTHS[(LENGTHS.index(self.days) + 1) % len(LENGTHS)]
        self.load()


def _plain(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
