"""The forward schedule of change: a week view (one bar per change across the days) and a
month view (a grid of days), both fitting 80x24. Blackout windows are shown as ``▒``;
changes not authorised are drawn ``░`` and marked ``!``, so they read without colour.

``v`` switches week/month, ``[``/``]`` move a period, ``t`` comes back to today. In the week
view ``j``/``k`` pick a change and ``enter`` opens it; in the month view the cursor is a day
(``h``/``l`` a day, ``j``/``k`` a week) and ``enter`` opens its change (or the week, if several).
"""

import calendar as cal
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static

from deskterm.services.changes import changes
from deskterm.services.changes.change_views import ChangeSummary, WindowOccurrence
from deskterm.services.core.errors import DesktermError
from deskterm.tui.base.render import cell, safe
from deskterm.tui.changes.change_board import COLLISION, TYPE_LABEL, priority_style, window_text
from deskterm.tui.widgets.status_line import StatusLine

AUTHORISED_BAR = "█"
UNAUTHORISED_BAR = "░"
BLACKOUT_BAR = "▒"
UNAUTHORISED_MARK = "!"


def midnight(day: date) -> datetime:
    """The start of a local calendar day, as an aware datetime."""
    return datetime.combine(day, time()).astimezone()


def overlaps(start: datetime, end: datetime, a: datetime, b: datetime) -> bool:
    return start < b and a < end


def marks(change: ChangeSummary) -> str:
    """``⚠`` for a collision, ``!`` for not authorised: the calendar's two warnings."""
    out = f"{COLLISION}" if change.collision_count else ""
    return out + (UNAUTHORISED_MARK if not change.authorised else "")


@dataclass
class Schedule:
    """What one period shows: its changes (with windows) and its blackout windows."""

    start: date
    days: int
    changes: list[ChangeSummary] = field(default_factory=list)
    blackouts: list[WindowOccurrence] = field(default_factory=list)

    def on(self, day: date) -> list[ChangeSummary]:
        a, b = midnight(day), midnight(day + timedelta(days=1))
        return [
            c
            for c in self.changes
            if c.planned_start and c.planned_end and overlaps(c.planned_start, c.planned_end, a, b)
        ]

    def blackouts_on(self, day: date) -> list[WindowOccurrence]:
        a, b = midnight(day), midnight(day + timedelta(days=1))
        return [w for w in self.blackouts if overlaps(w.start, w.end, a, b)]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_grid(day: date) -> tuple[date, int]:
    """The Monday the month's grid starts on, and how many weeks it has (4 to 6)."""
    first = day.replace(day=1)
    length = cal.monthrange(first.year, first.month)[1]
    return week_start(first), -(-(first.weekday() + length) // 7)


class ChangeCalendar(Widget, can_focus=True):
    """Draws the week or the month; the screen owns the keys and the data."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "change-calendar--header",
        "change-calendar--cursor",
        "change-calendar--today",
        "change-calendar--blackout",
        "change-calendar--unauthorised",
    }

    def __init__(self, today: date, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.today = today
        self.view = "week"
        self.day = today  # the month view's cursor (and the anchor of both views)
        self.row = 0  # the week view's cursor: a change
        self.top = 0
        self.schedule: Schedule | None = None

    # -- what is shown ------------------------------------------------------------------------

    def span(self) -> tuple[date, int]:
        if self.view == "week":
            return week_start(self.day), 7
        first, weeks = month_grid(self.day)
        return first, weeks * 7

    @property
    def week_changes(self) -> list[ChangeSummary]:
        return self.schedule.changes if self.schedule else []

    @property
    def current(self) -> ChangeSummary | None:
        rows = self.week_changes
        return rows[self.row] if self.view == "week" and 0 <= self.row < len(rows) else None

    def title(self) -> str:
        if self.view == "week":
            first = week_start(self.day)
            last = first + timedelta(days=6)
            return f"Week {first.isocalendar().week}: {first:%a %d %b} – {last:%a %d %b %Y}"
        return f"{self.day:%B %Y}"

    def styles_of(self, name: str) -> str:
        return str(self.get_component_rich_style(f"change-calendar--{name}"))

    # -- the week ---------------------------------------------------------------------------

    def _week_layout(self, width: int) -> tuple[int, int]:
        """(label, day) widths: 17 + 7 x 9 at 80 columns; wider terminals give the label room
        for the title too."""
        day_width = 9 if width < 100 else max(9, min(16, (width - 40) // 7))
        return width - 7 * day_width, day_width

    def _bar(self, start: datetime, end: datetime, day: date, width: int, char: str, style: str) -> Text:
        """One day's cell of a bar: each character is 24h/width of the day, filled where it overlaps."""
        a = midnight(day)
        step = (midnight(day + timedelta(days=1)) - a) / width
        out = Text()
        for i in range(width):
            if overlaps(start, end, a + step * i, a + step * (i + 1)):
                out.append(char, style)
            else:
                out.append("·", "dim")
        out.append(" ")
        return out

    def _week_lines(self, width: int, height: int) -> list[Text]:
        label_width, day_width = self._week_layout(width)
        first = week_start(self.day)
        days = [first + timedelta(days=i) for i in range(7)]
        head = Text()
        head.append_text(cell("Change", label_width))
        for d in days:
            mark = "*" if d == self.today else ""
            head.append_text(
                cell(f"{d:%a %d}{mark}", day_width, self.styles_of("today") if d == self.today else "")
            )
        lines = [head]
        blackout_style = self.styles_of("blackout")
        schedule = self.schedule
        if schedule is None:
            return [*lines, Text("Loading…", "dim")]
        for w in schedule.blackouts:
            line = cell(f"{BLACKOUT_BAR} {w.name}", label_width - 1, blackout_style)
            line.append(" ")
            for d in days:
                line.append_text(self._bar(w.start, w.end, d, day_width - 1, BLACKOUT_BAR, blackout_style))
            lines.append(line)
        rows = schedule.changes
        if not rows:
            lines.append(Text("No change is planned this week.", "dim"))
            return lines
        room = max(1, height - len(lines))
        if self.row < self.top:
            self.top = self.row
        elif self.row >= self.top + room:
            self.top = self.row - room + 1
        cursor = self.styles_of("cursor")
        unauth = self.styles_of("unauthorised")
        for index in range(self.top, min(len(rows), self.top + room)):
            c = rows[index]
            label = Text()
            label.append(c.ref, "bold")
            label.append(f" {c.priority.value}", priority_style(c.priority.value))
            flags = marks(c)
            if flags:
                label.append(f" {flags}", unauth if not c.authorised else "bold")
            if label_width > 24:
                label.append(" ")
                label.append_text(safe(c.title))
            label.truncate(label_width - 1, overflow="ellipsis", pad=True)
            label.append(" ")
            char = AUTHORISED_BAR if c.authorised else UNAUTHORISED_BAR
            assert c.planned_start is not None and c.planned_end is not None
            for d in days:
                label.append_text(
                    self._bar(
                        c.planned_start, c.planned_end, d, day_width - 1, char, "" if c.authorised else unauth
                    )
                )
            if index == self.row:
                label.stylize(cursor, 0, label_width)
            lines.append(label)
        if self.top + room < len(rows):
            lines[-1] = Text(f"  ↓ {len(rows) - self.top - room} more", "dim")
        return lines

    # -- the month --------------------------------------------------------------------------

    def _month_lines(self, width: int, height: int) -> list[Text]:
        first, weeks = month_grid(self.day)
        cell_width = width // 7
        head = Text()
        for name in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"):
            head.append_text(cell(name, cell_width, "bold"))
        lines = [head]
        per_week = max(2, min(6, (height - 1) // weeks))
        schedule = self.schedule
        cursor = self.styles_of("cursor")
        blackout_style = self.styles_of("blackout")
        unauth = self.styles_of("unauthorised")
        for w in range(weeks):
            block = [Text() for _ in range(per_week)]
            for i in range(7):
                day = first + timedelta(days=w * 7 + i)
                inside = day.month == self.day.month
                found = schedule.on(day) if schedule else []
                black = schedule.blackouts_on(day) if schedule else []
                top = Text(f"{day.day:>2}", "bold" if inside else "dim")
                if day == self.today:
                    top.append("*")
                    top.stylize(self.styles_of("today"), 0, 2)
                if black:
                    top.append(f" {BLACKOUT_BAR}", blackout_style)
                if found:
                    top.append(f" {len(found)}", "dim")
                content = [top]
                room = per_week - 1
                shown = found if len(found) <= room else found[: room - 1]
                for c in shown:
                    entry = Text(c.ref)
                    flags = marks(c)
                    if flags:
                        entry.append(flags, unauth if not c.authorised else "bold")
                    content.append(entry)
                if len(shown) < len(found):
                    content.append(Text(f"+{len(found) - len(shown)} more", "dim"))
                for n in range(per_week):
                    part = content[n].copy() if n < len(content) else Text("")
                    part.truncate(cell_width - 1, overflow="ellipsis", pad=True)
                    part.append(" ")
                    if day == self.day:
                        part.stylize(cursor, 0, cell_width - 1)
                    elif not inside:
                        part.stylize("dim")
                    block[n].append_text(part)
            lines.extend(block)
        return lines

    def render(self) -> Text:
        width, height = self.size.width, self.size.height
        lines = self._week_lines(width, height) if self.view == "week" else self._month_lines(width, height)
        out = Text()
        for y, line in enumerate(lines[:height]):
            line.truncate(width, pad=True)
            if y:
                out.append("\n")
            out.append_text(line)
        return out


class ChangeCalendarScreen(Screen[None]):
    HELP_TITLE = "forward schedule of change"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="change_calendar.back"),
        Binding("enter", "open", "Open", id="change_calendar.open"),
        Binding("p", "toggle", "Period: week/month", id="change_calendar.toggle"),
        Binding("left_square_bracket", "period(-1)", "Earlier", id="change_calendar.earlier"),
        Binding("right_square_bracket", "period(1)", "Later", id="change_calendar.later"),
        Binding("t", "today", "Today", id="change_calendar.today"),
        Binding("j,down", "move(1)", "Down", show=False, id="change_calendar.down"),
        Binding("k,up", "move(-1)", "Up", show=False, id="change_calendar.up"),
        Binding("h,left", "side(-1)", "Left", show=False, id="change_calendar.left"),
        Binding("l,right", "side(1)", "Right", show=False, id="change_calendar.right"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="change_calendar.refresh"),
    ]

    def __init__(self, view: str = "week") -> None:
        super().__init__(classes="change-calendar-screen")
        self.initial_view = view
        self.loads = 0
        self._generation = 0

    def compose(self) -> ComposeResult:
        today = self.app.desk.clock.now().astimezone().date()  # type: ignore[attr-defined]
        yield StatusLine(self.app.desk.short_url)  # type: ignore[attr-defined]
        yield Static(id="calendar-bar")
        yield ChangeCalendar(today, id="change-calendar")
        yield Static(id="calendar-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StatusLine).pulse = getattr(self.app, "pulse", None)
        self.calendar.view = self.initial_view
        self.calendar.focus()
        self.load()

    @property
    def calendar(self) -> ChangeCalendar:
        return self.query_one(ChangeCalendar)

    def load(self, then_day: date | None = None) -> None:
        self._generation += 1
        generation = self._generation
        first, days = self.calendar.span()
        desk = self.app.desk  # type: ignore[attr-defined]
        self._show_bar()

        def work() -> None:
            start, end = midnight(first), midnight(first + timedelta(days=days))
            try:
                found = changes.calendar(desk, start, end)
                windows = changes.windows(desk, start, end)
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error", timeout=8)
                return
            blackouts = [w for w in windows if w.kind == "blackout"]
            schedule = Schedule(first, days, found, blackouts)
            self.app.call_from_thread(self._arrived, generation, schedule, then_day)

        self.run_worker(work, thread=True, exclusive=True, group="calendar-load")

    def _arrived(self, generation: int, schedule: Schedule, then_day: date | None) -> None:
        if generation != self._generation:
            return
        self.loads += 1
        board = self.calendar
        board.schedule = schedule
        if then_day is not None and board.view == "week":
            board.row = next((i for i, c in enumerate(schedule.changes) if c in schedule.on(then_day)), 0)
        board.row = max(0, min(board.row, len(schedule.changes) - 1))
        board.refresh()
        self._show_bar()

    def _show_bar(self) -> None:
        board = self.calendar
        bar = Text()
        bar.append(board.title(), "bold")
        if self.size.width >= 100:
            legend = f"{AUTHORISED_BAR} authorised  {UNAUTHORISED_BAR}{UNAUTHORISED_MARK} not authorised  "
        else:
            legend = f"{AUTHORISED_BAR} auth {UNAUTHORISED_BAR}{UNAUTHORISED_MARK} unauth "
        bar.append(f"  {legend}{BLACKOUT_BAR} blackout {COLLISION} collision")
        self.query_one("#calendar-bar", Static).update(bar)
        self.query_one("#calendar-detail", Static).update(self._detail())

    def _detail(self) -> Text:
        """Two lines about what the cursor is on: the change, or the day."""
        board = self.calendar
        schedule = board.schedule
        if schedule is None:
            return Text("")
        if board.view == "week":
            c = board.current
            if c is None:
                return Text("p month view · [ ] other weeks", "dim")
            line = Text()
            line.append(f"{c.ref} {TYPE_LABEL[c.type]} {c.priority.value} {c.state.value} ", "bold")
            line.append(window_text(c.planned_start, c.planned_end))
            if not c.authorised:
                line.append(" NOT AUTHORISED", "bold reverse")
            line.append("\n")
            if c.collision_text:
                line.append(f"{COLLISION} ", "bold")
                line.append_text(safe("; ".join(c.collision_text)))
            else:
                line.append_text(safe(c.title))
            return line
        day = board.day
        found = schedule.on(day)
        line = Text(f"{day:%a %d %b}: ", "bold")
        if found:
            line.append_text(
                safe(
                    ", ".join(
                        f"{c.ref} {window_text(c.planned_start, c.planned_end)}{marks(c)}" for c in found
                    )
                )
            )
        else:
            line.append("no change planned", "dim")
        black = schedule.blackouts_on(day)
        line.append("\n")
        if black:
            line.append(f"{BLACKOUT_BAR} blackout: ", "bold")
            line.append_text(safe(", ".join(w.name for w in black)))
        return line

    # -- actions ----------------------------------------------------------------------------

    def action_toggle(self) -> None:
        board = self.calendar
        before = board.span()
        if board.view == "week" and board.current is not None and board.current.planned_start:
            picked = board.current.planned_start.astimezone().date()
            first = week_start(board.day)
            board.day = min(max(picked, first), first + timedelta(days=6))
        board.view = "month" if board.view == "week" else "week"
        board.row, board.top = 0, 0
        if board.span() != before:
            self.load()
        board.refresh()
        self._show_bar()

    def action_period(self, step: int) -> None:
        board = self.calendar
        if board.view == "week":
            board.day += timedelta(days=7 * step)
        else:
            month = board.day.month - 1 + step
            year = board.day.year + month // 12
            month = month % 12 + 1
            board.day = date(year, month, min(board.day.day, cal.monthrange(year, month)[1]))
        board.row, board.top = 0, 0
        self.load()

    def action_today(self) -> None:
        board = self.calendar
        board.day = board.today
        board.row, board.top = 0, 0
        self.load()

    def action_move(self, step: int) -> None:
        board = self.calendar
        if board.view == "week":
            count = len(board.week_changes)
            if count:
                board.row = max(0, min(board.row + step, count - 1))
                board.refresh()
                self._show_bar()
            return
        self._move_day(7 * step)

    def action_side(self, step: int) -> None:
        if self.calendar.view == "week":
            self.action_period(step)
        else:
            self._move_day(step)

    def _move_day(self, days: int) -> None:
        board = self.calendar
        before = board.span()
        board.day += timedelta(days=days)
        if board.span() != before:
            self.load()
        board.refresh()
        self._show_bar()

    def action_open(self) -> None:
        from deskterm.tui.changes.change_detail import open_change

        board = self.calendar
        if board.view == "week":
            if board.current is not None:
                open_change(self.app, board.current.ref)
            return
        found = board.schedule.on(board.day) if board.schedule else []
        if len(found) == 1:
            open_change(self.app, found[0].ref)
        elif found:
            board.view = "week"
            self.load(then_day=board.day)
        else:
            self.notify(f"No change is planned on {board.day:%a %d %b}.", timeout=4)

    def action_refresh(self) -> None:
        self.load()

    def on_screen_resume(self) -> None:
        if self.calendar.schedule is not None:
            self.load()
