"""A virtual ticket table: it draws only the rows on screen and holds only a window of them.

The database does the filtering and sorting; the table asks for pages by keyset (after or
before a row, or the last page), so 100 000 tickets feel like 100. Cursor, selection and the
window survive a live refresh: rows are reloaded from the first visible one, and the cursor
stays on the same ticket when it is still there.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from deskterm.domain.core.text import cell_width
from deskterm.domain.core.vocabulary import TicketStatus
from deskterm.services.core.errors import DesktermError
from deskterm.services.tickets.queue import QueuePage, QueueQuery, QueueRow, queue_page, queue_window
from deskterm.tui.base.desk_app import alive, desk_app
from deskterm.tui.base.render import INACTIVE, cell, fit_columns, safe

PAGE = 80
MAX_ROWS = 480


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int  # 0: takes the rest
    min_width: int = 0  # shown only when the table is at least this wide
    sort: str | None = None


COLUMNS = (
    Column("sel", "", 1),
    Column("ref", "Ref", 10, sort="ref"),
    Column("priority", "Pri", 4, sort="priority"),
    Column("status", "Status", 11, sort="status"),
    Column("title", "Title", 0, sort="title"),
    Column("caller", "Caller", 14, 64, sort="caller"),
    Column("service", "Service", 12, 100, sort="service"),
    Column("owner", "Group / assignee", 20, 112, sort="assignee"),
    Column("sla", "SLA", 5, sort="sla"),
    Column("age", "Age", 4, sort="age"),
)

STATUS_SHORT = {
    TicketStatus.NEW: "new",
    TicketStatus.ASSIGNED: "assigned",
    TicketStatus.IN_PROGRESS: "in-progress",
    TicketStatus.PENDING: "pending",
    TicketStatus.RESOLVED: "resolved",
    TicketStatus.CLOSED: "closed",
}


REASON_SHORT = {"customer": "cust", "supplier": "supp", "problem": "prob", "change": "chg"}


def owner_cell(row: QueueRow, width: int) -> Text:
    """``group/assignee``; a deactivated assignee is marked, and the group's name gives way
    to the mark (it is what the agent must see: the ticket waits for someone to take it)."""
    if not row.assignee or row.assignee_active:
        return cell(f"{row.group or '-'}/{row.assignee or '-'}", width)
    login = safe(row.assignee, "bold")
    room = width - len(INACTIVE)  # the mark stays whole; the group, then the login, give way
    if cell_width(row.assignee) + 2 <= room:
        group = safe(row.group or "-")
        group.truncate(room - cell_width(row.assignee) - 1, overflow="ellipsis")
        text = Text.assemble(group, "/", login, (INACTIVE, "bold"), no_wrap=True)
    else:
        login.truncate(max(1, room), overflow="ellipsis")
        text = Text.assemble(login, (INACTIVE, "bold"), no_wrap=True)
    text.truncate(width, overflow="ellipsis", pad=True)
    return text


def time_left(seconds: float, *, short: bool = False) -> str:
    """Time to a due instant as people read it: ``45m``, ``-3h12m``, ``-2d05h``; ``short``
    keeps one unit (``-2h``, ``35m``, ``3d``). Minutes are whole: left rounds down, overdue up,
    so a due time just passed already reads ``-1m``."""
    sign = "-" if seconds < 0 else ""
    minutes = int(-(seconds // 60)) if seconds < 0 else int(seconds // 60)
    hours, mins = divmod(minutes, 60)
    days, hrs = divmod(hours, 24)
    if minutes < 60:
        return f"{sign}{minutes}m"
    if short:
        return f"{sign}{hours}h" if hours < 48 else f"{sign}{days}d"
    if hours < 48:
        return f"{sign}{hours}h{mins:02d}m"
    return f"{sign}{days}d{hrs:02d}h"


def age(opened: datetime, now: datetime) -> str:
    seconds = max(0, int((now - opened).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


class QueueTable(Widget, can_focus=True):
    """Keys move the cursor; the screen owns the actions on the ticket under it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "move(1)", "Down", show=False, id="queue.down"),
        Binding("k,up", "move(-1)", "Up", show=False, id="queue.up"),
        Binding("pagedown,ctrl+f", "page(1)", "Page down", show=False, id="queue.page_down"),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False, id="queue.page_up"),
        Binding("g,home", "first", "First", show=False, id="queue.first"),
        Binding("G,end", "last", "Last", show=False, id="queue.last"),
        Binding("space", "toggle_select", "Select", show=False, id="queue.select"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "queue-table--header",
        "queue-table--cursor",
        "queue-table--selected",
        "queue-table--p1",
        "queue-table--p2",
        "queue-table--major",
        "queue-table--resolved",
        "queue-table--breached",
        "queue-table--soon",
    }

    class CursorMoved(Message):
        def __init__(self, row: QueueRow | None) -> None:
            super().__init__()
            self.row = row

    class Loaded(Message):
        def __init__(self, total: int) -> None:
            super().__init__()
            self.total = total

    def __init__(self, now: Callable[[], datetime], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.now = now
        self.query_spec = QueueQuery()
        self.rows: list[QueueRow] = []
        self.cursor = 0
        self.top = 0
        self.at_start = True
        self.at_end = True
        self.first_index: int | None = 0  # absolute index of rows[0], when known
        self.total = 0
        self.selected: set[str] = set()
        self._busy = False
        self._generation = 0
        self._pending_move = 0
        self._after: tuple[Any, int] | None = None  # keyset position just before rows[0], if loaded "from" it

    # -- data -------------------------------------------------------------------------------

    @property
    def desk(self) -> Any:
        return desk_app(self).desk

    @property
    def page_rows(self) -> int:
        return max(1, self.size.height - 1)

    @property
    def current(self) -> QueueRow | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def set_query(self, query: QueueQuery) -> None:
        """New view, filter or sort: start again from the first row."""
        self.query_spec = query
        self._load(mode="first")

    def reload(self) -> None:
        """Live refresh: same position, same cursor ticket, fresh rows."""
        keep = self.current.ref if self.current else None
        anchor = None
        if self.rows and self.top > 0:
            anchor = self.rows[self.top - 1].key
        elif self.rows and not self.at_start:
            anchor = self._after  # the window was loaded after this key (an earlier refresh)
        if anchor is None:
            self._load(mode="first", keep=keep)
        else:
            self._load(mode="from", key=anchor, keep=keep)

    def _load(self, *, mode: str, key: tuple[Any, int] | None = None, keep: str | None = None) -> None:
        self._generation += 1
        generation, query, limit = self._generation, self.query_spec, max(PAGE, self.page_rows + 40)
        self._busy = True

        def work() -> None:
            try:
                page, total = queue_window(
                    self.desk, query, after=key if mode == "from" else None, last=mode == "last", limit=limit
                )
            except DesktermError as exc:
                self.app.call_from_thread(alive(self, self._failed), exc.message)
                return
            self.app.call_from_thread(alive(self, self._replace), generation, page, total, mode, keep, key)

        self.run_worker(work, thread=True, exclusive=True, group="queue-load")

    def _failed(self, message: str) -> None:
        self._busy = False
        self.notify(message, severity="error", timeout=8)

    def _replace(
        self,
        generation: int,
        page: QueuePage,
        total: int,
        mode: str,
        keep: str | None,
        key: tuple[Any, int] | None = None,
    ) -> None:
        if generation != self._generation:
            return
        self._busy = False
        self._after = key if mode == "from" else None
        old_screen_pos = self.cursor - self.top
        self.rows = page.rows
        self.total = total
        self.at_start, self.at_end = page.at_start, page.at_end
        if mode == "last":
            self.first_index = max(0, total - len(self.rows))
            self.cursor = len(self.rows) - 1
            self.top = max(0, len(self.rows) - self.page_rows)
        elif mode == "from":
            self.first_index = None if self.first_index is None else self.first_index + self.top
            self.top = 0
            self.cursor = min(max(0, old_screen_pos), len(self.rows) - 1)
        else:
            self.first_index, self.top, self.cursor = 0, 0, 0
        if keep is not None:
            for i, row in enumerate(self.rows):
                if row.ref == keep:
                    self.cursor = i
                    break
        if mode == "first" and keep is not None and self.cursor >= self.page_rows:
            self.top = self.cursor - self.page_rows + 1
        self.cursor = max(0, min(self.cursor, len(self.rows) - 1))
        self.refresh()
        self.post_message(self.Loaded(total))
        self.post_message(self.CursorMoved(self.current))

    def _extend(self, forward: bool) -> None:
        """Fetch the page after the window's end (or before its start) in a worker."""
        if self._busy or not self.rows:
            return
        if (forward and self.at_end) or (not forward and self.at_start):
            return
        self._busy = True
        generation, query = self._generation, self.query_spec
        key = self.rows[-1].key if forward else self.rows[0].key

        def work() -> None:
            try:
                if forward:
                    page = queue_page(self.desk, query, after=key, limit=PAGE)
                else:
                    page = queue_page(self.desk, query, before=key, limit=PAGE)
            except DesktermError as exc:
                self.app.call_from_thread(alive(self, self._failed), exc.message)
                return
            self.app.call_from_thread(alive(self, self._merge), generation, page, forward)

        self.run_worker(work, thread=True, group="queue-extend")

    def _merge(self, generation: int, page: QueuePage, forward: bool) -> None:
        self._busy = False
        if generation != self._generation:
            return
        if forward:
            self.rows.extend(page.rows)
            self.at_end = page.at_end
            excess = len(self.rows) - MAX_ROWS
            if excess > 0 and self.top > excess:
                self._after = self.rows[excess - 1].key
                del self.rows[:excess]
                self.cursor -= excess
                self.top -= excess
                self.first_index = None if self.first_index is None else self.first_index + excess
                self.at_start = False
        else:
            n = len(page.rows)
            self.rows[:0] = page.rows
            self._after = None
            self.cursor += n
            self.top += n
            self.first_index = None if self.first_index is None else max(0, self.first_index - n)
            self.at_start = page.at_start
            if self.at_start:
                self.first_index = 0
            excess = len(self.rows) - MAX_ROWS
            if excess > 0 and len(self.rows) - excess > self.top + self.page_rows:
                del self.rows[-excess:]
                self.at_end = False
        if self._pending_move:
            move, self._pending_move = self._pending_move, 0
            self.action_move(move)
        self.refresh()

    # -- movement ---------------------------------------------------------------------------

    def action_move(self, delta: int) -> None:
        if not self.rows:
            return
        target = self.cursor + delta
        if target >= len(self.rows) and not self.at_end:
            self._pending_move = target - (len(self.rows) - 1)
            target = len(self.rows) - 1
            self._extend(True)
        elif target < 0 and not self.at_start:
            self._pending_move = target
            target = 0
            self._extend(False)
        self.cursor = max(0, min(target, len(self.rows) - 1))
        if self.cursor < self.top:
            self.top = self.cursor
        elif self.cursor >= self.top + self.page_rows:
            self.top = self.cursor - self.page_rows + 1
        # Prefetch after this frame is painted, so the query never competes with the repaint.
        if len(self.rows) - self.cursor < 2 * self.page_rows:
            self.call_after_refresh(self._extend, True)
        if self.cursor < self.page_rows:
            self.call_after_refresh(self._extend, False)
        self.refresh()
        self.post_message(self.CursorMoved(self.current))

    def action_page(self, direction: int) -> None:
        step = self.page_rows * direction
        if self.top + step >= 0 and self.top + step + self.page_rows <= len(self.rows):
            self.top += step
        self.action_move(step)

    def action_first(self) -> None:
        if self.at_start and self.first_index == 0:
            self.top = 0
            self.action_move(-self.cursor)
        else:
            self._load(mode="first")

    def action_last(self) -> None:
        if self.at_end:
            self.action_move(len(self.rows) - 1 - self.cursor)
        else:
            self._load(mode="last")

    def action_toggle_select(self) -> None:
        row = self.current
        if row is None:
            return
        self.selected.symmetric_difference_update({row.ref})
        self.action_move(1)

    def position(self) -> str:
        if not self.rows:
            return "0/0"
        if self.first_index is None:
            return f"?/{self.total}"
        return f"{self.first_index + self.cursor + 1}/{self.total}"

    # -- drawing ----------------------------------------------------------------------------

    def _layout(self, width: int) -> list[tuple[Column, int]]:
        return fit_columns([c for c in COLUMNS if width >= c.min_width], width)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        layout = self._layout(width)
        if y == 0:
            return self._header(layout, width)
        index = self.top + y - 1
        if index >= len(self.rows):
            if y == 1 and not self.rows:
                return self._message("Loading…" if self._busy else "No tickets here.", width)
            return Strip.blank(width, self.rich_style)
        return self._row(self.rows[index], index == self.cursor, layout, width)

    def _message(self, text: str, width: int) -> Strip:
        return Strip([Segment(text.ljust(width)[:width], self.rich_style)])

    def _header(self, layout: list[tuple[Column, int]], width: int) -> Strip:
        style = self.get_component_rich_style("queue-table--header")
        line = Text()
        q = self.query_spec
        for i, (col, w) in enumerate(layout):
            title = col.title
            if col.sort == q.sort and col.key != "sel":
                title += "▼" if q.descending else "▲"
            line.append_text(cell(title, w))
            if i < len(layout) - 1:
                line.append(" ")
        return self._strip(line, style, width)

    def _row(self, row: QueueRow, is_cursor: bool, layout: list[tuple[Column, int]], width: int) -> Strip:
        base = Style()
        if row.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            base += self.get_component_rich_style("queue-table--resolved")
        if row.ref in self.selected:
            base += self.get_component_rich_style("queue-table--selected")
        if is_cursor:
            base += self.get_component_rich_style("queue-table--cursor")
        line = Text()
        now = self.now()
        for i, (col, w) in enumerate(layout):
            line.append_text(self._cell(row, col.key, w, now))
            if i < len(layout) - 1:
                line.append(" ")
        return self._strip(line, base, width)

    def _cell(self, row: QueueRow, key: str, w: int, now: datetime) -> Text:
        if key == "sel":
            return cell("•" if row.ref in self.selected else " ", w)
        if key == "priority":
            style = ""
            if row.priority.value == "P1":
                style = str(self.get_component_rich_style("queue-table--p1"))
            elif row.priority.value == "P2":
                style = str(self.get_component_rich_style("queue-table--p2"))
            return cell(row.priority.value, w, style)
        if key == "ref":
            text = cell(row.ref + ("!" if row.major else ""), w)
            if row.major:
                text.stylize(self.get_component_rich_style("queue-table--major"))
            return text
        if key == "status":
            status = STATUS_SHORT[row.status]
            if row.pending_reason:
                status = f"pend {REASON_SHORT[row.pending_reason.value]}"
            return cell(status, w)
        if key == "owner":
            return owner_cell(row, w)
        if key == "age":
            return cell(age(row.opened_at, now), w)
        if key == "sla":
            if row.sla_due is None:
                return cell("", w)
            left = (row.sla_due - now).total_seconds()
            style = ""
            if left < 0:  # the minus sign says it without colour
                style = str(self.get_component_rich_style("queue-table--breached"))
            elif left < 3600:
                style = str(self.get_component_rich_style("queue-table--soon"))
            return cell(time_left(left, short=True).rjust(w), w, style)
        return cell(getattr(row, key) or "", w)

    def _strip(self, line: Text, style: Style, width: int) -> Strip:
        line.truncate(width, pad=True)
        segments = list(line.render(self.app.console))
        return Strip(segments).apply_style(self.rich_style + style).crop(0, width)
