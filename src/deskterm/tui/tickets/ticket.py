"""Incident detail: header, SLA clocks, timeline (notes and audit entries in order), actions by key."""

from datetime import datetime
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from deskterm.domain.sla.terms import format_duration
from deskterm.services.core.errors import DesktermError
from deskterm.services.core.views import TicketView
from deskterm.services.sla import sla
from deskterm.services.tickets import tickets
from deskterm.tui.base.desk_app import alive, desk_app
from deskterm.tui.base.dialog import DeskDialog
from deskterm.tui.base.messages import DeskChanged
from deskterm.tui.base.render import safe
from deskterm.tui.problems.kedb_panel import KedbPanel
from deskterm.tui.tickets.queue_table import time_left
from deskterm.tui.widgets.status_line import StatusLine

# A clock's state by symbol and word, so it reads without colour.
STATE = {
    "breached": ("✖ breached", "bold red"),
    "warning": ("▲ at risk", "bold yellow"),
    "running": ("● running", "green"),
    "paused": ("‖ paused", "dim"),
    "met": ("✔ met", "dim"),
}


def _grid(label_width: int, *, columns: int) -> Table:
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="bold", no_wrap=True, width=label_width)
    grid.add_column(ratio=1)
    if columns == 4:
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(ratio=1)
    return grid


def header(view: TicketView) -> Group:
    status = view.status.value + (f" ({view.pending_reason.value})" if view.pending_reason else "")
    top = Text()
    top.append(f"{view.ref} ", "bold")
    top.append(f"{view.priority.value}", "bold reverse" if view.priority.value in ("P1", "P2") else "bold")
    top.append(f" {status}")
    if view.major:
        top.append(" MAJOR", "bold reverse")
    top.append(f"  v{view.version}", "dim")
    extra: list[tuple[str, Text]] = []
    if view.workaround:
        extra.append(("Workaround", safe(view.workaround)))
    if view.resolution_code:
        extra.append(("Resolution", safe(f"{view.resolution_code.value}: {view.resolution}")))
    width = max(len(label) for label in ["Service", *(label for label, _ in extra)])
    # The title is what the agent reads first: it gets the whole width and wraps, never cut.
    title = safe(view.title)
    title.no_wrap = False
    head = _grid(width, columns=2)
    head.add_row("Title", title)
    grid = _grid(width, columns=4)
    caller = safe(view.caller)
    reach = view.caller_email or view.caller_phone
    if reach:
        caller.append_text(safe(f" <{reach}>", "dim"))
    if view.caller_vip:
        caller.append(" VIP", "bold")
    grid.add_row("Caller", caller, "Channel", view.channel.value)
    grid.add_row("Service", safe(view.service or "-"), "CI", safe(view.ci or "-"))
    grid.add_row(
        "Group",
        safe(f"{view.group} (tier {view.tier.value})" if view.group else "no group yet"),
        "Assignee",
        safe(view.assignee or "-"),
    )
    grid.add_row(
        "Impact",
        f"{view.impact.value} x urgency {view.urgency.value}",
        "Parent",
        safe(view.parent or "-")
        if not view.children
        else safe(f"{view.parent or '-'}; children {', '.join(view.children)}"),
    )
    parts: list[RenderableType] = [top, head, grid]
    if extra:
        tail = _grid(width, columns=2)
        for label, value in extra:
            tail.add_row(label, value)
        parts.append(tail)
    return Group(*parts)


def local(at: datetime) -> str:
    """A stored (UTC) time as the agent's local wall-clock time, e.g. ``11-24 17:30``."""
    return f"{at.astimezone():%m-%d %H:%M}"


def timeline(view: TicketView) -> Text:
    """The description, then notes and audit entries in time order: who, when and what."""
    items: list[tuple[object, int, Text]] = []
    if view.description.strip():
        desc = Text()
        desc.append("Description\n", "bold")
        desc.append_text(safe(view.description, multiline=True))
        items.append((view.opened_at, -1, desc))
    for n in view.notes:
        head = Text(f"{local(n.created_at)} ", "dim")
        head.append_text(safe(n.author, "bold"))
        if n.visibility.value == "public":
            head.append(f" public update via {n.channel.value if n.channel else '-'}", "bold")
        else:
            head.append(" note")
        if n.minutes:
            head.append(f" ({n.minutes} min)", "dim")
        head.append("\n")
        head.append_text(safe(n.body, multiline=True))
        items.append((n.created_at, 1, head))
    for h in view.history:
        line = Text(f"{local(h.at)} ", "dim")
        line.append_text(safe(h.actor))
        if h.field == "created":
            line.append(" logged the ticket")
        else:
            line.append(f" {h.field.replace('_', ' ')}: ")
            line.append_text(safe(h.old or "-"))
            line.append(" → ")
            line.append_text(safe(h.new or "-", "bold"))
        items.append((h.at, 0, line))
    items.sort(key=lambda item: (item[0], item[1]))
    out = Text()
    for i, (_, _, text) in enumerate(items):
        if i:
            out.append("\n")
        out.append_text(text)
    return out


def _state(clock: sla.ClockView) -> Text:
    word, style = STATE.get(clock.state, (clock.state, ""))
    return Text(word, style)


def _when(clock: sla.ClockView, now: datetime) -> Text:
    """Time left and due for a running clock; what is left for a paused one; when it stopped."""
    if clock.stopped_at is not None:
        return Text(f"stopped {local(clock.stopped_at)}", "dim")
    if clock.state == "paused":
        return Text(f"{time_left(clock.remaining_seconds)} left")
    if clock.due_at is not None:
        out = Text(time_left((clock.due_at - now).total_seconds()), "bold")
        out.append(f" due {local(clock.due_at)}", "")
        return out
    return Text("no target", "dim")


def clocks_block(explanation: sla.Explanation | None) -> RenderableType:
    """One line per clock: state, target, time left / due, agreement."""
    if explanation is None or not explanation.clocks:
        line = Text("Clocks ", "bold")
        line.append("…" if explanation is None else "none: no agreement applies to this ticket", "dim")
        return line
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="bold", no_wrap=True, width=6)
    grid.add_column(no_wrap=True, width=10)
    grid.add_column(no_wrap=True, width=10)
    grid.add_column(no_wrap=True, width=23)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    for i, clock in enumerate(explanation.clocks):
        grid.add_row(
            "Clocks" if i == 0 else "",
            _state(clock),
            clock.metric,
            _when(clock, explanation.now),
            safe(f"{clock.agreement} ({clock.kind})"),
        )
    return grid


def explanation(explanation: sla.Explanation) -> Group:
    """Every clock, its figures, and each segment of its timeline: counted or not, and why."""
    parts: list[RenderableType] = []
    title = Text(f"SLA clocks of {explanation.ref}", "bold")
    title.append(f"  as of {local(explanation.now)}", "dim")
    parts.append(title)
    if not explanation.clocks:
        parts.append(Text("\nNo agreement applies to this ticket, so it has no clocks."))
    for clock in explanation.clocks:
        head = Text("\n")
        head.append_text(safe(f"{clock.agreement} ({clock.kind})", "bold"))
        head.append(f" · {clock.metric} · {clock.priority} · ")
        head.append_text(_state(clock))
        head.append(
            f"\ntarget {clock.target}  elapsed {clock.elapsed}  paused {clock.paused}  "
            f"remaining {clock.remaining}"
        )
        marks = [
            ("due", clock.due_at),
            ("warn", clock.warning_at),
            ("breached", clock.breached_at),
            ("stopped", clock.stopped_at),
        ]
        shown = [f"{label} {local(at)}" for label, at in marks if at is not None]
        if shown:
            head.append("\n" + "  ".join(shown))
        parts.append(head)
        segments = Table.grid(padding=(0, 1), expand=True)
        segments.add_column(no_wrap=True)
        segments.add_column(no_wrap=True, width=1)
        segments.add_column(no_wrap=True, justify="right")
        segments.add_column(ratio=1)
        for g in clock.segments:
            reason = safe(g.reason, "" if g.counted else "dim")
            reason.no_wrap = False
            segments.add_row(
                Text(f"{local(g.start)} → {local(g.end)}", "dim"),
                Text("✔", "bold") if g.counted else Text("·", "dim"),
                format_duration(g.seconds),
                reason,
            )
        parts.append(segments)
    return Group(*parts)


class ExplainScreen(DeskDialog[None]):
    """``x`` on a ticket: the full explanation of its clocks, scrollable."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,x,q", "dismiss", "Close", id="explain.close"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="explain.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="explain.up"),
        Binding("pagedown", "scroll(10)", "Page down", show=False, id="explain.page_down"),
        Binding("pageup", "scroll(-10)", "Page up", show=False, id="explain.page_up"),
        Binding("g,home", "scroll_home", "Top", show=False, id="explain.top"),
        Binding("G,end", "scroll_end", "Bottom", show=False, id="explain.bottom"),
    ]

    def __init__(self, explanation: sla.Explanation) -> None:
        super().__init__(classes="explain-screen")
        self.explanation = explanation

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="explain-body"):
            yield Static(explanation(self.explanation), id="explain-text")
            yield Static(Text("j/k scroll · escape closes", style="dim"))

    def on_mount(self) -> None:
        self.query_one("#explain-body").focus()

    def action_scroll(self, lines: int) -> None:
        self.query_one("#explain-body", VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_scroll_home(self) -> None:
        self.query_one("#explain-body", VerticalScroll).scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self.query_one("#explain-body", VerticalScroll).scroll_end(animate=False)


class TicketScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="ticket.back"),
        Binding("t", "act('take')", "Take", id="ticket.take"),
        Binding("a", "act('assign')", "Assign", id="ticket.assign"),
        Binding("e", "act('escalate')", "Escalate", id="ticket.escalate"),
        Binding("E", "act('hierarchic')", "Escalate to mgmt", show=False, id="ticket.hierarchic"),
        Binding("i", "act('note')", "Note", id="ticket.note"),
        Binding("u", "act('public')", "Update caller", id="ticket.public"),
        Binding("p", "act('pending')", "Pending", id="ticket.pending"),
        Binding("w", "act('resume')", "Resume", show=False, id="ticket.resume"),
        Binding("R", "act('resolve')", "Resolve", id="ticket.resolve"),
        Binding("C", "act('close')", "Close", show=False, id="ticket.close"),
        Binding("O", "act('reopen')", "Reopen", show=False, id="ticket.reopen"),
        Binding("m", "act('major')", "Major", show=False, id="ticket.major"),
        Binding("l", "act('children')", "Link children", show=False, id="ticket.children"),
        Binding("x", "explain", "Explain SLA", id="ticket.explain"),
        Binding("K", "known_error", "Apply known error", show=False, id="ticket.known_error"),
        Binding("S", "survey", "Survey", show=False, id="ticket.survey"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="ticket.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="ticket.up"),
    ]

    def __init__(self, ref: str) -> None:
        super().__init__(classes="ticket-screen")
        self.ref = ref
        self.view: TicketView | None = None
        self.explanation: sla.Explanation | None = None
        self._follow = False  # scroll to the newest entry after the next load

    def compose(self) -> ComposeResult:
        yield StatusLine(desk_app(self).desk.short_url)
        yield Static(id="ticket-header")
        yield Static(id="ticket-clocks")
        yield KedbPanel(limit=2, title="Known errors that may fit (K applies one)", id="ticket-kedb")
        with VerticalScroll(id="ticket-timeline"):
            yield Static(id="ticket-events")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StatusLine).pulse = getattr(self.app, "pulse", None)
        self.query_one("#ticket-timeline").focus()
        self.load()

    def load(self) -> None:
        desk = desk_app(self).desk

        def work() -> None:
            try:
                view = tickets.get_ticket(desk, self.ref)
                explanation = sla.explain(desk, self.ref)
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error", markup=False)
                return
            self.app.call_from_thread(alive(self, self._show), view, explanation)

        self.run_worker(work, thread=True, exclusive=True, group="ticket-load")

    def _show(self, view: TicketView, explanation: sla.Explanation | None = None) -> None:
        before = self.view
        self.view = view
        self.explanation = explanation
        self.query_one("#ticket-header", Static).update(header(view))
        self.query_one("#ticket-clocks", Static).update(clocks_block(explanation))
        self.query_one("#ticket-events", Static).update(timeline(view))
        wanted = view.kind.value == "incident" and view.status.is_open and not view.workaround
        text = f"{view.title} {view.description}" if wanted else ""  # nothing: the panel hides
        self.query_one(KedbPanel).look_for(text, service=view.service, ci=view.ci)
        own = self._follow
        if before is None or self._follow:
            self._follow = False
            self.call_after_refresh(
                self.query_one("#ticket-timeline", VerticalScroll).scroll_end, animate=False
            )
        if before is not None and before.version != view.version and not own:
            self.notify(f"{view.ref} was changed (now version {view.version})", timeout=4)

    def on_desk_changed(self, message: DeskChanged) -> None:
        self.query_one(StatusLine).pulse = message.pulse
        self.load()

    def action_scroll(self, step: int) -> None:
        scroller = self.query_one("#ticket-timeline", VerticalScroll)
        scroller.scroll_relative(y=step, animate=False)

    def action_known_error(self) -> None:
        if self.view is not None:
            from deskterm.tui.problems.kedb_search import apply_known_error

            apply_known_error(self, self.view)

    def action_survey(self) -> None:
        """Record the caller's satisfaction answer (resolved tickets)."""
        from deskterm.tui.reports.csat import survey_dialog

        dialog = survey_dialog(desk_app(self).desk, self.ref)
        self.app.push_screen(dialog, lambda message: self.action_done(message) if message else None)

    def action_explain(self) -> None:
        if self.explanation is None:
            self.notify("The clocks are still loading.", timeout=3)
            return
        self.app.push_screen(ExplainScreen(self.explanation))

    def action_act(self, what: str) -> None:
        if self.view is None:
            return
        from deskterm.tui.tickets.ticket_actions import run_action

        run_action(self, what, self.view)

    def action_done(self, message: str) -> None:
        self._follow = True
        self.notify(message, timeout=5, markup=False)
        self.load()
        desk_app(self).changed_here()
