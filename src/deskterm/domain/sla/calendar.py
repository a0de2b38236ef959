"""Business calendars: the hours in which a service level clock may run.

A :class:`BusinessCalendar` names a time zone, the working intervals of each weekday in local
wall-clock time (several per day, e.g. a lunch break; ``24:00`` as an end means midnight) and the
local dates that are holidays. Every operation takes aware datetimes of any zone and answers in
aware UTC. Business time has a resolution of one microsecond, like ``datetime`` itself.

Daylight saving, decided once for every boundary: a local boundary ``D HH:MM`` maps to the first
instant at which the zone's wall clock reads ``D HH:MM`` or later.

- A time skipped by a spring-forward change (02:30 when clocks jump 02:00 -> 03:00) maps to the
  instant of the change, i.e. 03:00 new time.
- A time repeated by a fall-back change (02:30 when clocks go back 03:00 -> 02:00) maps to its
  first occurrence, the one still on daylight-saving time.
- ``24:00`` is the next date's ``00:00`` under the same rule, so the days tile the time line:
  local date ``D`` spans ``[D 00:00, D+1 00:00)``.

Consequence: an interval covers the real time that passes between its boundaries, so on the
spring-forward day ``00:00-06:00`` counts 5 hours and on the fall-back day 7 hours, while
``09:00-18:00`` counts 9 hours on both. The mapping is monotonic, so intervals never overlap.

Speed: the calendar never steps minute by minute. It lays out local dates in blocks of 64 days,
computing each date's UTC intervals once (through the zone, so each day is exactly right on DST
days) with a running total of business time per block. Measuring is two lookups and a
subtraction; adding is a bisection; a long span adds whole blocks. Blocks are built lazily and
kept on the calendar (which stays hashable: the cache is not part of its identity).
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from deskterm.domain.sla.calendar_spec import WEEKDAYS, CalendarError, format_clock, parse_spec
from deskterm.domain.sla.instants import (
    DAY_MICROS,
    DAY_SECONDS,
    EPOCH_ORDINAL,
    MICROS,
    from_micros,
    td_micros,
    to_micros,
)

_BLOCK_DAYS = 64
_MAX_BLOCKS_CACHED = 4096
_SEARCH_LIMIT_BLOCKS = 600  # about 105 years without a single business second: give up
_FULL_DAY = ((0, DAY_SECONDS),)


class SpanKind(StrEnum):
    """What a stretch of time is to a calendar."""

    OPEN = "open"
    CLOSED = "closed"  # outside business hours
    HOLIDAY = "holiday"  # a holiday on a day that would have had business hours


class _Block:
    """Local dates ``[index * 64, index * 64 + 64)`` (proleptic ordinals) laid out in UTC micros.

    ``starts[i]`` is the first instant of date ``i`` (``starts[64]`` that of the next block's first
    date); ``days[i]`` the flat ``(start, end, start, end, ...)`` business intervals of date ``i``;
    ``cum[i]`` the business micros of the block before date ``i`` (``cum[64]`` the block total).
    """

    __slots__ = ("cum", "days", "holiday", "index", "starts")

    def __init__(
        self, index: int, starts: list[int], days: list[tuple[int, ...]], holiday: list[bool], cum: list[int]
    ) -> None:
        self.index = index
        self.starts = starts
        self.days = days
        self.holiday = holiday
        self.cum = cum


Mark = tuple[int, _Block | None, int]
"""An instant (epoch microseconds), its block and the block's business microseconds before it."""


@dataclass(frozen=True)
class BusinessCalendar:
    """When business time runs.

    ``hours[weekday]`` (Monday is 0) is a sorted tuple of non-overlapping ``(start, end)`` local
    intervals in seconds from local midnight, ``0 <= start < end <= 86400`` (86400 is ``24:00``);
    an empty tuple is a day off. ``holidays`` are local dates on which nothing counts.
    ``workdays`` are local dates worked with their own intervals whatever the weekday: the
    make-up working days (调休) that move a holiday bridge onto a weekend. A date may not be both.
    Build one with :meth:`from_spec` (the TOML shape) or :meth:`always`.
    """

    name: str
    timezone: str
    hours: tuple[tuple[tuple[int, int], ...], ...]
    holidays: frozenset[date] = frozenset()
    workdays: Mapping[date, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _always: bool = field(init=False, repr=False, compare=False)
    _blocks: dict[int, _Block] = field(init=False, repr=False, compare=False, default_factory=dict)

    # -- construction -------------------------------------------------------------------------

    def __post_init__(self) -> None:
        label = f"calendar {self.name!r}"
        if not isinstance(self.name, str) or not self.name.strip():
            raise CalendarError("a calendar needs a name")
        try:
            zone = ZoneInfo(self.timezone)
        except Exception:
            raise CalendarError(
                f"{label}: timezone: unknown time zone {self.timezone!r}; "
                "use an IANA name such as Europe/Berlin or Asia/Shanghai"
            ) from None
        hours = _checked_week(label, self.hours)
        holidays = _checked_holidays(label, self.holidays)
        workdays = _checked_workdays(label, self.workdays, holidays)
        object.__setattr__(self, "hours", hours)
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "workdays", _FrozenDays(workdays))
        object.__setattr__(self, "_zone", zone)
        always = not holidays and not workdays and all(day == _FULL_DAY for day in hours)
        object.__setattr__(self, "_always", always)

    @classmethod
    def always(cls, name: str = "24x7") -> "BusinessCalendar":
        """Every instant counts: the built-in ``24x7`` calendar."""
        return cls(name, "UTC", (_FULL_DAY,) * 7, frozenset())

    @classmethod
    def from_spec(
        cls,
        name: str,
        timezone: str,
        hours: Mapping[str, Sequence[str] | str],
        holidays: Iterable[str | date] | None = (),
        workdays: Mapping[str, Sequence[str] | str] | Mapping[date, Sequence[str] | str] | None = None,
    ) -> "BusinessCalendar":
        """Build from the definitions-as-code shape.

        ``hours`` maps ``mon``..``sun`` (any case) to intervals ``"HH:MM-HH:MM"`` in time order;
        a missing day is not worked. ``holidays`` are ISO dates ``YYYY-MM-DD`` (or ``date``s, as
        TOML gives for bare dates). ``workdays`` maps make-up working days (ISO dates) to their
        intervals. Raises :class:`CalendarError` naming the field at fault.
        """
        return cls(*parse_spec(name, timezone, hours, holidays, workdays))

    def to_spec(self) -> dict[str, object]:
        """The definitions-as-code shape that :meth:`from_spec` reads back."""
        hours = {
            WEEKDAYS[weekday]: [f"{format_clock(s)}-{format_clock(e)}" for s, e in day]
            for weekday, day in enumerate(self.hours)
            if day
        }
        spec: dict[str, object] = {
            "name": self.name,
            "timezone": self.timezone,
            "hours": hours,
            "holidays": [d.isoformat() for d in sorted(self.holidays)],
        }
        if self.workdays:
            spec["workdays"] = {
                d.isoformat(): [f"{format_clock(s)}-{format_clock(e)}" for s, e in spans]
                for d, spans in sorted(self.workdays.items())
            }
        return spec

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    @property
    def is_always(self) -> bool:
        """True when every instant counts (no holidays, every day 00:00-24:00)."""
        return self._always

    # -- public operations on datetimes -------------------------------------------------------

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Business seconds in ``[start, end)``; 0 if ``end <= start``."""
        return self.business_micros(to_micros(start), to_micros(end)) / MICROS

    def add_business(self, start: datetime, seconds: float) -> datetime:
        """The earliest instant ``t >= start`` with ``business_seconds(start, t) == seconds``.

        So a target that runs out exactly at closing time is due at closing time, not at the
        next opening. ``seconds == 0`` gives ``start`` itself (in UTC), even outside business
        hours: nothing is owed, so nothing waits for the office to open.
        """
        if seconds < 0:
            raise ValueError(f"cannot add a negative business time ({seconds} s)")
        micros = seconds * MICROS if isinstance(seconds, int) else round(seconds * MICROS)
        return from_micros(self.add_business_micros(to_micros(start), micros))

    def intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The business intervals within ``[start, end)``, in order, touching ones merged."""
        for s, e, kind in self.timeline_micros(to_micros(start), to_micros(end)):
            if kind is SpanKind.OPEN:
                yield from_micros(s), from_micros(e)

    def timeline(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime, SpanKind]]:
        """``[start, end)`` cut into open, closed and holiday stretches, adjacent alike ones merged."""
        for s, e, kind in self.timeline_micros(to_micros(start), to_micros(end)):
            yield from_micros(s), from_micros(e), kind

    def next_open(self, instant: datetime) -> datetime:
        """``instant`` if business time runs at it, else the start of the next business interval."""
        return from_micros(self.next_open_micros(to_micros(instant)))

    def is_open(self, instant: datetime) -> bool:
        u = to_micros(instant)
        return self.next_open_micros(u) == u

    # -- the same on integer microseconds since the epoch (for the SLA clock's inner loops) ----

    def business_micros(self, start: int, end: int) -> int:
        """Business microseconds in ``[start, end)`` (instants in microseconds since the epoch)."""
        if end <= start:
            return 0
        return self.between(self.mark(start), self.mark(end))

    def add_business_micros(self, start: int, micros: int) -> int:
        """:meth:`add_business` on microseconds."""
        return self.advance(self.mark(start), micros)

    def mark(self, instant: int) -> Mark:
        """Where ``instant`` (epoch microseconds) lies in the calendar, to measure or add from.

        Code that measures many consecutive stretches (the SLA clock) marks each boundary once
        and uses :meth:`between` and :meth:`advance`, instead of locating every instant twice.
        """
        if self._always:
            return (instant, None, instant)
        # _locate inlined, then the business time of the day before the instant: the innermost call
        index = (instant // DAY_MICROS + EPOCH_ORDINAL) // _BLOCK_DAYS
        blk = self._blocks.get(index) or self._block(index)
        starts = blk.starts
        if not starts[0] <= instant < starts[-1]:
            blk, i = self._locate(instant)
        else:
            i = bisect_right(starts, instant) - 1
        total = blk.cum[i]
        day = blk.days[i]
        for k in range(0, len(day), 2):
            s = day[k]
            if instant <= s:
                break
            e = day[k + 1]
            if instant < e:
                return (instant, blk, total + instant - s)
            total += e - s
        return (instant, blk, total)

    def between(self, start: Mark, end: Mark) -> int:
        """Business microseconds between two marks (0 if ``end`` is not after ``start``)."""
        if end[0] <= start[0]:
            return 0
        blk_a, blk_b = start[1], end[1]
        if blk_a is None or blk_b is None:  # round the clock
            return end[0] - start[0]
        if blk_a.index == blk_b.index:  # by index: a block may be laid out again if the cache was cleared
            return end[2] - start[2]
        total = blk_a.cum[-1] - start[2] + end[2]
        for index in range(blk_a.index + 1, blk_b.index):
            total += self._block(index).cum[-1]
        return total

    def advance(self, start: Mark, micros: int) -> int:
        """The earliest instant at which ``micros`` business microseconds have passed since ``start``."""
        if micros <= 0:
            if micros < 0:
                raise ValueError(f"cannot add a negative business time ({micros} us)")
            return start[0]
        blk = start[1]
        if blk is None:
            return start[0] + micros
        target = start[2] + micros
        empty = 0
        while target > blk.cum[-1]:
            total = blk.cum[-1]
            empty = empty + 1 if total == 0 else 0
            if empty > _SEARCH_LIMIT_BLOCKS:
                raise CalendarError(f"calendar {self.name!r}: no business hours for a century")
            target -= total
            blk = self._block(blk.index + 1)
        cum = blk.cum
        j = bisect_left(cum, target) - 1  # cum[j] < target <= cum[j + 1]
        rest = target - cum[j]
        day = blk.days[j]
        for k in range(0, len(day), 2):
            length = day[k + 1] - day[k]
            if rest <= length:
                return day[k] + rest
            rest -= length
        raise AssertionError("business time overran its day")  # pragma: no cover

    def next_open_micros(self, instant: int) -> int:
        if self._always:
            return instant
        blk, i = self._locate(instant)
        for _ in range(_SEARCH_LIMIT_BLOCKS * _BLOCK_DAYS):
            day = blk.days[i]
            for k in range(1, len(day), 2):
                if day[k] > instant:
                    return max(day[k - 1], instant)
            i += 1
            if i == _BLOCK_DAYS:
                blk, i = self._block(blk.index + 1), 0
        raise CalendarError(f"calendar {self.name!r}: no business hours for a century")

    def timeline_micros(self, start: int, end: int) -> Iterator[tuple[int, int, SpanKind]]:
        """Like :meth:`timeline` on microseconds: ``(start, end, kind)``, adjacent alike merged."""
        pending: tuple[int, int, SpanKind] | None = None
        for piece in self._raw_timeline(start, end):
            if pending is not None and pending[2] is piece[2] and pending[1] == piece[0]:
                pending = (pending[0], piece[1], piece[2])
                continue
            if pending is not None:
                yield pending
            pending = piece
        if pending is not None:
            yield pending

    # -- internals ----------------------------------------------------------------------------

    def _raw_timeline(self, start: int, end: int) -> Iterator[tuple[int, int, SpanKind]]:
        if end <= start:
            return
        if self._always:
            yield start, end, SpanKind.OPEN
            return
        blk, i = self._locate(start)
        cur = start
        while cur < end:
            stop = min(blk.starts[i + 1], end)
            if blk.holiday[i]:
                yield cur, stop, SpanKind.HOLIDAY
            else:
                day = blk.days[i]
                for k in range(0, len(day), 2):
                    s, e = day[k], day[k + 1]
                    if e <= cur:
                        continue
                    if s >= stop:
                        break
                    if s > cur:
                        yield cur, s, SpanKind.CLOSED
                        cur = s
                    e = min(e, stop)
                    yield cur, e, SpanKind.OPEN
                    cur = e
                if cur < stop:
                    yield cur, stop, SpanKind.CLOSED
            cur = stop
            i += 1
            if i == _BLOCK_DAYS:
                blk, i = self._block(blk.index + 1), 0

    def _locate(self, instant: int) -> tuple[_Block, int]:
        """The block and index of the local date whose span holds ``instant``."""
        index = (instant // DAY_MICROS + EPOCH_ORDINAL) // _BLOCK_DAYS
        blk = self._blocks.get(index) or self._block(index)
        while instant < blk.starts[0]:
            blk = self._block(blk.index - 1)
        while instant >= blk.starts[-1]:
            blk = self._block(blk.index + 1)
        return blk, bisect_right(blk.starts, instant) - 1

    def _block(self, index: int) -> _Block:
        blk = self._blocks.get(index)
        if blk is None:
            if len(self._blocks) >= _MAX_BLOCKS_CACHED:
                self._blocks.clear()
            blk = self._blocks[index] = self._build(index)
        return blk

    def _build(self, index: int) -> _Block:
        first = index * _BLOCK_DAYS
        starts = [self._first_instant(first + i, 0) for i in range(_BLOCK_DAYS + 1)]
        days: list[tuple[int, ...]] = []
        holiday: list[bool] = []
        cum = [0]
        total = 0
        for i in range(_BLOCK_DAYS):
            ordinal = first + i
            local = date.fromordinal(ordinal)
            spans = self.workdays.get(local) or self.hours[local.weekday()]
            if not spans or local in self.holidays:
                days.append(())
                holiday.append(bool(spans))
                cum.append(total)
                continue
            flat: list[int] = []
            for s, e in spans:
                u_s = starts[i] if s == 0 else self._first_instant(ordinal, s)
                u_e = starts[i + 1] if e == DAY_SECONDS else self._first_instant(ordinal, e)
                if u_e <= u_s:
                    continue  # swallowed by a spring-forward gap
                total += u_e - u_s
                if flat and flat[-1] == u_s:
                    flat[-1] = u_e
                else:
                    flat += (u_s, u_e)
            days.append(tuple(flat))
            holiday.append(False)
            cum.append(total)
        return _Block(index, starts, days, holiday, cum)

    def _first_instant(self, ordinal: int, seconds: int) -> int:
        """The first instant at which the local wall clock reads ``date(ordinal) + seconds`` or later."""
        local_day = date.fromordinal(ordinal)
        zone = self._zone
        local = datetime(local_day.year, local_day.month, local_day.day, tzinfo=zone)
        if seconds:
            local += timedelta(seconds=seconds)
        wall = (ordinal - EPOCH_ORDINAL) * DAY_MICROS + seconds * MICROS
        before = local.utcoffset()
        after = local.replace(fold=1).utcoffset()
        assert before is not None and after is not None
        if after <= before:  # an ordinary time, or a repeated one: fold 0 is the first occurrence
            return wall - td_micros(before)
        # skipped by a spring-forward change: find the instant of the change between the two readings
        after_us = td_micros(after)
        lo, hi = wall - after_us, wall - td_micros(before)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            offset = from_micros(mid).astimezone(zone).utcoffset()
            if offset is not None and td_micros(offset) == after_us:
                hi = mid
            else:
                lo = mid
        return hi


def _checked_week(
    label: str, raw: Iterable[Iterable[tuple[int, int]]]
) -> tuple[tuple[tuple[int, int], ...], ...]:
    """The intervals of the 7 weekdays as ints, each day sorted and within 00:00-24:00."""
    hours = tuple(tuple((int(s), int(e)) for s, e in day) for day in raw)
    if len(hours) != 7:
        raise CalendarError(f"{label}: hours: give the intervals of 7 weekdays, got {len(hours)}")
    for weekday, day in enumerate(hours):
        previous = None
        for start, end in day:
            where = f"{label}: hours.{WEEKDAYS[weekday]}"
            if not 0 <= start < DAY_SECONDS or not 0 < end <= DAY_SECONDS:
                raise CalendarError(f"{where}: interval ({start}, {end}) lies outside 00:00-24:00")
            if end <= start:
                raise CalendarError(f"{where}: interval ({start}, {end}) ends before it starts")
            if previous is not None and start < previous[1]:
                raise CalendarError(f"{where}: intervals overlap or are out of order")
            previous = (start, end)
    if not any(hours):
        raise CalendarError(f"{label}: hours: no working hours on any day; give at least one interval")
    return hours


def _checked_holidays(label: str, raw: Iterable[date]) -> frozenset[date]:
    holidays = frozenset(raw)
    for holiday in holidays:
        if isinstance(holiday, datetime) or not isinstance(holiday, date):
            raise CalendarError(f"{label}: holidays: {holiday!r} is not a date")
    return holidays


def _checked_workdays(
    label: str, raw: Mapping[date, tuple[tuple[int, int], ...]], holidays: frozenset[date]
) -> dict[date, tuple[tuple[int, int], ...]]:
    """Make-up working days: dates, none of them a holiday, each with hours."""
    workdays: dict[date, tuple[tuple[int, int], ...]] = {}
    for workday, spans in sorted(dict(raw).items()):
        if isinstance(workday, datetime) or not isinstance(workday, date):
            raise CalendarError(f"{label}: workdays: {workday!r} is not a date")
        if workday in holidays:
            raise CalendarError(f"{label}: workdays: {workday} is also a holiday; keep it in one list")
        workdays[workday] = tuple((int(a), int(b)) for a, b in spans)
        if not workdays[workday]:
            raise CalendarError(f'{label}: workdays.{workday}: give the hours worked, e.g. ["09:00-18:00"]')
    return workdays


class _FrozenDays(dict[date, tuple[tuple[int, int], ...]]):
    """The workdays mapping, hashable so that the calendar stays a hashable value."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))
