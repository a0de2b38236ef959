"""One change: the 7 Rs, the assessment and approval level, the plans, the CAB's votes, the
collisions of its window, the projected service outage, linked incidents, the review and the
timeline. The keys are the board's actions on this change, plus edit, cancel and reject."""

from datetime import datetime
from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from deskterm.domain.changes.change import ChangeState, ChangeType
from deskterm.domain.core.permissions import Action
from deskterm.domain.core.refs import RefError, parse_ref
from deskterm.services.changes import changes
from deskterm.services.changes.change_views import ChangeDetail
from deskterm.services.core.errors import DesktermError
from deskterm.tui.base.desk_app import alive, desk_app
from deskterm.tui.base.messages import DeskChanged
from deskterm.tui.base.permitted import PermittedActions
from deskterm.tui.base.render import safe
from deskterm.tui.changes.helpers import (
    COLLISION,
    TYPE_LABEL,
    UNAUTHORISED,
    priority_style,
    shows_unauthorised,
    step_back,
    step_forward,
    window_text,
)
from deskterm.tui.widgets.status_line import StatusLine

DECISION_MARK = {"approve": "✔ approve", "reject": "✖ reject", "abstain": "· abstain"}


def open_change(app: Any, ref: str) -> None:
    try:
        key = str(parse_ref(ref))
    except RefError:
        key = ref.strip().upper()
    app.open_screen(ChangeDetailScreen(ref), f"change:{key}")


def when(at: datetime | None) -> str:
    return f"{at.astimezone():%Y-%m-%d %H:%M}" if at is not None else "-"


def _grid(label_width: int) -> Table:
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="bold", no_wrap=True, width=label_width)
    grid.add_column(ratio=1)
    return grid


def _value(value: str | None, *, multiline: bool = False) -> Text:
    if value is None or not value.strip():
        return Text("— missing", "bold italic")
    text = safe(value, multiline=multiline)
    text.no_wrap = False
    return text


def _section(title: str, *, first: bool = False) -> Text:
    heading = Text("" if first else "\n")
    heading.append(title, "bold underline")
    return heading


def _labelled(label: str, value: str, style: str = "") -> Text:
    """``Label: value`` with only the label bold; the value is untrusted text."""
    line = Text()
    line.append(label, "bold")
    line.append_text(safe(value, style))
    line.no_wrap = False
    return line


STEP_WORDS = {
    ChangeState.DRAFT: "] submit",
    ChangeState.AUTHORISATION: "v vote · ] decide",
    ChangeState.SCHEDULED: "] implement",
    ChangeState.IMPLEMENTING: "] review",
    ChangeState.REVIEW: "] close",
}


def next_steps(view: ChangeDetail) -> str:
    """What the keys do next on this change, from the moves its workflow allows."""
    forward = step_forward(view.type, view.state)
    if view.state is ChangeState.ASSESSMENT and forward is not None:
        words = f"] to {forward.value}"
    elif forward is not None:
        words = STEP_WORDS.get(view.state, f"] to {forward.value}")
    else:
        words = "finished" if not view.state.is_open else ""
    if view.type is ChangeType.EMERGENCY and view.state is ChangeState.AUTHORISATION:
        words += " · i implement now"
    back = step_back(view.type, view.state)
    if back is not None:
        words += f" · [ back to {back.value}"
    if view.state.is_open and view.state not in (ChangeState.IMPLEMENTING, ChangeState.REVIEW):
        words += " · s window"
    return words


def header(view: ChangeDetail) -> Group:
    top = Text()
    top.append(f"{view.ref} ", "bold")
    top.append(TYPE_LABEL[view.type], "bold" if view.type is ChangeType.EMERGENCY else "")
    top.append(" ")
    top.append(view.priority.value, priority_style(view.priority.value))
    top.append(f" {view.state.value}", "bold")
    if view.outcome:
        top.append(f" ({view.outcome.value})")
    if shows_unauthorised(view):
        top.append(f" {UNAUTHORISED}", "bold reverse")
    if view.collisions:
        top.append(
            f"  {COLLISION} {len(view.collisions)} collision{'s' if len(view.collisions) > 1 else ''}", "bold"
        )
    top.append(f"  v{view.version}", "dim")
    title = safe(view.title)
    title.no_wrap = False
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="bold", no_wrap=True, width=8)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(style="bold", no_wrap=True, width=8)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    head = Table.grid(padding=(0, 1), expand=True)
    head.add_column(style="bold", no_wrap=True, width=8)
    head.add_column(ratio=1)
    head.add_row("Title", title)  # what is read first: the whole width, wrapped, never cut
    grid.add_row(
        "Window",
        Text(window_text(view.planned_start, view.planned_end)),
        "Approval",
        Text(f"{view.approval_level.value} (risk {view.risk.value})"),
    )
    grid.add_row(
        "CIs",
        safe(", ".join(view.cis) or "-"),
        "Services",
        safe(", ".join(view.services) or "-"),
    )
    grid.add_row(
        "Implem.",
        safe(view.implementer or "-"),
        "CAB",
        safe(f"{view.cab} ({view.cab_rule.value if view.cab_rule else '-'})" if view.cab else "-"),
    )
    tail = Table.grid(padding=(0, 1), expand=True)
    tail.add_column(style="bold", no_wrap=True, width=8)
    tail.add_column(ratio=1)
    tail.add_row("Next", Text(next_steps(view), "italic"))
    return Group(top, head, grid, tail)


def seven_rs(view: ChangeDetail) -> list[RenderableType]:
    grid = _grid(12)
    relationship = (
        Text("none (stated)")
        if view.no_relationship and not view.relationships
        else _value(", ".join(view.relationships) or None)
    )
    rows: list[tuple[str, Text]] = [
        ("Raised by", _value(view.raised_by)),
        ("Reason", _value(view.reason, multiline=True)),
        ("Return", _value(view.expected_return, multiline=True)),
        ("Risks", _value(view.risks, multiline=True)),
        ("Resources", _value(view.resources, multiline=True)),
        ("Responsible", _value(view.responsible, multiline=True)),
        ("Relationship", relationship),
    ]
    for label, value in rows:
        grid.add_row(label, value)
    out: list[RenderableType] = [_section("The 7 Rs", first=True), grid]
    if view.missing and view.state in (ChangeState.DRAFT, ChangeState.ASSESSMENT):
        out.append(Text(f"To submit it still needs: {', '.join(view.missing)}", "bold"))
    return out


def assessment(view: ChangeDetail) -> list[RenderableType]:
    grid = _grid(12)
    grid.add_row(
        "Priority",
        Text(f"{view.priority.value} from impact {view.impact.value} x urgency {view.urgency.value}"),
    )
    grid.add_row(
        "Risk",
        Text(
            f"{view.risk.value}: business risk {view.business_risk.value}, financial "
            f"{view.financial.value}, scope {view.scope.value}"
        ),
    )
    grid.add_row(
        "Approval",
        Text(view.approval_level.value + (f" (template {view.template})" if view.template else "")),
    )
    if view.description.strip():
        grid.add_row("Description", _value(view.description, multiline=True))
    return [_section("Assessment"), grid]


def plans(view: ChangeDetail) -> list[RenderableType]:
    grid = _grid(12)
    grid.add_row("Implement", _value(view.implementation_plan, multiline=True))
    grid.add_row("Backout", _value(view.backout_plan, multiline=True))
    grid.add_row("Test", _value(view.test_plan, multiline=True))
    return [_section("Plans"), grid]


def schedule_block(view: ChangeDetail) -> list[RenderableType]:
    out: list[RenderableType] = [_section("Schedule and collisions")]
    line = Text(f"planned {when(view.planned_start)} → {when(view.planned_end)}")
    if view.actual_start:
        line.append(f"   actual {when(view.actual_start)} → {when(view.actual_end)}")
    out.append(line)
    if not view.collisions:
        out.append(Text("No collisions." if view.planned_start else "No window yet: s schedules it.", "dim"))
    for c in view.collisions:
        out.append(_labelled(f"{COLLISION} {c.kind.value} ", c.explanation))
    out.append(
        _labelled("Projected outage: ", ", ".join(view.outage_services) or "no service fed by its CIs")
    )
    return out


def cab_block(view: ChangeDetail) -> list[RenderableType]:
    out: list[RenderableType] = [_section("CAB")]
    if view.cab is None:
        out.append(
            Text(
                "No CAB yet: submitting it sends it to one."
                if view.approval_level.needs_votes or view.type is not ChangeType.STANDARD
                else "Pre-approved (standard change).",
                "dim",
            )
        )
    else:
        rule = view.cab_rule.value if view.cab_rule else "-"
        line = safe(f"{view.cab} · rule {rule} · manager {view.cab_manager or '-'}")
        line.append(" · recommendation ")
        line.append(view.cab_outcome.value if view.cab_outcome else "-", "bold")
        out.append(line)
    for v in view.votes:
        row = Text(f"{when(v.at)} ", "dim")
        row.append_text(safe(v.voter, "bold"))
        row.append(f" {DECISION_MARK.get(v.decision.value, v.decision.value)}")
        if v.comment:
            row.append(": ")
            row.append_text(safe(v.comment))
        row.no_wrap = False
        out.append(row)
    if view.decided_by:
        row = _labelled("Decided by ", view.decided_by)
        row.append(" (authorised)" if view.authorised else "")
        if view.decision_comment:
            row.append(": ")
            row.append_text(safe(view.decision_comment))
        row.no_wrap = False
        out.append(row)
    return out


def review_block(view: ChangeDetail) -> list[RenderableType]:
    out: list[RenderableType] = [_section("Incidents and review")]
    out.append(_labelled("Caused incidents: ", ", ".join(view.incidents) or "none linked"))
    r = view.review
    if r is None:
        out.append(
            Text(
                "Review: required before closing" if view.review_required else "Review: none yet",
                "bold" if view.review_required else "dim",
            )
        )
        return out
    grid = _grid(12)
    grid.add_row("Outcome", Text(f"{r.outcome.value} (by {r.reviewer}, {when(r.at)})"))
    grid.add_row("Lessons", _value(r.lessons, multiline=True))
    flag = {True: "yes", False: "no", None: "not known"}
    grid.add_row(
        "Benefits", Text(f"realised: {flag[r.benefits_realised]}; within cost: {flag[r.within_cost]}")
    )
    out.append(grid)
    return out


def timeline(view: ChangeDetail) -> list[RenderableType]:
    out: list[RenderableType] = [_section("Timeline")]
    created = Text(f"{when(view.created_at)} ", "dim")
    created.append_text(safe(view.created_by))
    created.append(" raised the change")
    out.append(created)
    for h in view.timeline:
        if h.field == "created":
            continue
        line = Text(f"{when(h.at)} ", "dim")
        line.append_text(safe(h.actor))
        line.append(f" {h.field.replace('_', ' ')}: ")
        line.append_text(safe(h.old or "-"))
        line.append(" → ")
        line.append_text(safe(h.new or "-", "bold"))
        line.no_wrap = False
        out.append(line)
    return out


def body(view: ChangeDetail) -> Group:
    return Group(
        *seven_rs(view),
        *assessment(view),
        *plans(view),
        *schedule_block(view),
        *cab_block(view),
        *review_block(view),
        *timeline(view),
    )


#: Keys that move or edit a change (``act(...)``): any staff role; the decision needs more.
WRITES = ("forward", "back", "schedule", "implement", "review", "close", "cancel", "link")


class ChangeDetailScreen(PermittedActions):
    HELP_TITLE = "change"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="change.back"),
        Binding("right_square_bracket", "act('forward')", "Next step", id="change.forward"),
        Binding("left_square_bracket", "act('back')", "Step back", show=False, id="change.step_back"),
        Binding("v", "act('vote')", "Vote", id="change.vote"),
        Binding("d", "act('decide')", "Decide", id="change.decide"),
        Binding("s", "act('schedule')", "Schedule", id="change.schedule"),
        Binding("i", "act('implement')", "Implement", show=False, id="change.implement"),
        Binding("r", "act('review')", "Review", id="change.review"),
        Binding("C", "act('close')", "Close", show=False, id="change.close"),
        Binding("x", "act('cancel')", "Cancel change", show=False, id="change.cancel"),
        Binding("X", "act('reject')", "Reject", show=False, id="change.reject"),
        Binding("L", "act('link')", "Link incident", show=False, id="change.link"),
        Binding("e", "edit", "Edit", id="change.edit"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="change.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="change.up"),
        Binding("pagedown", "scroll(10)", "Page down", show=False, id="change.page_down"),
        Binding("pageup", "scroll(-10)", "Page up", show=False, id="change.page_up"),
    ]
    PERMITTED: ClassVar = {
        **{f"act({what!r})": Action.CHANGE_WRITE for what in WRITES},
        "edit": Action.CHANGE_WRITE,
        "act('vote')": Action.CHANGE_VOTE,
        "act('decide')": Action.CHANGE_DECIDE,
        "act('reject')": Action.CHANGE_DECIDE,
    }

    def __init__(self, ref: str) -> None:
        super().__init__(classes="change-detail-screen")
        self.ref = ref
        self.view: ChangeDetail | None = None

    def compose(self) -> ComposeResult:
        yield StatusLine(desk_app(self).desk.short_url)
        yield Static(Text("Loading…", "dim"), id="change-header")
        with VerticalScroll(id="change-body"):
            yield Static(id="change-sections")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StatusLine).pulse = getattr(self.app, "pulse", None)
        self.query_one("#change-body").focus()
        self.load()

    def load(self) -> None:
        desk = desk_app(self).desk

        def work() -> None:
            try:
                view = changes.get_change(desk, self.ref)
            except DesktermError as exc:
                self.app.call_from_thread(alive(self, self._failed), exc.message)
                return
            self.app.call_from_thread(alive(self, self._show), view)

        self.run_worker(work, thread=True, exclusive=True, group="change-load")

    def _failed(self, message: str) -> None:
        self.notify(message, severity="error", timeout=8)
        if self.view is None and self.app.screen is self:
            self.app.pop_screen()  # nothing to show: back where the ref was typed

    def _show(self, view: ChangeDetail) -> None:
        self.view = view
        self.ref = view.ref
        self.query_one("#change-header", Static).update(header(view))
        self.query_one("#change-sections", Static).update(body(view))
        self.refresh_bindings()

    def check_more(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        """The next step of a change awaiting authorisation is its decision."""
        deciding = self.view is not None and self.view.state is ChangeState.AUTHORISATION
        if action == "act" and parameters == ("forward",) and deciding:
            return self.may(Action.CHANGE_DECIDE)
        return True

    def on_desk_changed(self, message: DeskChanged) -> None:
        self.query_one(StatusLine).pulse = message.pulse
        self.load()

    def action_scroll(self, step: int) -> None:
        self.query_one("#change-body", VerticalScroll).scroll_relative(y=step, animate=False)

    def action_act(self, what: str) -> None:
        if self.view is None:
            return
        from deskterm.tui.changes.change_actions import run_change_action

        run_change_action(self, what, self.view, self.done)

    def action_edit(self) -> None:
        if self.view is None:
            return
        from deskterm.tui.changes.raise_change import edit_change_dialog

        self.app.push_screen(
            edit_change_dialog(desk_app(self).desk, self.view),
            lambda message: self.done(message, self.ref) if message else self.load(),
        )

    def done(self, message: str, ref: str | None = None) -> None:
        self.notify(message, timeout=6)
        self.load()
