"""The ticket queue: views, filter as you type, sort, multi-select, take next, open, log a call."""

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from deskterm.services.core.errors import DesktermError
from deskterm.services.tickets.queue import QueueQuery, QueueView, take_next
from deskterm.tui.base.messages import DeskChanged
from deskterm.tui.base.render import safe
from deskterm.tui.base.screens import DeskScreen
from deskterm.tui.tickets.queue_table import COLUMNS, QueueTable
from deskterm.tui.widgets.status_line import StatusLine

VIEWS = list(QueueView)
# The view bar on a narrow terminal: every view still named, in fewer cells.
SHORT_LABELS = {
    QueueView.MY_WORK: "Mine",
    QueueView.MY_GROUPS: "Groups",
    QueueView.ALL_OPEN: "Open",
    QueueView.RECENTLY_RESOLVED: "Resolved",
}
WIDE_BAR = 100


class FilterInput(Input):
    """The ``/`` box. Its keys act at once (not via a message) so the next key already
    goes to the table: typing ``enter G`` fast filters, then jumps to the last row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "done", "Done", show=False, id="queue.filter_done"),
        Binding("escape", "clear", "Clear filter", show=False, id="queue.filter_clear"),
    ]

    def action_done(self) -> None:
        self.screen.query_one(QueueTable).focus()

    def action_clear(self) -> None:
        self.screen.action_clear_filter()  # type: ignore[attr-defined]


class QueueScreen(DeskScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        # the footer at 80 columns shows the first of these: what an agent needs most comes first
        Binding("t", "take_next", "Take next", id="queue.take_next"),
        Binding("enter", "open", "Open", id="queue.open"),
        Binding("n", "new", "New call", id="queue.new"),
        Binding("slash", "filter", "Filter", id="queue.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="queue.clear_filter"),
        Binding("v", "view(1)", "Next view", id="queue.next_view"),
        Binding("V", "view(-1)", "Previous view", show=False, id="queue.prev_view"),
        Binding("s", "sort(1)", "Sort by", show=False, id="queue.sort"),
        Binding("S", "reverse", "Reverse sort", show=False, id="queue.reverse"),
        Binding("a", "bulk('assign')", "Assign selected", show=False, id="queue.assign"),
        Binding("r", "bulk('group')", "Route selected to a group", show=False, id="queue.group"),
        Binding("c", "bulk('status')", "Set status of selected", show=False, id="queue.status"),
        Binding("R", "bulk('resolve')", "Resolve selected", show=False, id="queue.resolve"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="queue.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__(classes="queue-screen")
        self.query_spec = QueueQuery()

    def compose_body(self) -> ComposeResult:
        yield Static(id="queue-bar")
        yield QueueTable(now=self.app.desk.clock.now, id="queue-table")  # type: ignore[attr-defined]
        yield FilterInput(placeholder="filter: ref, title, caller, service", id="queue-filter")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#queue-filter", Input).display = False
        self.table.focus()
        self.table.set_query(self.query_spec)
        self._show_bar()

    @property
    def table(self) -> QueueTable:
        return self.query_one(QueueTable)

    def _show_bar(self) -> None:
        q = self.query_spec
        bar = Text()
        wide = self.size.width >= WIDE_BAR
        for view in VIEWS:
            label = view.label if wide else SHORT_LABELS.get(view, view.label)
            if view is q.view:
                bar.append(f"[{label}]", "bold reverse")
            else:
                bar.append(f" {label} ", "dim")
        bar.append(f"  {self.table.position()}")
        if q.text:
            bar.append("  /")
            bar.append_text(safe(q.text, "bold"))
        if self.table.selected:
            bar.append(f"  {len(self.table.selected)} selected", "bold")
        self.query_one("#queue-bar", Static).update(bar, layout=False)  # one line: no re-layout

    def _requery(self, **changes: object) -> None:
        self.query_spec = QueueQuery(**{**self.query_spec.__dict__, **changes})  # type: ignore[arg-type]
        self.table.set_query(self.query_spec)
        self._show_bar()

    # -- reactions --------------------------------------------------------------------------

    @on(QueueTable.Loaded)
    @on(QueueTable.CursorMoved)
    def _moved(self) -> None:
        self._show_bar()

    def on_desk_changed(self, message: DeskChanged) -> None:
        self.query_one(StatusLine).pulse = message.pulse
        self.table.reload()

    def on_resize(self) -> None:
        self._show_bar()

    @on(Input.Changed, "#queue-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._requery(text=event.value)

    # -- actions ----------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#queue-filter", Input)
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#queue-filter", Input)
        if box.value:
            box.value = ""
        box.display = False
        self.table.focus()

    def action_view(self, step: int) -> None:
        index = (VIEWS.index(self.query_spec.view) + step) % len(VIEWS)
        self._requery(view=VIEWS[index])

    def action_sort(self, step: int) -> None:
        """Next sort column among those on screen: at 80 columns hidden ones are skipped."""
        width = self.table.size.width or self.app.size.width
        shown = [c.sort for c in COLUMNS if c.sort and width >= c.min_width]
        index = (
            (shown.index(self.query_spec.sort) + step) % len(shown) if self.query_spec.sort in shown else 0
        )
        self._requery(sort=shown[index], descending=False)

    def action_reverse(self) -> None:
        self._requery(descending=not self.query_spec.descending)

    def action_refresh(self) -> None:
        self.table.reload()

    def action_open(self) -> None:
        row = self.table.current
        if row is not None:
            self.app.open_ticket(row.ref)  # type: ignore[attr-defined]

    def action_new(self) -> None:
        self.app.log_call()  # type: ignore[attr-defined]

    def action_take_next(self) -> None:
        desk = self.app.desk  # type: ignore[attr-defined]

        def work() -> None:
            try:
                view = take_next(desk)
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="warning")
                return
            self.app.call_from_thread(self.notify, f"{view.ref} is yours: {view.title[:60]}")
            self.app.call_from_thread(self.table.reload)

        self.run_worker(work, thread=True, group="take-next")

    def action_bulk(self, what: str) -> None:
        refs = sorted(self.table.selected) or ([self.table.current.ref] if self.table.current else [])
        if not refs:
            return
        self.app.bulk_action(what, refs, self._bulk_done)  # type: ignore[attr-defined]

    def _bulk_done(self, refused: list[str]) -> None:
        self.table.selected.clear()
        self.table.selected.update(refused)
        self.table.reload()
        self._show_bar()
