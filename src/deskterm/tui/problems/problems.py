"""Problem management on screen: the problems list (mode ``problems``, key 4, ``:prb``), the
problem detail with its incidents, root cause, workaround, known error and fixing change, a
known error's detail, and the KEDB search dialog that applies a known error to an incident.
This module is the list (and raising a problem); the detail (``problem_detail``), a known
error (``known_error``) and the KEDB search (``kedb_search``) live beside it.

Every database call runs in a thread worker; every write carries the version the agent saw.
State reads by symbol and word (○ new ◔ investigating ◑ known-error ● resolved ✔ closed).
"""

from typing import Any, ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input, Static

from deskterm.domain.core.permissions import Action
from deskterm.domain.core.refs import RefError, RefKind, parse_ref
from deskterm.domain.problems.problem import ProblemStatus
from deskterm.services.core import search
from deskterm.services.core.commands import validate
from deskterm.services.core.errors import DesktermError
from deskterm.services.problems import kedb, problem_reads, problems
from deskterm.services.problems.problem_views import ProblemRow, RaiseProblem
from deskterm.tui.base.desk_app import alive, desk_app
from deskterm.tui.base.form import Field, FormDialog
from deskterm.tui.base.messages import DeskChanged
from deskterm.tui.base.permitted import PermittedActions
from deskterm.tui.base.render import cell, safe
from deskterm.tui.base.screens import DeskScreen
from deskterm.tui.problems.helpers import LEVELS, WIDE, _options, priority_text, state
from deskterm.tui.problems.kedb_search import KedbSearchDialog
from deskterm.tui.problems.known_error import show_record
from deskterm.tui.widgets.status_line import StatusLine

# (key, label, statuses, open only)
VIEWS: list[tuple[str, str, tuple[ProblemStatus, ...], bool]] = [
    ("open", "Open", (), True),
    ("known", "Known errors", (ProblemStatus.KNOWN_ERROR,), False),
    ("done", "Resolved/closed", (ProblemStatus.RESOLVED, ProblemStatus.CLOSED), False),
    ("all", "All", (), False),
]


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
                found = problem_reads.problem_exists(desk, str(ref))
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


# -- the list ------------------------------------------------------------------------------


class ProblemFilter(Input):
    """The ``/`` box: enter goes back to the list, escape clears."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "done", "Done", show=False, id="problems.filter_done"),
        Binding("escape", "clear", "Clear filter", show=False, id="problems.filter_clear"),
    ]

    def action_done(self) -> None:
        self.screen.query_one("#problems-table").focus()

    async def action_clear(self) -> None:
        await self.run_action("screen.clear_filter")


class ProblemsScreen(PermittedActions, DeskScreen):
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
    PERMITTED: ClassVar = {"raise_problem": Action.PROBLEM_RAISE}

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
        desk = desk_app(self).desk
        _, _, statuses, open_only = VIEWS[self.view_index]
        text = self.text

        def work() -> None:
            try:
                rows = problem_reads.list_problems(desk, statuses=statuses, open_only=open_only, text=text)
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error")
                return
            self.app.call_from_thread(alive(self, self._fill), rows)

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
