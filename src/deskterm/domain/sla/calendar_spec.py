"""A business calendar as people write it: weekday names, ``HH:MM-HH:MM`` intervals, ISO dates.

The definitions-as-code files (``sla.toml``) describe calendars in text; this module turns that
text into the numbers a :class:`~deskterm.domain.sla.calendar.BusinessCalendar` is built from,
and back, with errors that name the calendar, the field at fault and how to write it instead.
It is kept apart from the calendar, whose job is the arithmetic of business time.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

from deskterm.domain.core.bounds import FIRST_DAY, LAST_DAY

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

Hours = tuple[tuple[int, int], ...]
"""One day's business intervals: ``(start, end)`` seconds from local midnight."""


class CalendarError(ValueError):
    """A calendar definition that cannot work; the message names the calendar, field and fix."""


def parse_spec(
    name: str,
    timezone: str,
    hours: Mapping[str, Sequence[str] | str],
    holidays: Iterable[str | date] | None = (),
    workdays: Mapping[str, Sequence[str] | str] | Mapping[date, Sequence[str] | str] | None = None,
) -> tuple[str, str, tuple[Hours, ...], frozenset[date], dict[date, Hours]]:
    """The fields of a calendar from the definitions-as-code shape (see
    :meth:`~deskterm.domain.sla.calendar.BusinessCalendar.from_spec`): name, time zone, the
    intervals of each weekday, holidays and make-up working days."""
    label = f"calendar {name!r}"
    if not isinstance(name, str) or not name.strip():
        raise CalendarError("a calendar needs a name")
    if not isinstance(timezone, str) or not timezone.strip():
        raise CalendarError(f"{label}: timezone: give an IANA time zone name such as Europe/Berlin")
    if not isinstance(hours, Mapping):
        raise CalendarError(f'{label}: hours: give a table of weekdays, e.g. mon = ["09:00-18:00"]')
    week: list[tuple[tuple[int, int], ...]] = [()] * 7
    seen: set[str] = set()
    for key, value in hours.items():
        day = str(key).strip().lower()
        if day not in WEEKDAYS:
            raise CalendarError(f"{label}: hours: unknown weekday {key!r}; use {', '.join(WEEKDAYS)}")
        if day in seen:
            raise CalendarError(f"{label}: hours: {day} is given twice")
        seen.add(day)
        week[WEEKDAYS.index(day)] = parse_day(f"{label}: hours.{day}", value)
    if not any(week):
        raise CalendarError(f"{label}: hours: no working hours on any day; give at least one interval")
    if holidays is None:
        holidays = ()
    if isinstance(holidays, str | date):
        raise CalendarError(f'{label}: holidays: give a list of dates, e.g. ["2026-10-01"]')
    days: set[date] = set()
    for raw in holidays:
        days.add(parse_date(label, raw))
    extra: dict[date, tuple[tuple[int, int], ...]] = {}
    if workdays is not None and not isinstance(workdays, Mapping):
        raise CalendarError(f'{label}: workdays: give a table of dates, e.g. "2026-10-10" = ["09:00-18:00"]')
    for raw_day, value in (workdays or {}).items():
        workday = parse_date(label, raw_day, "workdays")
        extra[workday] = parse_day(f"{label}: workdays.{workday}", value)
    return name.strip(), timezone.strip(), tuple(week), frozenset(days), extra


def format_clock(seconds: int) -> str:
    """Seconds from local midnight as ``HH:MM`` (``HH:MM:SS`` when there are seconds)."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def _parse_clock(where: str, text: str, raw: str, hour: str, minute: str, *, end: bool) -> int:
    h, m = int(hour), int(minute)
    if m > 59 or h > 24 or (h == 24 and (m or not end)):
        allowed = "00:00 to 24:00" if end else "00:00 to 23:59"
        raise CalendarError(f"{where}: {raw!r}: {text} is not a time of day ({allowed})")
    return h * 3600 + m * 60


def parse_day(where: str, value: Sequence[str] | str) -> tuple[tuple[int, int], ...]:
    """One day's ``HH:MM-HH:MM`` intervals, in time order and not overlapping, as seconds."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Sequence):
        raise CalendarError(f'{where}: give a list of intervals such as ["09:00-12:00", "13:00-18:00"]')
    day: list[tuple[int, int]] = []
    for raw in items:
        match = _INTERVAL.match(raw) if isinstance(raw, str) else None
        if match is None:
            raise CalendarError(
                f"{where}: {raw!r} is not a time interval; write it as HH:MM-HH:MM, e.g. 09:00-12:00"
            )
        start = _parse_clock(where, f"{match[1]}:{match[2]}", raw, match[1], match[2], end=False)
        end = _parse_clock(where, f"{match[3]}:{match[4]}", raw, match[3], match[4], end=True)
        if end < start:
            raise CalendarError(
                f"{where}: {raw!r} ends before it starts; an interval cannot cross midnight, "
                "so split it, e.g. 22:00-24:00 and the next day's 00:00-06:00"
            )
        if end == start:
            raise CalendarError(f"{where}: {raw!r} is empty; it ends when it starts")
        if day:
            prev_start, prev_end = day[-1]
            prev = f"{format_clock(prev_start)}-{format_clock(prev_end)}"
            if start < prev_start:
                raise CalendarError(
                    f"{where}: {raw!r} starts before {prev!r}; list the intervals in time order"
                )
            if start < prev_end:
                raise CalendarError(f"{where}: {raw!r} overlaps {prev!r}")
        day.append((start, end))
    return tuple(day)


def parse_date(label: str, raw: object, where: str = "holidays") -> date:
    """A holiday or make-up working day: an ISO date or a ``date``, within the storable range."""
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return _in_range(label, raw, where)
    if isinstance(raw, str):
        try:
            return _in_range(label, date.fromisoformat(raw.strip()), where)
        except ValueError:
            pass
    raise CalendarError(f"{label}: {where}: {raw!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-10-01")


def _in_range(label: str, day: date, where: str) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise CalendarError(
            f"{label}: {where}: {day} is out of range; use a day between {FIRST_DAY} and {LAST_DAY}"
        )
    return day
