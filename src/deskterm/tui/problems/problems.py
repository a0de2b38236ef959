"""Problem management on screen: the problems list (mode ``problems``, key 4, ``:prb``), the
problem detail with its incidents, root cause, workaround, known error and fixing change, a
known error's detail, and the KEDB search dialog that applies a known error to an incident.

Every database call runs in a thread worker; every write carries the version the agent saw.
State reads by symbol and word (○ new ◔ investigating ◑ known-error ● resolved ✔ closed).
"""

from collections.abc import Callable
from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from deskterm.domain.core.refs import RefError, RefKind, parse_ref
from deskterm.domain.core.vocabulary import Level
from deskterm.domain.problems.problem import KnownErrorStatus, ProblemStatus
from deskterm.services.core import search
from deskterm.services.core.commands import validate
from deskterm.services.core.errors import DesktermError
from deskterm.services.core.views import AuditView, TicketView
from deskterm.services.problems import kedb, problems
from deskterm.services.problems.problems import (
    ProblemRow,
    ProblemView,
    RaiseProblem,
    RecordKnownError,
    UpdateProblem,
)
from deskterm.tui.base.dialog import DeskDialog
from deskterm.tui.base.form import Field, FormDialog
from deskterm.tui.base.messages import DeskChanged
from deskterm.tui.base.render import cell, safe
from deskterm.tui.base.screens import DeskScreen
from deskterm.tui.problems.kedb_panel import hit_line
from deskterm.tui.widgets.status_line import StatusLine

LEVELS = [(lvl.value, lvl.value) for lvl in Level]
WIDE = 100
# (key, label, statuses, open only)
VIEWS: list[tuple[str, str, tuple[ProblemStatus, ...], bool]] = [
    ("open", "Open", (), True),
    ("known", "Known errors", (ProblemStatus.KNOWN_ERROR,), False),
    ("done", "Resolved/closed", (ProblemStatus.RESOLVED, ProblemStatus.CLOSED), False),
    ("all", "All", (), False),
]


def state(status: ProblemStatus) -> Text:
    style = {"new": "bold", "investigating": "", "known-error": "bold", "resolved": "dim", "closed": "dim"}
    return Text(f"{status.symbol} {status.value}", style[status.value])


def priority_text(value: str) -> Text:
    return Text(value, "bold reverse" if value in ("P1", "P2") else "bold")


def local(at: Any) -> str:
    return f"{at.astimezone():%m-%d %H:%M}" if at is not None else "-"


def open_record(app: Any, text: str) -> None:
    """``:PRB-3`` and ``:KE-2`` from the command line: the detail screen, or a notice why not."""
    try:
        ref = parse_ref(text)
    except RefError as exc:
        app.notify(str(exc), severity="warning", timeout=6)
        return
    desk = app.desk

    def work() -> None:
        try:
            if ref.kind is RefKind.PRB:
                found = problems.problem_exists(desk, str(ref))
            elif ref.kind is RefKind.KE:
                found = kedb.known_error_exists(desk, str(ref))
            else:
                app.call_from_thread(app.open_ticket, str(ref))
                return
        except DesktermError as exc:
            app.call_from_thread(app.notify, exc.message, severity="warning", timeout=6)
            return
        app.call_from_thread(show_record, app, found)

    app.run_worker(work, thread=True, group="open-record")


def show_record(app: Any, ref: str) -> None:
    """On the UI thread: the problem or known error screen (brought back if already open)."""
    if ref.upper().startswith("KE"):
        app.open_screen(KnownErrorScreen(ref), f"ke:{ref}")
    else:
        app.open_screen(ProblemScreen(ref), f"problem:{ref}")


def is_problem_ref(text: str) -> bool:
    try:
        return parse_ref(text).kind in (RefKind.PRB, RefKind.KE)
    except RefError:
        return False


# -- the list ------------------------------------------------------------------------------


class ProblemFilter(Input):
    """The ``/`` box: enter goes back to the list, escape clears."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "done", "Done", show=False, id="problems.filter_done"),
        Binding("escape", "clear", "Clear filter", show=False, id="problems.filter_clear"),
    ]

    def action_done(self) -> None:
        self.screen.query_one("#problems-table").focus()

    def action_clear(self) -> None:
        self.screen.action_clear_filter()  # type: ignore[attr-defined]


class ProblemsScreen(DeskScreen):
    HELP_TITLE = "problems"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="problems.open"),
        Binding("n", "raise_problem", "Raise", id="problems.raise"),
        Binding("slash", "filter", "Filter", id="problems.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="problems.clear_filter"),
        Binding("v", "view(1)", "Next view", id="problems.next_view"),
        Binding("V", "view(-1)", "Previous view", show=False, id="problems.prev_view"),
        Binding("K", "kedb", "KEDB", id="problems.kedb"),
        Binding("j", "cursor(1)", "Down", show=False, id="problems.down"),
        Binding("k", "cursor(-1)", "Up", show=False, id="problems.up"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="problems.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__(classes="problems-screen")
        self.view_index = 0
        self.text = ""
        self.rows: list[ProblemRow] = []

    def compose_body(self) -> ComposeResult:
        yield Static(id="problems-bar")
        yield DataTable(id="problems-table", cursor_type="row", zebra_stripes=True)
        yield ProblemFilter(placeholder="filter: ref, title, service, CI", id="problems-filter")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#problems-filter").display = False
        self.table.focus()
        self.load()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#problems-table", DataTable)

    def load(self) -> None:
        desk = self.app.desk  # type: ignore[attr-defined]
        _, _, statuses, open_only = VIEWS[self.view_index]
        text = self.text

        def work() -> None:
            try:
                rows = problems.list_problems(desk, statuses=statuses, open_only=open_only, text=text)
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error")
                return
            self.app.call_from_thread(self._fill, rows)

        self.run_worker(work, thread=True, exclusive=True, group="problems-load")

    def _columns(self) -> list[tuple[str, int]]:
        width = self.size.width or self.app.size.width
        cols = [("Ref", 6), ("Pri", 3), ("State", 15), ("Open/Inc", 8), ("KE", 5)]
        if width >= WIDE:
            cols += [("Service", 14), ("Group", 14)]
        used = sum(w for _, w in cols) + 2 * (len(cols) + 1) + 2
        return [*cols, ("Title", max(10, width - used))]

    def _fill(self, rows: list[ProblemRow]) -> None:
        table = self.table
        current = self.rows[table.cursor_row].ref if self.rows and table.cursor_row < len(self.rows) else None
        self.rows = rows
        table.clear(columns=True)
        columns = self._columns()
        for name, width in columns:
            table.add_column(name, width=width, key=name)
        for r in rows:
            cells: list[RenderableType] = [
                Text(r.ref, "bold"),
                priority_text(r.priority.value),
                state(r.status),
                Text(f"{r.open_incidents}/{r.incidents}" if r.incidents else "-"),
                Text(r.known_error or "-"),
            ]
            if len(columns) == 8:
                cells += [cell(r.service or "-", 14), cell(r.group or "-", 14)]
            cells.append(cell(r.title, columns[-1][1]))
            table.add_row(*cells, key=r.ref)
        refs = [r.ref for r in rows]
        if current in refs:
            table.move_cursor(row=refs.index(current))
        self._bar()

    def _bar(self) -> None:
        bar = Text()
        for i, (_, label, _, _) in enumerate(VIEWS):
            if i == self.view_index:
                bar.append(f"[{label}]", "bold reverse")
            else:
                bar.append(f" {label} ", "dim")
        bar.append(f"  {len(self.rows)} problem{'s' if len(self.rows) != 1 else ''}")
        if self.text:
            bar.append("  /")
            bar.append_text(safe(self.text, "bold"))
        self.query_one("#problems-bar", Static).update(bar)

    def on_resize(self) -> None:
        if self.rows:
            self._fill(self.rows)

    def on_desk_changed(self, message: DeskChanged) -> None:
        self.query_one(StatusLine).pulse = message.pulse
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    @on(Input.Changed, "#problems-filter")
    def _filter(self, event: Input.Changed) -> None:
        self.text = event.value
        self.load()

    @on(DataTable.RowSelected, "#problems-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_filter(self) -> None:
        box = self.query_one("#problems-filter", Input)
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#problems-filter", Input)
        if box.value:
            box.value = ""
        box.display = False
        self.table.focus()

    def action_view(self, step: int) -> None:
        self.view_index = (self.view_index + step) % len(VIEWS)
        self.load()

    def action_cursor(self, step: int) -> None:
        table = self.table
        table.move_cursor(row=max(0, table.cursor_row + step))

    def action_refresh(self) -> None:
        self.load()

    def action_open(self) -> None:
        if self.rows and self.table.cursor_row < len(self.rows):
            show_record(self.app, self.rows[self.table.cursor_row].ref)

    def action_raise_problem(self) -> None:
        raise_dialog(self, incidents="")

    def action_kedb(self) -> None:
        def chosen(ref: str | None) -> None:
            if ref:
                show_record(self.app, ref)

        self.app.push_screen(KedbSearchDialog(), chosen)


def raise_dialog(screen: Any, *, incidents: str, title: str = "", service: str = "") -> None:
    """The raise form; the new problem opens when it is saved."""
    desk = screen.app.desk
    raised: list[str] = []

    def submit(v: dict[str, Any]) -> str:
        view = problems.raise_problem(
            desk,
            validate(
                RaiseProblem,
                title=v["title"],
                incidents=tuple(v["incidents"].replace(",", " ").split()),
                service=v["service"] or None,
                ci=v["ci"] or None,
                impact=v["impact"],
                urgency=v["urgency"],
                group=v["group"] or None,
                description=v["description"],
            ),
        )
        raised.append(view.ref)
        linked = (
            f" with {view.incidents} incident{'s' if view.incidents != 1 else ''}" if view.incidents else ""
        )
        return f"Raised {view.ref}{linked}"

    def finished(message: str | None) -> None:
        if message and raised:
            screen.app.notify(message, timeout=5)
            show_record(screen.app, raised[0])
            screen.app.changed_here()

    fields = [
        Field("title", "Title: the fault behind the incidents", value=title),
        Field("incidents", "Incidents it caused (refs; they go pending, reason problem)", value=incidents,
              placeholder="INC-12 INC-13"),
        Field("service", "Service", "select", value=service,
              load=lambda: _options(search.services(desk, "", limit=50))),
        Field("ci", "Configuration item", "select",
              load=lambda: _options(search.cis(desk, "", None, limit=200))),
        Field("impact", "Impact", "select", LEVELS, value="medium"),
        Field("urgency", "Urgency", "select", LEVELS, value="medium"),
        Field("group", "Owner group (root cause analysis)", "select",
              load=lambda: _options(search.groups(desk, min_tier=1, limit=50))),
        Field("description", "Description", "area"),
    ]  # fmt: skip
    screen.app.push_screen(FormDialog("Raise a problem", fields, submit), finished)


def _options(found: list[search.Suggestion]) -> list[tuple[str, str]]:
    return [(s.label, s.key) for s in found]


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


class ProblemScreen(Screen[None]):
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

    def __init__(self, ref: str) -> None:
        super().__init__(classes="problem-screen")
        self.ref = ref
        self.view: ProblemView | None = None

    def compose(self) -> ComposeResult:
        yield StatusLine(self.app.desk.short_url)  # type: ignore[attr-defined]
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
        desk = self.app.desk  # type: ignore[attr-defined]

        def work() -> None:
            try:
                view = problems.get_problem(desk, self.ref)
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error")
                return
            self.app.call_from_thread(self._show, view)

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
        self.app.open_ticket(self.view.linked[table.cursor_row].ref)  # type: ignore[attr-defined]

    def action_done(self, message: str) -> None:
        self.notify(message, timeout=5)
        self.load()
        self.app.changed_here()  # type: ignore[attr-defined]

    def action_act(self, what: str) -> None:
        if self.view is not None:
            problem_action(self, what, self.view)


def problem_action(screen: ProblemScreen, what: str, view: ProblemView) -> None:
    """Open the form for ``what``; each write carries the version on screen."""
    desk = screen.app.desk  # type: ignore[attr-defined]
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

    desk = screen.app.desk  # type: ignore[attr-defined]

    def answered(yes: bool | None) -> None:
        if not yes:
            return

        def work() -> None:
            try:
                before = problems.get_problem(desk, ref)
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


# -- a known error -------------------------------------------------------------------------


def known_error_body(view: kedb.KnownErrorView) -> Group:
    top = Text()
    top.append(f"{view.ref} ", "bold")
    top.append("● active" if view.status is KnownErrorStatus.ACTIVE else "✖ retired", "bold")
    top.append(f"  v{view.version}", "dim")
    title = safe(view.title, "bold")
    title.no_wrap = False
    grid = _grid()
    grid.add_row("Services", safe(", ".join(view.services) or "-"), "CIs", safe(", ".join(view.cis) or "-"))
    problem = f"{view.problem} ({view.problem_status.value})" if view.problem and view.problem_status else "-"
    grid.add_row("Problem", safe(problem), "Applied", safe(", ".join(view.incidents[:6]) or "-"))
    keywords = Text.assemble(("Keywords ", "bold"))
    keywords.append_text(safe(", ".join(view.keywords) or "-"))
    return Group(
        top,
        title,
        grid,
        keywords,
        Text(""),
        section("Symptom", view.symptom, "-"),
        Text(""),
        section("Root cause", view.root_cause, "-"),
        Text(""),
        section("Workaround", view.workaround, "-"),
        Text(""),
        history_text(view.history),
    )


class KnownErrorScreen(Screen[None]):
    HELP_TITLE = "known error"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="known_error.back"),
        Binding("p", "problem", "Open problem", id="known_error.problem"),
        Binding("r", "retire", "Retire/activate", id="known_error.retire"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="known_error.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="known_error.up"),
    ]

    def __init__(self, ref: str) -> None:
        super().__init__(classes="known-error-screen")
        self.ref = ref
        self.view: kedb.KnownErrorView | None = None

    def compose(self) -> ComposeResult:
        yield StatusLine(self.app.desk.short_url)  # type: ignore[attr-defined]
        with VerticalScroll(id="known-error-body"):
            yield Static(id="known-error-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StatusLine).pulse = getattr(self.app, "pulse", None)
        self.query_one("#known-error-body").focus()
        self.load()

    def load(self) -> None:
        desk = self.app.desk  # type: ignore[attr-defined]

        def work() -> None:
            try:
                view = kedb.get_known_error(desk, self.ref)
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error")
                return
            self.app.call_from_thread(self._show, view)

        self.run_worker(work, thread=True, exclusive=True, group="known-error-load")

    def _show(self, view: kedb.KnownErrorView) -> None:
        self.view = view
        self.query_one("#known-error-text", Static).update(known_error_body(view))

    def action_scroll(self, step: int) -> None:
        self.query_one("#known-error-body", VerticalScroll).scroll_relative(y=step, animate=False)

    def action_problem(self) -> None:
        if self.view is not None and self.view.problem:
            show_record(self.app, self.view.problem)
        elif self.view is not None:
            self.notify(f"{self.view.ref} was recorded without a problem.", timeout=4)

    def action_retire(self) -> None:
        if self.view is None:
            return
        desk = self.app.desk  # type: ignore[attr-defined]
        target = (
            KnownErrorStatus.RETIRED
            if self.view.status is KnownErrorStatus.ACTIVE
            else KnownErrorStatus.ACTIVE
        )

        def work() -> None:
            try:
                view = kedb.set_status(desk, self.ref, target)
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error")
                return
            self.app.call_from_thread(self._show, view)
            self.app.call_from_thread(self.notify, f"{view.ref} is {view.status.value}", timeout=4)

        self.run_worker(work, thread=True, group="known-error-retire")


# -- searching the KEDB, applying a known error ---------------------------------------------


class KedbQuery(Input):
    """The search box: up and down move through the matches below it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "step(1)", "Next match", show=False, id="kedb.next"),
        Binding("up", "step(-1)", "Previous match", show=False, id="kedb.previous"),
    ]

    def action_step(self, step: int) -> None:
        self.screen.step(step)  # type: ignore[attr-defined]


class KedbSearchDialog(DeskDialog[str | None]):
    """Search the KEDB as you type. With a ticket, ``enter`` applies the highlighted known error
    to it (ctrl+t also sends the workaround to the caller); without, ``enter`` opens it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="kedb.cancel"),
        Binding("ctrl+t", "tell", "Tell the caller", id="kedb.tell"),
    ]

    def __init__(self, ticket: TicketView | None = None) -> None:
        super().__init__(classes="dialog-screen kedb-dialog")
        self.ticket = ticket
        self.hits: list[kedb.KnownErrorHit] = []
        self.tell = False
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="kedb-box"):
            if self.ticket is not None:
                head = Text.assemble((f"Apply a known error to {self.ticket.ref}", "bold"))
            else:
                head = Text.assemble(("Search the known error database", "bold"))
            yield Label(head, id="kedb-title")
            yield KedbQuery(placeholder="symptoms, error codes, 中文也可以", id="kedb-query")
            yield OptionList(id="kedb-hits")
            yield Static(id="kedb-detail")
            yield Label("", id="kedb-keys", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#kedb-hits").can_focus = False
        box = self.query_one("#kedb-query", Input)
        if self.ticket is not None:
            box.value = self.ticket.title
        box.focus()
        self._keys()
        if box.value:
            self._search(box.value)

    def _keys(self) -> None:
        if self.ticket is None:
            keys = "type to search · ↑↓ choose · enter open · escape cancel"
        else:
            tell = "[x]" if self.tell else "[ ]"
            keys = f"↑↓ choose · enter apply · ctrl+t {tell} send workaround to caller · escape"
        self.query_one("#kedb-keys", Label).update(Text(keys))

    @on(Input.Changed, "#kedb-query")
    def _typed(self, event: Input.Changed) -> None:
        self._search(event.value)

    def _search(self, text: str) -> None:
        desk = self.app.desk  # type: ignore[attr-defined]
        service = self.ticket.service if self.ticket else None
        ci = self.ticket.ci if self.ticket else None

        def work() -> None:
            try:
                hits = kedb.search(desk, text, service=service, ci=ci, limit=8, typing=True)
            except DesktermError:
                hits = []
            self.app.call_from_thread(self._show, text, hits)

        self.run_worker(work, thread=True, exclusive=True, group="kedb-dialog-search")

    def _show(self, text: str, hits: list[kedb.KnownErrorHit]) -> None:
        if text != self.query_one("#kedb-query", Input).value:
            return
        self.hits = hits
        options = self.query_one("#kedb-hits", OptionList)
        options.clear_options()
        width = max(20, (options.size.width or 70) - 2)
        options.add_options([Option(hit_line(h, width=width), id=h.ref) for h in hits])
        if hits:
            options.highlighted = 0
        self._detail()

    def step(self, delta: int) -> None:
        options = self.query_one("#kedb-hits", OptionList)
        if not self.hits:
            return
        options.highlighted = max(0, min(len(self.hits) - 1, (options.highlighted or 0) + delta))
        self._detail()

    def _detail(self) -> None:
        detail = self.query_one("#kedb-detail", Static)
        current = self.current
        if current is None:
            typed = self.query_one("#kedb-query", Input).value.strip()
            detail.update(Text("no known error matches" if typed else "", "dim"))
            return
        out = Text.assemble(("Workaround\n", "bold"))
        out.append_text(safe(current.workaround, multiline=True))
        if current.problem:
            out.append(f"\nProblem {current.problem}", "dim")
        detail.update(out)

    @property
    def current(self) -> kedb.KnownErrorHit | None:
        options = self.query_one("#kedb-hits", OptionList)
        if not self.hits or options.highlighted is None:
            return None
        return self.hits[min(options.highlighted, len(self.hits) - 1)]

    def action_tell(self) -> None:
        if self.ticket is not None:
            self.tell = not self.tell
            self._keys()

    @on(Input.Submitted, "#kedb-query")
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        current = self.current
        if current is None or self.busy:
            return
        if self.ticket is None:
            self.dismiss(current.ref)
            return
        self.busy = True
        desk = self.app.desk  # type: ignore[attr-defined]
        ticket, tell = self.ticket, self.tell

        def work() -> None:
            try:
                done = kedb.apply_known_error(
                    desk, current.ref, ticket.ref, notify_caller=tell, expected_version=ticket.version
                )
            except DesktermError as exc:
                self.app.call_from_thread(self._failed, exc.message)
                return
            said = f"{done.known_error} applied: workaround recorded"
            if done.problem:
                said += f", linked to {done.problem}"
            if done.notified:
                said += ", caller updated"
            self.app.call_from_thread(self.dismiss, said)

        self.run_worker(work, thread=True, group="kedb-apply")

    def _failed(self, message: str) -> None:
        self.busy = False
        self.notify(message, severity="error", timeout=8)


def apply_known_error(screen: Any, view: TicketView) -> None:
    """``K`` on an incident: search the KEDB (its service and CI first) and apply one."""
    if view.kind.value != "incident":
        screen.notify("Known errors apply to incidents, not service requests.", timeout=4)
        return
    if not view.status.is_open:
        screen.notify(f"{view.ref} is {view.status.value}; reopen it to apply a workaround.", timeout=4)
        return

    def finished(message: str | None) -> None:
        if message:
            screen.action_done(message)

    screen.app.push_screen(KedbSearchDialog(view), finished)
