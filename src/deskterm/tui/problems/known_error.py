"""A known error's detail: symptom, root cause, workaround, keywords, the problem behind it and its
incidents; retire and reactivate."""

from typing import Any, ClassVar

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from deskterm.domain.core.permissions import Action
from deskterm.domain.problems.problem import KnownErrorStatus
from deskterm.services.core.errors import DesktermError
from deskterm.services.problems import kedb
from deskterm.tui.base.desk_app import alive, desk_app
from deskterm.tui.base.permitted import PermittedActions
from deskterm.tui.base.render import safe
from deskterm.tui.problems.problem_detail import ProblemScreen, _grid, history_text, section
from deskterm.tui.widgets.status_line import StatusLine

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


class KnownErrorScreen(PermittedActions):
    HELP_TITLE = "known error"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="known_error.back"),
        Binding("p", "problem", "Open problem", id="known_error.problem"),
        Binding("r", "retire", "Retire/activate", id="known_error.retire"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="known_error.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="known_error.up"),
    ]
    PERMITTED: ClassVar = {"retire": Action.KEDB_PUBLISH}

    def __init__(self, ref: str) -> None:
        super().__init__(classes="known-error-screen")
        self.ref = ref
        self.view: kedb.KnownErrorView | None = None

    def compose(self) -> ComposeResult:
        yield StatusLine(desk_app(self).desk.short_url)
        with VerticalScroll(id="known-error-body"):
            yield Static(id="known-error-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StatusLine).pulse = getattr(self.app, "pulse", None)
        self.query_one("#known-error-body").focus()
        self.load()

    def load(self) -> None:
        desk = desk_app(self).desk

        def work() -> None:
            try:
                view = kedb.get_known_error(desk, self.ref)
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error")
                return
            self.app.call_from_thread(alive(self, self._show), view)

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
        desk = desk_app(self).desk
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
            self.app.call_from_thread(alive(self, self._show), view)
            self.app.call_from_thread(self.notify, f"{view.ref} is {view.status.value}", timeout=4)

        self.run_worker(work, thread=True, group="known-error-retire")


def show_record(app: Any, ref: str) -> None:
    """On the UI thread: the problem or known error screen (brought back if already open)."""
    if ref.upper().startswith("KE"):
        app.open_screen(KnownErrorScreen(ref), f"ke:{ref}")
    else:
        app.open_screen(ProblemScreen(ref), f"problem:{ref}")
