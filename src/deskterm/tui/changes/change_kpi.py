"""The change KPIs over a period, as a table: changes that met agreed quality, cost and time,
benefits realised against expected, disruptions (incidents caused by changes), unauthorised
changes, and the backlog's size and age, each against the period just before.

``p`` picks the length of the period (week, month, quarter); ``[`` and ``]`` move it.
"""

from datetime import date, datetime, time, timedelta
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from deskterm.services.changes import changes
from deskterm.services.changes.change_views import ChangeKpi
from deskterm.services.core.errors import DesktermError
from deskterm.tui.widgets.status_line import StatusLine

PERIODS = ("month", "week", "quarter")


def period_bounds(kind: str, day: date) -> tuple[date, date]:
    """[first, next first) of the week, month or quarter holding ``day``."""
    if kind == "week":
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=7)
    months = 3 if kind == "quarter" else 1
    start_month = day.month - (day.month - 1) % months
    first = date(day.year, start_month, 1)
    end_month = start_month + months
    return first, date(day.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)


def _of(part: int, whole: int) -> str:
    return f"{part} of {whole}" + (f" ({100 * part / whole:.0f}%)" if whole else "")


def _trend(now: int, before: int, *, fewer_is_better: bool = True) -> Text:
    """``▼ 2 fewer`` / ``▲ 1 more`` / ``= same``: the arrow and the word, not colour alone."""
    if now == before:
        return Text("= same", "dim")
    better = (now < before) == fewer_is_better
    word = "fewer" if now < before else "more"
    arrow = "▼" if now < before else "▲"
    return Text(f"{arrow} {abs(now - before)} {word}", "bold" if not better else "")


def rows(k: ChangeKpi) -> list[tuple[str, str, str, Text]]:
    """(KPI, this period, previous period, trend) in the order of the source document."""
    oldest = f"{k.backlog_oldest} ({k.backlog_oldest_age_days:.0f} days)" if k.backlog_oldest else "-"
    return [
        ("Changes closed", str(k.closed), "", Text("")),
        ("Met agreed quality (successful)", _of(k.met_quality, k.closed), "", Text("")),
        ("Met agreed time (in the window)", _of(k.met_time, k.closed), "", Text("")),
        ("Met agreed cost", _of(k.met_cost, k.closed), "", Text("")),
        ("Met quality, cost and time", _of(k.met_all, k.closed), "", Text("")),
        ("Benefits realised vs expected", _of(k.benefits_realised, k.benefits_expected), "", Text("")),
        (
            "Disruptions (incidents caused)",
            str(k.disruptions),
            str(k.previous_disruptions),
            _trend(k.disruptions, k.previous_disruptions),
        ),
        (
            "Unauthorised changes",
            str(k.unauthorised),
            str(k.previous_unauthorised),
            _trend(k.unauthorised, k.previous_unauthorised),
        ),
        (
            "Backlog (open at period end)",
            str(k.backlog),
            str(k.previous_backlog),
            _trend(k.backlog, k.previous_backlog),
        ),
        ("Backlog mean age", f"{k.backlog_avg_age_days:.1f} days", "", Text("")),
        ("Oldest open change", oldest, "", Text("")),
    ]


class ChangeKpiScreen(Screen[None]):
    HELP_TITLE = "change KPIs"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="change_kpi.back"),
        Binding("left_square_bracket", "shift(-1)", "Earlier", id="change_kpi.earlier"),
        Binding("right_square_bracket", "shift(1)", "Later", id="change_kpi.later"),
        Binding("p", "period", "Period: week/month/quarter", id="change_kpi.period"),
        Binding("t", "today", "This period", show=False, id="change_kpi.today"),
    ]

    def __init__(self) -> None:
        super().__init__(classes="change-kpi-screen")
        self.kind = PERIODS[0]
        self.day: date | None = None  # a day inside the period shown
        self.kpi: ChangeKpi | None = None
        self.loads = 0

    def compose(self) -> ComposeResult:
        yield StatusLine(self.app.desk.short_url)  # type: ignore[attr-defined]
        yield Label("", id="kpi-title")
        yield DataTable(id="kpi-rows", cursor_type="row", zebra_stripes=True)
        yield Label(
            Text("p week/month/quarter · [ ] earlier/later · previous = the period just before"),
            id="kpi-note",
        )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StatusLine).pulse = getattr(self.app, "pulse", None)
        self.day = self.app.desk.clock.now().astimezone().date()  # type: ignore[attr-defined]
        table = self.query_one("#kpi-rows", DataTable)
        table.add_columns("KPI", "This period", "Previous", "Trend")
        table.focus()
        self.load()

    def bounds(self) -> tuple[date, date]:
        assert self.day is not None
        return period_bounds(self.kind, self.day)

    def load(self) -> None:
        first, after = self.bounds()
        desk = self.app.desk  # type: ignore[attr-defined]
        title = Text(f"Change KPIs, {self.kind} {first} .. {after - timedelta(days=1)}", "bold")
        self.query_one("#kpi-title", Label).update(title)

        def work() -> None:
            start = datetime.combine(first, time()).astimezone()
            end = datetime.combine(after, time()).astimezone()
            try:
                found = changes.kpi(desk, start, end)
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error", timeout=8)
                return
            self.app.call_from_thread(self._show, found)

        self.run_worker(work, thread=True, exclusive=True, group="change-kpi")

    def _show(self, kpi: ChangeKpi) -> None:
        self.kpi = kpi
        self.loads += 1
        table = self.query_one("#kpi-rows", DataTable)
        table.clear()
        for name, value, previous, trend in rows(kpi):
            table.add_row(name, value, previous, trend)

    def action_shift(self, step: int) -> None:
        first, after = self.bounds()
        self.day = after if step > 0 else first - timedelta(days=1)
        self.load()

    def action_period(self) -> None:
        self.kind = PERIODS[(PERIODS.index(self.kind) + 1) % len(PERIODS)]
        self.load()

    def action_today(self) -> None:
        self.day = self.app.desk.clock.now().astimezone().date()  # type: ignore[attr-defined]
        self.load()
