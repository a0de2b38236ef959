"""A list of records drawn one line each through the Line API, for screens that hold the whole
list in memory (the SLA monitor, the event console): a header line, a cursor, columns that
appear or drop out with the width, and repaints limited to what the screen shows.

Subclasses name their rows' columns (``COLUMNS``), the prefix of their component classes
(``PREFIX``: ``PREFIX--header`` and ``PREFIX--cursor`` must exist) and draw one cell
(``_cell``). The screen that owns the table owns its keys.
"""

from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from deskterm.tui.base.render import cell, fit_columns

R = TypeVar("R")


@dataclass(frozen=True)
class Col:
    key: str
    title: str
    width: int  # 0: takes the rest
    min_width: int = 0  # shown only when the table is at least this wide
    max_width: int = 0  # shown only when the table is narrower than this (0: always)
    right: bool = False


class LineTable(Widget, Generic[R], can_focus=True):
    """Rows on screen, one line each, under a header line."""

    COLUMNS: ClassVar[tuple[Col, ...]] = ()
    PREFIX: ClassVar[str] = "line-table"
    EMPTY: ClassVar[str] = "Nothing to show."

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[R] = []
        self.cursor = 0
        self.top = 0
        self.loaded = False
        self.empty_text = self.EMPTY
        self.repaints = 0  # lines (or whole tables) repainted: live screens keep this low

    @property
    def page_rows(self) -> int:
        return max(1, self.size.height - 1)

    @property
    def current(self) -> R | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def _scroll_to_cursor(self) -> None:
        if self.cursor < self.top:
            self.top = self.cursor
        elif self.cursor >= self.top + self.page_rows:
            self.top = self.cursor - self.page_rows + 1
        self.top = max(0, min(self.top, max(0, len(self.rows) - self.page_rows)))

    def move(self, delta: int) -> None:
        if not self.rows:
            return
        self.cursor = max(0, min(self.cursor + delta, len(self.rows) - 1))
        self._scroll_to_cursor()
        self.refresh()

    def page(self, direction: int) -> None:
        step = self.page_rows * direction
        self.top = max(0, min(self.top + step, max(0, len(self.rows) - self.page_rows)))
        self.move(step)

    def position(self) -> str:
        return f"{self.cursor + 1}/{len(self.rows)}" if self.rows else "0/0"

    # -- drawing ----------------------------------------------------------------------------

    def _layout(self, width: int) -> list[tuple[Col, int]]:
        shown = [c for c in self.COLUMNS if width >= c.min_width and (not c.max_width or width < c.max_width)]
        return fit_columns(shown, width)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        layout = self._layout(width)
        if y == 0:
            header = [cell(col.title.rjust(w) if col.right else col.title, w) for col, w in layout]
            return self._strip(header, self.get_component_rich_style(f"{self.PREFIX}--header"), width)
        index = self.top + y - 1
        if index >= len(self.rows):
            if y == 1 and not self.rows:
                text = self.empty_text if self.loaded else "Loading…"
                return Strip([Segment(text.ljust(width)[:width], self.rich_style)])
            return Strip.blank(width, self.rich_style)
        row = self.rows[index]
        cursor = self.get_component_rich_style(f"{self.PREFIX}--cursor")
        cells = [self._cell(row, col, w) for col, w in layout]
        return self._strip(cells, cursor if index == self.cursor else Style(), width)

    def _cell(self, row: R, col: Col, w: int) -> Text:
        value: Any = getattr(row, col.key)
        return cell(str(value), w)

    def _strip(self, cells: list[Text], style: Style, width: int) -> Strip:
        line = Text(" ").join(cells)
        line.truncate(width, pad=True)
        segments = list(line.render(self.app.console))
        return Strip(segments).apply_style(self.rich_style + style).crop(0, width)


class LineTableKeys:
    """The moving keys of a screen that shows one :class:`LineTable` as ``self.table`` and
    keeps a status bar (``_show_bar``) that tells where the cursor is."""

    table: LineTable[Any]

    def _show_bar(self) -> None:
        raise NotImplementedError

    def action_move(self, delta: int) -> None:
        self.table.move(delta)
        self._show_bar()

    def action_page(self, direction: int) -> None:
        self.table.page(direction)
        self._show_bar()

    def action_first(self) -> None:
        self.table.move(-len(self.table.rows))
        self._show_bar()

    def action_last(self) -> None:
        self.table.move(len(self.table.rows))
        self._show_bar()
