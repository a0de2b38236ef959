"""The problem detail: its incidents, root cause, workaround, known error and fixing change, and
the actions on it, each a form or a question run in a worker."""

from collections.abc import Callable
from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Label, Static

from deskterm.domain.core.permissions import Action
from deskterm.services.core import search
from deskterm.services.core.commands import validate
from deskterm.services.core.errors import DesktermError
from deskterm.services.core.views import AuditView
from deskterm.services.problems import problem_reads, problems
from deskterm.services.problems.problem_views import ProblemView, RecordKnownError, UpdateProblem
from deskterm.tui.base.desk_app import alive, desk_app
from deskterm.tui.base.form import Field, FormDialog
from deskterm.tui.base.messages import DeskChanged
from deskterm.tui.base.permitted import PermittedActions
from deskterm.tui.base.render import cell, safe
from deskterm.tui.problems.helpers import LEVELS, _options, local, priority_text, state
from deskterm.tui.widgets.status_line import StatusLine

# -- the detail ----------------------------------------------------------------------------


def _grid() -> Table:
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="bold", no_wrap=True, width=8)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(style="bold", no_wrap=True, width=8)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    return grid


def problem_header(view: ProblemView) -> Group:
    top = Text()
    top.append(f"{view.ref} ", "bold")
    top.append_text(priority_text(view.priority.value))
    top.append(" ")
    top.append_text(state(view.status))
    nxt = ", ".join(s.value for s in view.allowed_next) or "none (final)"
    top.append(f"  next: {nxt}", "dim")
    top.append(f"  v{view.version}", "dim")
    title = safe(view.title)
    title.no_wrap = False
    head = Table.grid(padding=(0, 1), expand=True)
    head.add_column(style="bold", no_wrap=True, width=8)
    head.add_column(ratio=1)
    head.add_row("Title", title)
    grid = _grid()
    grid.add_row("Service", safe(view.service or "-"), "CI", safe(view.ci or "-"))
    grid.add_row("Group", safe(view.group or "-"), "Owner", safe(view.assignee or "-"))
    grid.add_row(
        "Impact", f"{view.impact.value} x urgency {view.urgency.value}", "Opened", local(view.opened_at)
    )
    grid.add_row("KE", safe(", ".join(view.known_errors) or "-"), "Fix", safe(view.fixing_change or "-"))
    return Group(top, head, grid)


def section(title: str, body: str | None, empty: str) -> Text:
    out = Text.assemble((title + "\n", "bold"))
    if body and body.strip():
        out.append_text(safe(body, multiline=True))
    else:
        out.append(empty, "dim")
    return out


def history_text(history: list[AuditView]) -> Text:
    out = Text.assemble(("History", "bold"))
    for h in history:
        line = Text.assemble((f"\n{local(h.at)} ", "dim"))
        line.append_text(safe(h.actor))
        if h.field == "created":
            line.append(" raised it")
        else:
            line.append(f" {h.field}: ")
            line.append_text(safe((h.old or "-")[:60]))
            line.append(" → ")
            line.append_text(safe((h.new or "-")[:60], "bold"))
        out.append_text(line)
    return out


def problem_body(view: ProblemView) -> Group:
    parts: list[RenderableType] = [
        section("Root cause", view.root_cause, "not known yet: c records it"),
        Text(""),
        section("Workaround", view.workaround, "none yet: c records it"),
    ]
    if view.resolution or not view.status.is_open:
        parts += [Text(""), section("Resolution", view.resolution, "-")]
    if view.description.strip():
        parts += [Text(""), section("Description", view.description, "")]
    parts += [Text(""), history_text(view.history)]
    return Group(*parts)


class ProblemScreen(PermittedActions):
    HELP_TITLE = "problem"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="problem.back"),
        Binding("s", "act('state')", "State", id="problem.state"),
        Binding("c", "act('analysis')", "Root cause", id="problem.analysis"),
        Binding("l", "act('link')", "Link", id="problem.link"),
        Binding("K", "act('known_error')", "Known error", id="problem.known_error"),
        Binding("f", "act('fix')", "Fixing change", show=False, id="problem.fix"),
        Binding("e", "act('edit')", "Edit", show=False, id="problem.edit"),
        Binding("enter", "open_incident", "Open incident", show=False, id="problem.open_incident"),
        Binding("j", "scroll(1)", "Down", show=False, id="problem.down"),
        Binding("k", "scroll(-1)", "Up", show=False, id="problem.up"),
    ]
    #: Every change to a problem (state, root cause, links, known error, fix) is problem management.
    PERMITTED: ClassVar = {
        f"act({what!r})": Action.PROBLEM_MANAGE
        for what in ("state", "analysis", "link", "known_error", "fix", "edit")
    }

    def __init__(self, ref: str) -> None:
        super().__init__(classes="problem-screen")
        self.ref = ref
        self.view: ProblemView | None = None

    def compose(self) -> ComposeResult:
        yield StatusLine(desk_app(self).desk.short_url)
        yield Static(id="problem-header")
        yield Label("Incidents", id="problem-incidents-title")
        yield DataTable(id="problem-incidents", cursor_type="row")
        with VerticalScroll(id="problem-body"):
            yield Static(id="problem-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StatusLine).pulse = getattr(self.app, "pulse", None)
        table = self.query_one("#problem-incidents", DataTable)
        # Fixed widths (the title takes the rest of the app's width): a column sized from its
        # content would depend on whether the rows arrived before the first paint.
        for name, width in (("Ref", 8), ("Pri", 3), ("Status", 20), ("Title", self._title_width())):
            table.add_column(name, width=width, key=name)
        table.focus()
        self.load()

    def _title_width(self) -> int:
        return max(10, self.app.size.width - 8 - 3 - 20 - 2 * 5)

    def load(self) -> None:
        desk = desk_app(self).desk

        def work() -> None:
            try:
                view = problem_reads.get_problem(desk, self.ref)
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error")
                return
            self.app.call_from_thread(alive(self, self._show), view)

        self.run_worker(work, thread=True, exclusive=True, group="problem-load")

    def _show(self, view: ProblemView) -> None:
        before = self.view
        self.view = view
        self.query_one("#problem-header", Static).update(problem_header(view))
        self.query_one("#problem-text", Static).update(problem_body(view))
        title = Text.assemble(("Incidents ", "bold"))
        title.append(
            f"{view.open_incidents} open of {view.incidents}" if view.incidents else "none linked: l links"
        )
        self.query_one("#problem-incidents-title", Label).update(title)
        table = self.query_one("#problem-incidents", DataTable)
        table.display = bool(view.linked)
        row = table.cursor_row
        table.clear()
        width = self._title_width()
        for inc in view.linked:
            status = inc.status.value + (f" ({inc.pending_reason.value})" if inc.pending_reason else "")
            table.add_row(
                Text(inc.ref, "bold"),
                priority_text(inc.priority.value),
                Text(status, "" if inc.status.is_open else "dim"),
                cell(inc.title, width),
                key=inc.ref,
            )
        if view.linked:
            table.move_cursor(row=min(row, len(view.linked) - 1))
        if before is not None and before.version != view.version:
            self.notify(f"{view.ref} is now version {view.version}", timeout=3)

    def on_desk_changed(self, message: DeskChanged) -> None:
        self.query_one(StatusLine).pulse = message.pulse
        self.load()

    def on_screen_resume(self) -> None:
        if self.view is not None:
            self.load()

    def action_scroll(self, step: int) -> None:
        self.query_one("#problem-body", VerticalScroll).scroll_relative(y=step, animate=False)

    @on(DataTable.RowSelected, "#problem-incidents")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_incident()

    def action_open_incident(self) -> None:
        table = self.query_one("#problem-incidents", DataTable)
        if self.view is None or not self.view.linked:
            return
        desk_app(self).open_ticket(self.view.linked[table.cursor_row].ref)

    def action_done(self, message: str) -> None:
        self.notify(message, timeout=5)
        self.load()
        desk_app(self).changed_here()

    def action_act(self, what: str) -> None:
        if self.view is not None:
            problem_action(self, what, self.view)


def problem_action(screen: ProblemScreen, what: str, view: ProblemView) -> None:
    """Open the form for ``what``; each write carries the version on screen."""
    desk = desk_app(screen).desk
    ref, version = view.ref, view.version

    def update(message: str, **fixed: Any) -> Callable[[dict[str, Any]], str]:
        def submit(v: dict[str, Any]) -> str:
            data = {
                **fixed,
                **{k: (val or "") if isinstance(val, str) or val is None else val for k, val in v.items()},
            }
            problems.update_problem(desk, validate(UpdateProblem, ref=ref, expected_version=version, **data))
            return message

        return submit

    def ask(
        title: str, fields: list[Field], submit: Callable[[dict[str, Any]], str], then: Any = None
    ) -> None:
        def finished(message: str | None) -> None:
            if message:
                screen.action_done(message)
                if then is not None:
                    then()
            else:
                screen.load()

        screen.app.push_screen(FormDialog(title, fields, submit), finished)

    match what:
        case "state":
            if not view.allowed_next:
                screen.notify(f"{ref} is closed, which is final.", timeout=4)
                return
            options = [(f"{s.symbol} {s.value}", s.value) for s in view.allowed_next]
            moved: dict[str, str] = {}

            def move(v: dict[str, Any]) -> str:
                moved["to"] = str(v["status"] or "")
                data: dict[str, Any] = {"status": v["status"] or None}
                if v["resolution"].strip():
                    data["resolution"] = v["resolution"]
                problems.update_problem(
                    desk, validate(UpdateProblem, ref=ref, expected_version=version, **data)
                )
                return f"{ref} is now {moved['to']}"

            def offer() -> None:
                if moved.get("to") == "resolved" and view.open_incidents:
                    _offer_resolve(screen, ref, view.open_incidents)

            ask(
                f"Move {ref} on from {view.status.value}",
                [
                    Field("status", "To", "select", options, value=options[0][1]),
                    Field(
                        "resolution",
                        "Resolution (resolved: how the cause was removed; closed unfixed: why)",
                        "area",
                        value=view.resolution or "",
                    ),
                ],
                move,
                offer,
            )
        case "analysis":
            ask(
                f"Root cause analysis of {ref}",
                [
                    Field("root_cause", "Root cause", "area", value=view.root_cause or ""),
                    Field(
                        "workaround",
                        "Workaround (how users get going again)",
                        "area",
                        value=view.workaround or "",
                    ),
                ],
                update("root cause and workaround recorded"),
            )
        case "link":

            def link(v: dict[str, Any]) -> str:
                after = problems.link_incidents(
                    desk, ref, v["incidents"], pending=v["pending"] == "yes", expected_version=version
                )
                return f"{ref} now has {after.incidents} incident{'s' if after.incidents != 1 else ''}"

            ask(
                f"Link incidents to {ref}",
                [
                    Field(
                        "incidents",
                        "Incident refs, separated by spaces or commas",
                        placeholder="INC-12 INC-13",
                    ),
                    Field(
                        "pending",
                        "Set the open ones pending (reason problem)?",
                        "select",
                        [("yes", "yes"), ("no", "no")],
                        value="yes",
                    ),
                ],
                link,
            )
        case "known_error":

            def record(v: dict[str, Any]) -> str:
                ke = problems.record_known_error(
                    desk,
                    validate(
                        RecordKnownError,
                        problem=ref,
                        symptom=v["symptom"],
                        root_cause=v["root_cause"],
                        workaround=v["workaround"],
                        keywords=v["keywords"],
                    ),
                )
                return f"Recorded {ke} in the KEDB"

            ask(
                f"Record the known error of {ref}",
                [
                    Field("symptom", "Symptom (in the words users use)", "area"),
                    Field(
                        "keywords",
                        "Keywords and error codes, comma separated",
                        placeholder="0x800CCC0E, 断开",
                    ),
                    Field("root_cause", "Root cause", "area", value=view.root_cause or ""),
                    Field("workaround", "Workaround", "area", value=view.workaround or ""),
                ],
                record,
            )
        case "fix":
            ask(
                f"The change that removes the cause of {ref}",
                [
                    Field(
                        "fixing_change",
                        "Change ref (empty clears)",
                        value=view.fixing_change or "",
                        placeholder="CHG-12",
                    )
                ],
                update("fixing change recorded"),
            )
        case "edit":
            ask(
                f"Edit {ref}",
                [
                    Field("title", "Title", value=view.title),
                    Field("impact", "Impact", "select", LEVELS, value=view.impact.value),
                    Field("urgency", "Urgency", "select", LEVELS, value=view.urgency.value),
                    Field(
                        "group",
                        "Owner group",
                        "select",
                        value=view.group or "",
                        load=lambda: _options(search.groups(desk, min_tier=1, limit=50)),
                    ),
                    Field("assignee", "Problem owner (login; empty: nobody)", value=view.assignee or ""),
                ],
                update(f"{ref} updated"),
            )


def _offer_resolve(screen: ProblemScreen, ref: str, count: int) -> None:
    """Resolving a problem offers to resolve its open incidents with one resolution."""
    from deskterm.tui.base.confirm import ConfirmDialog

    desk = desk_app(screen).desk

    def answered(yes: bool | None) -> None:
        if not yes:
            return

        def work() -> None:
            try:
                before = problem_reads.get_problem(desk, ref)
                problems.update_problem(
                    desk,
                    validate(
                        UpdateProblem,
                        ref=ref,
                        status="resolved",
                        resolve_incidents=True,
                        expected_version=before.version,
                    ),
                )
            except DesktermError as exc:
                screen.app.call_from_thread(screen.notify, exc.message, severity="error", timeout=8)
                return
            done = before.open_incidents
            screen.app.call_from_thread(
                screen.action_done, f"Resolved {done} incident{'s' if done != 1 else ''} with {ref}"
            )

        screen.run_worker(work, thread=True, group="problem-resolve-incidents")

    plural = "s" if count != 1 else ""
    screen.app.push_screen(
        ConfirmDialog(
            f"{ref} is resolved. Resolve its {count} open incident{plural} too, with its resolution?"
        ),
        answered,
    )
