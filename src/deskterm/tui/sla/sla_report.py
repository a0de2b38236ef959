"""The service level report as a screen: achievement per agreement, priority and target for a
period, and the breaches behind it. ``[`` and ``]`` move the period, ``m`` switches between a
month and a week, ``enter`` on a breach opens its ticket, ``i`` turns it into a service
improvement plan (SIP) item, listed at the bottom with its owner and due date."""

from datetime import date, timedelta
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Label

from deskterm.domain.core.permissions import Action
from deskterm.services.core.errors import DesktermError, InvalidInput
from deskterm.services.people import people
from deskterm.services.sla import sla_reports
from deskterm.tui.base.desk_app import alive, desk_app
from deskterm.tui.base.form import Field, FormDialog
from deskterm.tui.base.permitted import PermittedActions
from deskterm.tui.base.render import safe


class SlaReportScreen(PermittedActions):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="sla_report.back"),
        Binding("left_square_bracket", "shift(-1)", "Earlier", id="sla_report.earlier"),
        Binding("right_square_bracket", "shift(1)", "Later", id="sla_report.later"),
        Binding("p", "length", "Period: month/week", id="sla_report.length"),
        Binding("enter", "open", "Open breach", id="sla_report.open"),
        Binding("i", "improve", "Improve (SIP)", id="sla_report.improve"),
    ]
    PERMITTED: ClassVar = {"improve": Action.SLA_IMPROVE}

    def __init__(self) -> None:
        super().__init__(classes="sla-report-screen")
        self.days = 30
        self.period_to: date | None = None  # today, set on mount from the desk's clock
        self.report: sla_reports.SlaReport | None = None

    def compose(self) -> ComposeResult:
        yield Label("", id="report-title")
        yield DataTable(id="report-rows", cursor_type="row", zebra_stripes=True)
        yield Label("Breaches (enter opens the ticket)", id="report-breaches-title")
        yield DataTable(id="report-breaches", cursor_type="row")
        yield Label("Service improvement plan (i on a breach adds one)", id="report-sip-title")
        yield DataTable(id="report-sip", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.period_to = desk_app(self).desk.clock.now().date()
        rows = self.query_one("#report-rows", DataTable)
        rows.add_columns(
            "Agreement", "Pri", "Target", "Tickets", "Met", "Breached", "Open", "Achieved", "Mean", "P90"
        )
        breaches = self.query_one("#report-breaches", DataTable)
        breaches.add_columns("Ref", "Agreement", "Pri", "Target", "Breached at", "Used", "Why")
        self.query_one("#report-sip", DataTable).add_columns("#", "Due", "Owner", "Ticket", "Status", "Item")
        self.load()

    def load(self) -> None:
        assert self.period_to is not None
        start, end = self.period_to - timedelta(days=self.days - 1), self.period_to
        desk = desk_app(self).desk
        self.query_one("#report-title", Label).update(Text(f"Service levels {start} .. {end}", "bold"))

        def work() -> None:
            try:
                report = sla_reports.report(desk, start, end)
                plan = sla_reports.list_sip(desk)
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error")
                return
            self.app.call_from_thread(alive(self, self._show), report, plan)

        self.run_worker(work, thread=True, exclusive=True, group="sla-report")

    def _show(self, report: sla_reports.SlaReport, plan: list[sla_reports.SipView]) -> None:
        self.report = report
        sip = self.query_one("#report-sip", DataTable)
        sip.clear()
        for item in plan:
            sip.add_row(
                str(item.id),
                item.due_date.isoformat(),
                item.owner,
                item.ticket or "-",
                item.status,
                safe(item.title),
            )
        rows = self.query_one("#report-rows", DataTable)
        rows.clear()
        for r in report.rows:
            achieved = "-" if r.achievement_pct is None else f"{r.achievement_pct:.1f}%"
            rows.add_row(
                safe(r.agreement),
                r.priority,
                r.metric,
                str(r.tickets),
                str(r.met),
                str(r.breached),
                str(r.running),
                achieved,
                r.mean,
                r.p90,
            )
        breaches = self.query_one("#report-breaches", DataTable)
        breaches.clear()
        for b in report.breaches:
            at = b.breached_at.astimezone().strftime("%m-%d %H:%M") if b.breached_at else "-"
            breaches.add_row(
                b.ref, safe(b.agreement), b.priority, f"{b.metric} {b.target}", at, b.used, safe(b.reason)
            )

    def action_shift(self, step: int) -> None:
        assert self.period_to is not None
        self.period_to += timedelta(days=step * self.days)
        self.load()

    def action_length(self) -> None:
        self.days = 7 if self.days == 30 else 30
        self.load()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """``enter`` in the targets moves to the breaches; in the breaches it opens the ticket."""
        event.stop()
        if event.data_table.id == "report-breaches":
            self.action_open()
        else:
            self.query_one("#report-breaches", DataTable).focus()

    def action_open(self) -> None:
        table = self.query_one("#report-breaches", DataTable)
        if self.report is None or not self.report.breaches or not table.has_focus:
            table.focus()
            return
        ref = self.report.breaches[table.cursor_row].ref
        desk_app(self).open_ticket(ref)

    def action_improve(self) -> None:
        """A SIP item from the breach under the cursor: what to improve, who owns it, by when."""
        table = self.query_one("#report-breaches", DataTable)
        if self.report is None or not self.report.breaches:
            self.notify("No breach in this period to improve on.", timeout=4)
            return
        if not table.has_focus:
            table.focus()
        breach = self.report.breaches[table.cursor_row]
        desk = desk_app(self).desk
        due = (desk.clock.now().date() + timedelta(days=30)).isoformat()
        title = f"{breach.ref} {breach.agreement} {breach.metric} breached: {breach.reason}"

        def submit(values: dict[str, str]) -> str:
            owner = values["owner"].strip() or people.whoami(desk).login
            try:
                when = date.fromisoformat(values["due"].strip())
            except ValueError:
                raise InvalidInput("due: type a date like 2026-12-31", field="due") from None
            item = sla_reports.add_sip(
                desk, values["title"], owner, when, agreement=breach.agreement, ref=breach.ref
            )
            return f"SIP item {item.id} added for {breach.ref}, owner {item.owner}, due {item.due_date}"

        fields = [
            Field("title", "What will be improved", value=title[:200]),
            Field("owner", "Owner (agent login; empty: you)", placeholder="e.g. alice"),
            Field("due", "Due date", value=due, placeholder="YYYY-MM-DD"),
        ]

        def done(message: str | None) -> None:
            if message:
                self.notify(message, timeout=6)
                self.load()

        self.app.push_screen(FormDialog(f"Improvement plan item from {breach.ref}", fields, submit), done)
