"""Incident detail: header, timeline (notes and audit entries in order), actions by key."""

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

from deskterm.services import tickets
from deskterm.services.errors import DesktermError
from deskterm.services.views import TicketView
from deskterm.tui.messages import DeskChanged
from deskterm.tui.render import safe
from deskterm.tui.widgets.status_line import StatusLine


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
        safe(f"{view.group or '-'} (tier {view.tier.value})"),
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
        Binding("j,down", "scroll(1)", "Down", show=False, id="ticket.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="ticket.up"),
    ]

    def __init__(self, ref: str) -> None:
        super().__init__(id="ticket-screen")
        self.ref = ref
        self.view: TicketView | None = None
        self._follow = False  # scroll to the newest entry after the next load

    def compose(self) -> ComposeResult:
        yield StatusLine(self.app.desk.short_url)  # type: ignore[attr-defined]
        yield Static(id="ticket-header")
        with VerticalScroll(id="ticket-timeline"):
            yield Static(id="ticket-events")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StatusLine).pulse = getattr(self.app, "pulse", None)
        self.query_one("#ticket-timeline").focus()
        self.load()

    def load(self) -> None:
        desk = self.app.desk  # type: ignore[attr-defined]

        def work() -> None:
            try:
                view = tickets.get_ticket(desk, self.ref)
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error", markup=False)
                return
            self.app.call_from_thread(self._show, view)

        self.run_worker(work, thread=True, exclusive=True, group="ticket-load")

    def _show(self, view: TicketView) -> None:
        before = self.view
        self.view = view
        self.query_one("#ticket-header", Static).update(header(view))
        self.query_one("#ticket-events", Static).update(timeline(view))
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

    def action_act(self, what: str) -> None:
        if self.view is None:
            return
        from deskterm.tui.dialogs.ticket_actions import run_action

        run_action(self, what, self.view)

    def action_done(self, message: str) -> None:
        self._follow = True
        self.notify(message, timeout=5, markup=False)
        self.load()
        self.app.changed_here()  # type: ignore[attr-defined]
