"""Searching the KEDB as the agent types, and applying the chosen known error to an incident."""

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from deskterm.services.core.errors import DesktermError
from deskterm.services.core.views import TicketView
from deskterm.services.problems import kedb
from deskterm.services.problems.kedb_index import KnownErrorHit
from deskterm.tui.base.desk_app import alive, desk_app
from deskterm.tui.base.dialog import DeskDialog
from deskterm.tui.base.render import safe
from deskterm.tui.problems.kedb_panel import hit_line

# -- searching the KEDB, applying a known error ---------------------------------------------


class KedbQuery(Input):
    """The search box: up and down move through the matches below it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "step(1)", "Next match", show=False, id="kedb.next"),
        Binding("up", "step(-1)", "Previous match", show=False, id="kedb.previous"),
    ]

    def action_step(self, step: int) -> None:
        screen = self.screen
        if isinstance(screen, KedbSearchDialog):
            screen.step(step)


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
        self.hits: list[KnownErrorHit] = []
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
        desk = desk_app(self).desk
        service = self.ticket.service if self.ticket else None
        ci = self.ticket.ci if self.ticket else None

        def work() -> None:
            try:
                hits = kedb.search(desk, text, service=service, ci=ci, limit=8, typing=True)
            except DesktermError:
                hits = []
            self.app.call_from_thread(alive(self, self._show), text, hits)

        self.run_worker(work, thread=True, exclusive=True, group="kedb-dialog-search")

    def _show(self, text: str, hits: list[KnownErrorHit]) -> None:
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
    def current(self) -> KnownErrorHit | None:
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
        desk = desk_app(self).desk
        ticket, tell = self.ticket, self.tell

        def work() -> None:
            try:
                done = kedb.apply_known_error(
                    desk, current.ref, ticket.ref, notify_caller=tell, expected_version=ticket.version
                )
            except DesktermError as exc:
                self.app.call_from_thread(alive(self, self._failed), exc.message)
                return
            said = f"{done.known_error} applied: workaround recorded"
            if done.problem:
                said += f", linked to {done.problem}"
            if done.notified:
                said += ", caller updated"
            self.app.call_from_thread(self.finish, said)

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
