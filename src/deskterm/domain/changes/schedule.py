"""The forward schedule of change: windows as half-open UTC intervals, and collision rules.

A collision is a warning, never a refusal (the CAB decides). Five rules, all pure interval
logic over aware datetimes:

- ``same-ci``: another change on the same CI in an overlapping window;
- ``related-ci``: another change, overlapping, on a CI directly related to one of ours
  (depends-on, runs-on, part-of, either direction);
- ``maintenance``: the window is not inside the CI's weekly maintenance window;
- ``blackout``: the window overlaps a blackout window;
- ``implementer``: the same implementer has another change in an overlapping window.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class CollisionKind(StrEnum):
    SAME_CI = "same-ci"
    RELATED_CI = "related-ci"
    MAINTENANCE = "maintenance"
    BLACKOUT = "blackout"
    IMPLEMENTER = "implementer"


class ScheduleError(ValueError):
    """A window that cannot be: end before start, unknown day or zone, bad HH:MM."""


@dataclass(frozen=True, order=True)
class Interval:
    """[start, end) in aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ScheduleError("interval times must be timezone-aware")
        if self.end <= self.start:
            raise ScheduleError("an interval must end after it starts")

    def overlaps(self, other: "Interval") -> bool:
        return self.start < other.end and other.start < self.end

    def within(self, other: "Interval") -> bool:
        return other.start <= self.start and self.end <= other.end


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping and touching intervals joined."""
    out: list[Interval] = []
    for iv in sorted(intervals):
        if out and iv.start <= out[-1].end:
            if iv.end > out[-1].end:
                out[-1] = Interval(out[-1].start, iv.end)
        else:
            out.append(iv)
    return out


def covered(interval: Interval, by: Iterable[Interval]) -> bool:
    """Whether ``interval`` lies wholly inside the union of ``by``."""
    return any(interval.within(block) for block in merge(by))


def parse_hhmm(text: str) -> time | None:
    """``22:00`` -> 22:00; ``24:00`` -> None, meaning the end of the day."""
    try:
        hours, minutes = (int(p) for p in text.strip().split(":"))
    except ValueError:
        raise ScheduleError(f"{text!r} is not a time; write HH:MM, e.g. 22:00") from None
    if (hours, minutes) == (24, 0):
        return None
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise ScheduleError(f"{text!r} is not a time of day; write HH:MM between 00:00 and 24:00")
    return time(hours, minutes)


def parse_days(days: Iterable[str]) -> frozenset[int]:
    """``["sat", "sun"]`` or ``["mon-fri"]`` -> weekday numbers (Monday 0)."""
    out: set[int] = set()
    for raw in days:
        word = raw.strip().lower()[:7]
        if "-" in word:
            first, _, last = word.partition("-")
            a, b = _day(first), _day(last)
            out.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        else:
            out.add(_day(word))
    if not out:
        raise ScheduleError("a weekly window needs at least one day, e.g. days = ['sat', 'sun']")
    return frozenset(out)


def _day(word: str) -> int:
    key = word.strip()[:3]
    if key not in DAYS:
        raise ScheduleError(f"{word!r} is not a day; use mon, tue, wed, thu, fri, sat, sun")
    return DAYS.index(key)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"{name!r} is not a time zone; use an IANA name such as Europe/Berlin") from None


@dataclass(frozen=True)
class WeeklyWindow:
    """A recurring weekly window in local time: on each of ``days`` from ``start`` to ``end``.

    ``end`` at or before ``start`` runs past midnight into the next day (22:00-02:00);
    ``end=None`` is 24:00. Local times follow the zone, so daylight saving moves UTC.
    """

    days: frozenset[int]
    start: time
    end: time | None
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        zone(self.timezone)
        if not self.days or not all(0 <= d <= 6 for d in self.days):
            raise ScheduleError("weekly window days must be 0 (Monday) to 6 (Sunday)")

    @classmethod
    def parse(cls, days: Iterable[str], hours: str, timezone: str = "UTC") -> "WeeklyWindow":
        """``(["sat"], "22:00-02:00", "Europe/Berlin")``."""
        first, sep, last = hours.partition("-")
        if not sep:
            raise ScheduleError(f"{hours!r} is not a window; write HH:MM-HH:MM, e.g. 22:00-02:00")
        start = parse_hhmm(first)
        if start is None:
            raise ScheduleError("a window cannot start at 24:00; start it at 00:00 the next day")
        return cls(parse_days(days), start, parse_hhmm(last), timezone)

    @property
    def hours(self) -> str:
        end = "24:00" if self.end is None else self.end.strftime("%H:%M")
        return f"{self.start.strftime('%H:%M')}-{end}"

    @property
    def day_names(self) -> list[str]:
        return [DAYS[d] for d in sorted(self.days)]

    def _occurrence(self, day: date) -> Interval:
        tz = zone(self.timezone)
        start = datetime.combine(day, self.start, tzinfo=tz)
        if self.end is None or self.end <= self.start:
            end_day = day + timedelta(days=1)
            end = datetime.combine(end_day, self.end or time(0), tzinfo=tz)
        else:
            end = datetime.combine(day, self.end, tzinfo=tz)
        return Interval(start.astimezone(UTC), end.astimezone(UTC))

    def occurrences(self, span: Interval) -> list[Interval]:
        """Every occurrence overlapping ``span``, in UTC, in order."""
        tz = zone(self.timezone)
        first = span.start.astimezone(tz).date() - timedelta(days=1)
        last = span.end.astimezone(tz).date()
        out: list[Interval] = []
        day = first
        while day <= last:
            if day.weekday() in self.days:
                occ = self._occurrence(day)
                if occ.overlaps(span):
                    out.append(occ)
            day += timedelta(days=1)
        return out


def inside_windows(interval: Interval, windows: Sequence[WeeklyWindow]) -> bool:
    """Whether ``interval`` fits inside the union of the windows' occurrences."""
    occ = [o for w in windows for o in w.occurrences(interval)]
    return covered(interval, occ)


@dataclass(frozen=True)
class Slot:
    """A change as the schedule sees it."""

    ref: str
    window: Interval
    cis: frozenset[str] = frozenset()
    implementer: str | None = None


@dataclass(frozen=True)
class Blackout:
    name: str
    window: Interval


@dataclass(frozen=True)
class Collision:
    kind: CollisionKind
    other: str
    explanation: str


@dataclass(frozen=True)
class ScheduleRules:
    """What the slots are checked against. ``related`` maps a CI to its directly related CIs
    (either direction); ``maintenance`` maps a CI to its weekly windows (a CI without any is
    not constrained); maintenance names say where the window came from."""

    related: Mapping[str, frozenset[str]] = field(default_factory=dict)
    maintenance: Mapping[str, Sequence[WeeklyWindow]] = field(default_factory=dict)
    blackouts: Sequence[Blackout] = ()


def _fmt(iv: Interval) -> str:
    start, end = iv.start.astimezone(UTC), iv.end.astimezone(UTC)
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M}-{until} UTC"


def related_map(edges: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    """Undirected adjacency from ``(source, target)`` relationship pairs."""
    acc: dict[str, set[str]] = {}
    for a, b in edges:
        if a == b:
            continue
        acc.setdefault(a, set()).add(b)
        acc.setdefault(b, set()).add(a)
    return {k: frozenset(v) for k, v in acc.items()}


def pair_collisions(a: Slot, b: Slot, rules: ScheduleRules) -> list[Collision]:
    """What ``b`` means for ``a`` (assumed overlapping): same CI, related CI, implementer."""
    out: list[Collision] = []
    shared = sorted(a.cis & b.cis)
    if shared:
        out.append(
            Collision(
                CollisionKind.SAME_CI,
                b.ref,
                f"{b.ref} also changes {', '.join(shared)} in {_fmt(b.window)}",
            )
        )
    pairs = sorted(
        (mine, theirs)
        for mine in a.cis
        for theirs in b.cis
        # a pair on a CI both change is already a same-ci collision
        if theirs in rules.related.get(mine, frozenset()) and mine not in b.cis and theirs not in a.cis
    )
    if pairs:
        said = ", ".join(f"{theirs} (related to {mine})" for mine, theirs in pairs)
        out.append(Collision(CollisionKind.RELATED_CI, b.ref, f"{b.ref} changes {said} in {_fmt(b.window)}"))
    if a.implementer and a.implementer == b.implementer:
        out.append(
            Collision(
                CollisionKind.IMPLEMENTER,
                b.ref,
                f"{a.implementer} also implements {b.ref} in {_fmt(b.window)}",
            )
        )
    return out


def window_collisions(a: Slot, rules: ScheduleRules) -> list[Collision]:
    """Maintenance and blackout rules for one slot."""
    out: list[Collision] = []
    for ci in sorted(a.cis):
        windows = rules.maintenance.get(ci)
        if windows and not inside_windows(a.window, windows):
            hours = "; ".join(f"{','.join(w.day_names)} {w.hours} {w.timezone}" for w in windows)
            out.append(
                Collision(
                    CollisionKind.MAINTENANCE,
                    f"{ci} maintenance",
                    f"{_fmt(a.window)} is outside {ci}'s maintenance window ({hours})",
                )
            )
    for b in rules.blackouts:
        if a.window.overlaps(b.window):
            out.append(
                Collision(
                    CollisionKind.BLACKOUT,
                    b.name,
                    f"the window overlaps the blackout {b.name} ({_fmt(b.window)})",
                )
            )
    return out


def detect(slots: Sequence[Slot], rules: ScheduleRules) -> dict[str, list[Collision]]:
    """Collisions of every slot, keyed by ref (every ref present, maybe with an empty list).

    A sweep over slots sorted by start, so only overlapping pairs are compared.
    """
    result: dict[str, list[Collision]] = {s.ref: window_collisions(s, rules) for s in slots}
    ordered = sorted(slots, key=lambda s: (s.window.start, s.ref))
    active: list[Slot] = []
    for s in ordered:
        active = [o for o in active if o.window.end > s.window.start]
        for o in active:
            result[s.ref].extend(pair_collisions(s, o, rules))
            result[o.ref].extend(pair_collisions(o, s, rules))
        active.append(s)
    for ref, found in result.items():
        found.sort(key=lambda c: (list(CollisionKind).index(c.kind), c.other))
        result[ref] = found
    return result
