"""The KEDB as the agent types: the best known errors for the words so far, one line each.

The panel never takes focus (the form it sits in keeps its tab order); the form tells it
what was typed (``look_for``), and it searches in a thread worker after a short pause, so
fast typing costs one search. ``step`` moves the mark through the matches; ``marked`` is
the known error the agent picked.
"""

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from deskterm.services.core.errors import DesktermError
from deskterm.services.problems import kedb
from deskterm.tui.base.render import safe

PAUSE_SECONDS = 0.25


@dataclass(frozen=True)
class Query:
    text: str
    service: str | None = None
    ci: str | None = None


def hit_line(hit: kedb.KnownErrorHit, *, marked: bool = False, width: int = 76) -> Text:
    """``▶ KE-3 title · service ✓`` — the mark and the same-service tick read without colour."""
    line = Text.assemble(("▶ " if marked else "  ", "bold"))
    line.append(f"{hit.ref:<6}", "bold")
    line.append(" ")
    line.append_text(safe(hit.title))
    where = ", ".join(hit.services[:2])
    if where:
        line.append("  ")
        line.append_text(safe(where, "dim"))
    if hit.same_ci or hit.same_service:
        line.append(" ✓same " + ("CI" if hit.same_ci else "service"), "italic")
    line.truncate(width, overflow="ellipsis")
    return line


class KedbPanel(Static, can_focus=False):
    """Up to ``limit`` matches; shows nothing (and takes no room) while nothing matches."""

    DEFAULT_CLASSES = "kedb-panel"
    EMPTY: ClassVar[str] = ""

    class Found(Message):
        def __init__(self, panel: "KedbPanel", hits: list[kedb.KnownErrorHit]) -> None:
            super().__init__()
            self.panel = panel
            self.hits = hits

    def __init__(self, *, limit: int = 3, title: str = "Known errors", id: str | None = None) -> None:
        super().__init__(id=id)
        self.limit = limit
        self.title = title
        self.hits: list[kedb.KnownErrorHit] = []
        self.mark: int | None = None
        self._query = Query("")
        self._timer: Timer | None = None

    def on_mount(self) -> None:
        self.display = False

    @property
    def marked(self) -> kedb.KnownErrorHit | None:
        return self.hits[self.mark] if self.mark is not None and self.mark < len(self.hits) else None

    def look_for(self, text: str, *, service: str | None = None, ci: str | None = None) -> None:
        query = Query(text, service, ci)
        if query == self._query:
            return
        self._query = query
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(PAUSE_SECONDS, self._search)

    def search_now(self) -> None:
        self._search()

    def _search(self) -> None:
        query = self._query
        desk = self.app.desk  # type: ignore[attr-defined]

        def work() -> None:
            try:
                hits = kedb.search(
                    desk, query.text, service=query.service, ci=query.ci, limit=self.limit, typing=True
                )
            except DesktermError:
                hits = []
            self.app.call_from_thread(self._show, query, hits)

        self.run_worker(work, thread=True, exclusive=True, group="kedb-search")

    def _show(self, query: Query, hits: list[kedb.KnownErrorHit]) -> None:
        if query != self._query:
            return
        marked = self.marked.ref if self.marked else None
        self.hits = hits
        refs = [h.ref for h in hits]
        self.mark = refs.index(marked) if marked in refs else None
        self._paint()
        self.post_message(self.Found(self, hits))

    def step(self) -> kedb.KnownErrorHit | None:
        """Mark the next match (after the last: none again)."""
        if not self.hits:
            return None
        if self.mark is None:
            self.mark = 0
        elif self.mark + 1 < len(self.hits):
            self.mark += 1
        else:
            self.mark = None
        self._paint()
        return self.marked

    def _paint(self) -> None:
        self.display = bool(self.hits)
        if not self.hits:
            self.update(self.EMPTY)
            return
        width = max(20, (self.size.width or 76) - 2)
        out = Text.assemble((f"{self.title} ({len(self.hits)})", "bold"))
        for i, hit in enumerate(self.hits):
            out.append("\n")
            out.append_text(hit_line(hit, marked=i == self.mark, width=width))
        self.update(out)
