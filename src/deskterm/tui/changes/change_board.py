"""The change board: one column per state of the change workflow, a card per change.

A card shows the ref, the type, the priority (as a label), the planned window and a
collision marker (``⚠`` and how many). At 80 columns the focused column and its neighbours
are shown; a wider terminal shows more. ``]`` moves the focused card one step along its
workflow (each step is the service action for it: submit, authorise, implement, review,
close) and ``[`` one step back, both after a question; ``v`` votes and ``s`` schedules.
"""

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static

from deskterm.domain.changes.change import ChangeState, ChangeType
from deskterm.domain.core.permissions import Action
from deskterm.services.changes import changes
from deskterm.services.changes.change_views import ChangeSummary
from deskterm.services.core.errors import DesktermError
from deskterm.tui.base.desk_app import alive, desk_app
from deskterm.tui.base.messages import DeskChanged
from deskterm.tui.base.permitted import PermittedActions
from deskterm.tui.base.render import cell, safe
from deskterm.tui.base.screens import DeskScreen
from deskterm.tui.changes.helpers import (
    COLLISION,
    COLUMNS,
    OUTCOME_SHORT,
    STATE_TITLE,
    TYPE_LABEL,
    UNAUTHORISED,
    priority_style,
    shows_unauthorised,
    window_text,
)
from deskterm.tui.widgets.status_line import StatusLine

TYPE_FILTERS: tuple[ChangeType | None, ...] = (None, *ChangeType)
REFRESH_SECONDS = 30.0
MIN_COLUMN = 26  # cells of one column, its card included
CARD_LINES = 3
FORWARD = {  # the next step along the workflow, per state (the type decides where it leads)
    ChangeState.DRAFT: "submit",
    ChangeState.ASSESSMENT: "advance",
    ChangeState.AUTHORISATION: "decide",
    ChangeState.SCHEDULED: "implement",
    ChangeState.IMPLEMENTING: "review",
    ChangeState.REVIEW: "close",
}


def card_head(change: ChangeSummary, width: int) -> Text:
    """``CHG-12 normal P2 ⚠2``: ref, type, priority label, collision count."""
    line = Text()
    line.append(change.ref, "bold")
    line.append(" ")
    line.append(TYPE_LABEL[change.type], "bold" if change.type is ChangeType.EMERGENCY else "")
    line.append(" ")
    line.append(change.priority.value, priority_style(change.priority.value))
    if change.collision_count:
        line.append(f" {COLLISION}{change.collision_count}", "bold")
    if change.outcome is not None:
        line.append(f" {OUTCOME_SHORT[change.outcome]}", "italic")
    line.truncate(width, overflow="ellipsis", pad=True)
    return line


def card_window(change: ChangeSummary, width: int) -> Text:
    line = Text(window_text(change.planned_start, change.planned_end), "" if change.planned_start else "dim")
    if shows_unauthorised(change):
        line.append(f" {UNAUTHORISED}", "bold reverse")
    line.truncate(width, overflow="ellipsis", pad=True)
    return line


@dataclass(frozen=True)
class Placed:
    """Which columns are on screen and how wide each is."""

    first: int
    count: int
    width: int


class ChangeBoard(Widget, can_focus=True):
    """The columns and their cards, drawn line by line; the screen owns the keys."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "change-board--header",
        "change-board--focus-header",
        "change-board--cursor",
        "change-board--card",
        "change-board--collision",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cards: dict[ChangeState, list[ChangeSummary]] = {s: [] for s in COLUMNS}
        self.column = 0
        self.rows: dict[ChangeState, int] = dict.fromkeys(COLUMNS, 0)
        self.loaded = False

    # -- model ------------------------------------------------------------------------------

    @property
    def state(self) -> ChangeState:
        return COLUMNS[self.column]

    @property
    def current(self) -> ChangeSummary | None:
        column = self.cards[self.state]
        row = self.rows[self.state]
        return column[row] if 0 <= row < len(column) else None

    def show(self, found: list[ChangeSummary]) -> None:
        """New cards: the cursor stays on the same change when it is still there."""
        keep = self.current.ref if self.current else None
        self.loaded = True
        self.cards = {s: [] for s in COLUMNS}
        for change in found:
            self.cards[change.state].append(change)
        for column in self.cards.values():
            column.sort(key=_card_order)
        if keep:
            self.select(keep)
        for state in COLUMNS:
            self.rows[state] = max(0, min(self.rows[state], len(self.cards[state]) - 1))
        self.refresh()

    def select(self, ref: str) -> bool:
        for index, state in enumerate(COLUMNS):
            for row, change in enumerate(self.cards[state]):
                if change.ref == ref:
                    self.column, self.rows[state] = index, row
                    self.refresh()
                    return True
        return False

    def move(self, delta: int) -> None:
        column = self.cards[self.state]
        if column:
            self.rows[self.state] = max(0, min(self.rows[self.state] + delta, len(column) - 1))
            self.refresh()

    def move_column(self, delta: int) -> None:
        self.column = max(0, min(self.column + delta, len(COLUMNS) - 1))
        self.refresh()

    def position(self) -> str:
        column = self.cards[self.state]
        return f"{self.rows[self.state] + 1}/{len(column)}" if column else "0/0"

    # -- drawing ----------------------------------------------------------------------------

    def placed(self, width: int) -> Placed:
        """As many columns as fit at MIN_COLUMN cells, the focused one in the middle."""
        count = max(1, min(len(COLUMNS), (width + 1) // (MIN_COLUMN + 1)))
        first = max(0, min(self.column - count // 2, len(COLUMNS) - count))
        return Placed(first, count, (width - (count - 1)) // count)

    def _column_lines(self, state: ChangeState, width: int, height: int, focused: bool) -> list[Text]:
        """One column's header and cards, scrolled so the cursor's card is in sight."""
        cards = self.cards[state]
        head_style = self.get_component_rich_style(
            "change-board--focus-header" if focused else "change-board--header"
        )
        index = COLUMNS.index(state)
        title = f"{STATE_TITLE[state]} ({len(cards)})"
        if focused:
            title = f"{'◀ ' if index > 0 else ''}{title}{' ▶' if index < len(COLUMNS) - 1 else ''}"
        per_card = CARD_LINES + 1
        fit = max(1, (height - 1) // per_card)
        row = self.rows[state]
        top = max(0, row - fit + 1)
        if top:
            title += f" ↑{top}"
        lines = [cell(title, width, str(head_style))]
        cursor = self.get_component_rich_style("change-board--cursor")
        collision = str(self.get_component_rich_style("change-board--collision"))
        for i, change in enumerate(cards[top : top + fit], start=top):
            inner = width - 1
            edge = "▌" if (focused and i == row) else "│"
            body = [card_head(change, inner), cell(change.title, inner), card_window(change, inner)]
            at = body[0].plain.find(COLLISION)
            if at >= 0:
                body[0].stylize(collision, at, at + 1 + len(str(change.collision_count)))
            for text in body:
                line = Text(edge, "bold" if edge == "▌" else "dim")
                line.append_text(text)
                if focused and i == row:
                    line.stylize(cursor)
                lines.append(line)
            lines.append(Text(" " * width))
        if not cards:
            lines.append(cell("—" if self.loaded else "Loading…", width, "dim"))
        hidden = len(cards) - (top + fit)
        if hidden > 0:  # on the spacer after the last card shown
            lines[-1] = cell(f" ↓ {hidden} more", width, "dim")
        return lines

    def render(self) -> Text:
        width, height = self.size.width, self.size.height
        place = self.placed(width)
        columns = [
            self._column_lines(COLUMNS[i], place.width, height, i == self.column)
            for i in range(place.first, place.first + place.count)
        ]
        out = Text()
        for y in range(height):
            line = Text()
            for n, column in enumerate(columns):
                if n:
                    line.append("│" if y == 0 else " ", "dim")
                part = column[y] if y < len(column) else Text("")
                part = part.copy()
                part.truncate(place.width, pad=True)
                line.append_text(part)
            line.truncate(width, pad=True)
            if y:
                out.append("\n")
            out.append_text(line)
        return out


def _card_order(change: ChangeSummary) -> tuple[int, bool, float, int]:
    """Most urgent first, then by planned start (no window last), then by ref number."""
    start = change.planned_start
    number = int(change.ref.rsplit("-", 1)[-1]) if change.ref.rsplit("-", 1)[-1].isdigit() else 0
    return (change.priority.rank, start is None, start.timestamp() if start else 0.0, number)


class BoardFilterInput(Input):
    """The ``/`` box: ref, title, CI or implementer; ``enter`` keeps it, ``escape`` clears."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "done", "Done", show=False, id="changes.filter_done"),
        Binding("escape", "clear", "Clear filter", show=False, id="changes.filter_clear"),
    ]

    def action_done(self) -> None:
        self.screen.query_one(ChangeBoard).focus()

    async def action_clear(self) -> None:
        await self.run_action("screen.clear_filter")


def matches(change: ChangeSummary, text: str, kind: ChangeType | None) -> bool:
    if kind is not None and change.type is not kind:
        return False
    if not text:
        return True
    needle = text.casefold()
    values = [change.ref, change.title, change.implementer or "", *change.cis]
    return any(needle in v.casefold() for v in values)


class ChangeBoardScreen(PermittedActions, DeskScreen):
    HELP_TITLE = "change board"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="changes.open"),
        Binding("n", "raise_change", "Raise", id="changes.raise"),
        Binding("right_square_bracket", "forward", "Next step", id="changes.forward"),
        Binding("left_square_bracket", "back", "Step back", show=False, id="changes.back"),
        Binding("v", "vote", "Vote", id="changes.vote"),
        Binding("d", "decide", "Decide", show=False, id="changes.decide"),
        Binding("s", "schedule", "Schedule", id="changes.schedule"),
        Binding("c", "calendar", "Calendar", id="changes.calendar"),
        Binding("K", "kpi", "KPIs", id="changes.kpi"),
        Binding("slash", "filter", "Filter", id="changes.filter"),
        Binding("t", "type_filter", "Type", show=False, id="changes.type"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="changes.clear_filter"),
        Binding("h,left", "column(-1)", "Left", show=False, id="changes.left"),
        Binding("l,right", "column(1)", "Right", show=False, id="changes.right"),
        Binding("j,down", "move(1)", "Down", show=False, id="changes.down"),
        Binding("k,up", "move(-1)", "Up", show=False, id="changes.up"),
        Binding("g,home", "move(-1000)", "First", show=False, id="changes.first"),
        Binding("G,end", "move(1000)", "Last", show=False, id="changes.last"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="changes.refresh"),
    ]
    PERMITTED: ClassVar = {
        "raise_change": Action.CHANGE_WRITE,
        "forward": Action.CHANGE_WRITE,
        "back": Action.CHANGE_WRITE,
        "schedule": Action.CHANGE_WRITE,
        "vote": Action.CHANGE_VOTE,
        "decide": Action.CHANGE_DECIDE,
    }

    def __init__(self) -> None:
        super().__init__(classes="change-board-screen")
        self.all: list[ChangeSummary] = []
        self.text = ""
        self.kind: ChangeType | None = None
        self.loads = 0
        self._generation = 0
        self._ticker: Timer | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="change-bar")
        yield ChangeBoard(id="change-board")
        yield BoardFilterInput(placeholder="filter: ref, title, CI or implementer", id="change-filter")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#change-filter", Input).display = False
        self.board.focus()
        self._ticker = self.set_interval(REFRESH_SECONDS, self.load, pause=True)
        self._show_bar()

    @property
    def board(self) -> ChangeBoard:
        return self.query_one(ChangeBoard)

    # -- data -------------------------------------------------------------------------------

    def load(self, then_select: str | None = None) -> None:
        self._generation += 1
        generation = self._generation
        desk = desk_app(self).desk

        def work() -> None:
            try:
                found = changes.list_changes(desk)
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error", timeout=8)
                return
            self.app.call_from_thread(alive(self, self._arrived), generation, found, then_select)

        self.run_worker(work, thread=True, exclusive=True, group="changes-load")

    def _arrived(self, generation: int, found: list[ChangeSummary], then_select: str | None) -> None:
        if generation != self._generation:
            return
        self.loads += 1
        self.all = found
        self._apply()
        if then_select:
            self.board.select(then_select)
            self._show_bar()

    def _apply(self) -> None:
        self.board.show([c for c in self.all if matches(c, self.text, self.kind)])
        self._show_bar()

    def _show_bar(self) -> None:
        bar = Text()
        current = self.board.current
        total = sum(1 for c in self.all if c.state.is_open)
        colliding = sum(1 for c in self.all if c.state.is_open and c.collision_count)
        bar.append(f"{total} open")
        bar.append(f"  {COLLISION} {colliding} colliding", "bold" if colliding else "dim")
        bar.append("  type ")
        bar.append(self.kind.value if self.kind else "all", "bold" if self.kind else "dim")
        if self.text:
            bar.append("  /")
            bar.append_text(safe(self.text, "bold"))
        bar.append(f"  {STATE_TITLE[self.board.state]} {self.board.position()}")
        if current is not None and self.size.width >= 100:
            bar.append("  ")
            bar.append(current.approval_level.value, "italic")
            if current.collision_text:
                bar.append("  ")
                bar.append_text(safe(current.collision_text[0], "bold"))
        self.query_one("#change-bar", Static).update(bar)
        self.refresh_bindings()  # what the keys offer follows the highlighted card

    def check_more(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        """The next step of a change awaiting authorisation is its decision: offered only to
        whoever may decide; ``d`` is greyed on a card that awaits no decision."""
        deciding = self.board.current is not None and self.board.current.state is ChangeState.AUTHORISATION
        if action == "forward" and deciding:
            return self.may(Action.CHANGE_DECIDE)
        if action == "decide":
            return True if deciding else None
        return True

    # -- reactions --------------------------------------------------------------------------

    def on_screen_resume(self) -> None:
        """Shown (first time, back from a change, or switched to): read afresh, then every
        REFRESH_SECONDS, since other agents' work on changes does not move the ticket pulse."""
        self.load()
        if self._ticker is not None:
            self._ticker.resume()

    def on_screen_suspend(self) -> None:
        if self._ticker is not None:
            self._ticker.pause()

    def on_desk_changed(self, message: DeskChanged) -> None:
        self.query_one(StatusLine).pulse = message.pulse
        self.load()

    def on_resize(self) -> None:
        self._show_bar()

    @on(Input.Changed, "#change-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.text = event.value.strip()
        self._apply()

    # -- actions ----------------------------------------------------------------------------

    def action_move(self, delta: int) -> None:
        self.board.move(delta)
        self._show_bar()

    def action_column(self, delta: int) -> None:
        self.board.move_column(delta)
        self._show_bar()

    def action_open(self) -> None:
        change = self.board.current
        if change is not None:
            from deskterm.tui.changes.change_detail import open_change

            open_change(self.app, change.ref)

    def action_refresh(self) -> None:
        self.load()

    def action_filter(self) -> None:
        box = self.query_one("#change-filter", Input)
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#change-filter", Input)
        box.display = False
        self.board.focus()
        self.kind = None
        if box.value:
            box.value = ""  # its Changed message applies the cleared filter
        else:
            self._apply()

    def action_type_filter(self) -> None:
        self.kind = TYPE_FILTERS[(TYPE_FILTERS.index(self.kind) + 1) % len(TYPE_FILTERS)]
        self._apply()

    def action_calendar(self) -> None:
        from deskterm.tui.changes.change_calendar import ChangeCalendarScreen

        desk_app(self).open_screen(ChangeCalendarScreen(), "calendar")

    def action_kpi(self) -> None:
        from deskterm.tui.changes.change_kpi import ChangeKpiScreen

        desk_app(self).open_screen(ChangeKpiScreen(), "change-kpi")

    def action_raise_change(self) -> None:
        from deskterm.tui.changes.raise_change import raise_change_dialog

        self.app.push_screen(raise_change_dialog(desk_app(self).desk), self._raised)

    def _raised(self, message: str | None) -> None:
        if message:
            ref = message.split()[1] if message.startswith("Raised ") else None
            self.notify(message, timeout=6)
            self.load(then_select=ref)

    def _act(self, what: str) -> None:
        change = self.board.current
        if change is None:
            self.notify("No change here: move to a card first (h/l, j/k).", timeout=4)
            return
        from deskterm.tui.changes.change_actions import run_change_action

        run_change_action(self, what, change, self.done)

    def action_forward(self) -> None:
        self._act("forward")

    def action_back(self) -> None:
        self._act("back")

    def action_vote(self) -> None:
        self._act("vote")

    def action_decide(self) -> None:
        self._act("decide")

    def action_schedule(self) -> None:
        self._act("schedule")

    def done(self, message: str, ref: str | None = None) -> None:
        """After an action: say what happened and keep the cursor on the change."""
        self.notify(message, timeout=6)
        self.load(then_select=ref)
