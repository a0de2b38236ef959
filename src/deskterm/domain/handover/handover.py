"""Shifts and the handover digest's rules: pure, no I/O.

A :class:`ShiftPlan` is a time zone and named shifts given in local wall-clock time
(``"16:00"``-``"24:00"``; a shift may cross midnight, e.g. ``"22:00"``-``"06:00"``). The shifts
must tile the day exactly: no gap (an instant outside every shift would have nobody to hand
over to) and no overlap (an instant in two shifts would be handed over twice).

A shift's *date* is the local date on which it starts. Local boundaries are mapped to UTC
through the zone; on a daylight-saving day a shift is an hour longer or shorter, as worked.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")
_DAY_MINUTES = 24 * 60


class ShiftError(ValueError):
    """A shift definition that cannot be used; the message names the shift and what to fix."""


def _minutes(text: str, what: str) -> int:
    m = _HHMM.match(text.strip())
    if not m:
        raise ShiftError(f"{what} {text!r} is not a time; write it as HH:MM, e.g. 08:00")
    hours, minutes = int(m.group(1)), int(m.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ShiftError(f"{what} {text!r} is not a time of day; use 00:00 to 24:00")
    return hours * 60 + minutes


@dataclass(frozen=True)
class ShiftDef:
    """One named shift: local start and end as minutes after midnight (end may be <= start:
    the shift then ends on the next day)."""

    name: str
    start: int
    end: int

    @property
    def minutes(self) -> int:
        return (self.end - self.start) % _DAY_MINUTES or _DAY_MINUTES


@dataclass(frozen=True)
class ShiftWindow:
    """One occurrence of a shift: its name, the local date it starts on, and UTC bounds."""

    name: str
    day: date
    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        """``2026-11-24:early``: how a shift is named on the command line."""
        return f"{self.day.isoformat()}:{self.name}"

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant < self.end


@dataclass(frozen=True)
class ShiftPlan:
    timezone: str
    shifts: tuple[ShiftDef, ...]

    @classmethod
    def from_config(cls, timezone: str, shifts: Iterable[dict[str, str]]) -> "ShiftPlan":
        """Validate the whole plan: names unique, times valid, the day tiled exactly."""
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ShiftError(
                f"time zone {timezone!r} is not known; use an IANA name like Europe/Berlin"
            ) from None
        defs: list[ShiftDef] = []
        for i, raw in enumerate(shifts, 1):
            name = str(raw.get("name", "")).strip().lower()
            if not name or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
                raise ShiftError(f"shift {i} needs a name of letters, digits, - or _ (e.g. early)")
            if any(d.name == name for d in defs):
                raise ShiftError(f"shift {name!r} is defined twice; give each shift its own name")
            start = _minutes(str(raw.get("start", "")), f"shift {name!r} start")
            end = _minutes(str(raw.get("end", "")), f"shift {name!r} end")
            if start == _DAY_MINUTES:
                raise ShiftError(f"shift {name!r} starts at 24:00; start it at 00:00 instead")
            defs.append(ShiftDef(name, start, end % _DAY_MINUTES))
        if not defs:
            raise ShiftError("define at least one shift (name, start, end)")
        covered = [0] * _DAY_MINUTES
        for d in defs:
            for m in range(d.start, d.start + d.minutes):
                covered[m % _DAY_MINUTES] += 1
        if any(c > 1 for c in covered):
            at = covered.index(next(c for c in covered if c > 1))
            raise ShiftError(f"shifts overlap at {at // 60:02d}:{at % 60:02d}; make each minute one shift's")
        if any(c == 0 for c in covered):
            at = covered.index(0)
            raise ShiftError(f"no shift covers {at // 60:02d}:{at % 60:02d}; shifts must cover the whole day")
        return cls(timezone, tuple(sorted(defs, key=lambda d: d.start)))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def names(self) -> list[str]:
        return [d.name for d in self.shifts]

    def _local(self, day: date, minutes: int) -> datetime:
        extra, minutes = divmod(minutes, _DAY_MINUTES)
        wall = datetime.combine(day + timedelta(days=extra), time(minutes // 60, minutes % 60))
        # fold=0: a repeated time maps to its first occurrence; a skipped one maps forward.
        local = wall.replace(tzinfo=self.zone)
        utc = local.astimezone(UTC)
        if utc.astimezone(self.zone).replace(tzinfo=None) < wall:  # skipped by spring-forward
            utc = (wall + timedelta(hours=1)).replace(tzinfo=self.zone).astimezone(UTC)
        return utc

    def window(self, day: date, name: str) -> ShiftWindow:
        """The shift ``name`` that starts on local date ``day``."""
        found = next((d for d in self.shifts if d.name == name.strip().lower()), None)
        if found is None:
            raise ShiftError(f"no shift is named {name!r}; shifts are {', '.join(self.names())}")
        return ShiftWindow(
            found.name, day, self._local(day, found.start), self._local(day, found.start + found.minutes)
        )

    def at(self, instant: datetime) -> ShiftWindow:
        """The shift that contains ``instant`` (aware, any zone)."""
        local_day = instant.astimezone(self.zone).date()
        for day in (local_day - timedelta(days=1), local_day, local_day + timedelta(days=1)):
            for d in self.shifts:
                w = self.window(day, d.name)
                if w.contains(instant):
                    return w
        raise ShiftError(f"no shift contains {instant.isoformat()}")  # the plan tiles the day

    def previous(self, window: ShiftWindow) -> ShiftWindow:
        return self.at(window.start - timedelta(microseconds=1))

    def next(self, window: ShiftWindow) -> ShiftWindow:
        return self.at(window.end)

    def parse(self, text: str, now: datetime) -> ShiftWindow:
        """``now``, ``prev``, ``next``, ``YYYY-MM-DD`` (its first shift) or ``YYYY-MM-DD:NAME``."""
        word = text.strip().lower()
        current = self.at(now)
        if word in ("", "now", "current"):
            return current
        if word in ("prev", "previous", "last"):
            return self.previous(current)
        if word == "next":
            return self.next(current)
        day_text, _, name = word.partition(":")
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            raise ShiftError(
                f"shift {text!r} is not understood; use now, prev, YYYY-MM-DD or YYYY-MM-DD:NAME "
                f"(names: {', '.join(self.names())})"
            ) from None
        return self.window(day, name or self.shifts[0].name)


DEFAULT_SHIFTS: tuple[dict[str, str], ...] = (
    {"name": "night", "start": "00:00", "end": "08:00"},
    {"name": "early", "start": "08:00", "end": "16:00"},
    {"name": "late", "start": "16:00", "end": "24:00"},
)


# -- the digest's rules -------------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    """Counts in and out of a shift: logged, resolved, and what that did to the backlog."""

    logged: int
    resolved: int
    reopened: int
    backlog_start: int
    backlog_end: int

    @property
    def backlog_delta(self) -> int:
        return self.backlog_end - self.backlog_start


def flow(
    opened: Sequence[datetime],
    resolved: Sequence[datetime | None],
    window: ShiftWindow,
    *,
    reopened: int = 0,
    open_at_start: int,
    open_at_end: int,
) -> Flow:
    """Logged and resolved within ``[start, end)``; the backlog counts come from the caller,
    which knows the open tickets at both bounds."""
    return Flow(
        logged=sum(1 for at in opened if window.contains(at)),
        resolved=sum(1 for at in resolved if at is not None and window.contains(at)),
        reopened=reopened,
        backlog_start=open_at_start,
        backlog_end=open_at_end,
    )


def breach_bucket(
    state: str,
    due_at: datetime | None,
    stopped_at: datetime | None,
    shift: ShiftWindow,
    following: ShiftWindow,
    now: datetime,
) -> str | None:
    """Where a target falls for this handover: ``breached`` (its due time passed during the
    shift without a stop before it), ``due-next`` (not breached yet, due before the next shift
    ends: the incoming agent inherits it), or None."""
    if due_at is None or state == "met" or (stopped_at is not None and stopped_at <= due_at):
        return None
    if shift.contains(due_at) and due_at <= now:
        return "breached"
    lower = now if shift.contains(now) else following.start
    if lower < due_at < following.end and (due_at > now or not shift.contains(now)):
        return "due-next"
    return None
