"""Event management (事件管理): what an event is, how significant it is, and where it belongs.

An *event* is a change of state reported by a monitoring tool: ``source`` (the tool), ``node``
(the host or device), ``check`` (what was measured), ``severity``, ``message`` and ``time``.
Events with the same *fingerprint* (by default source + node + check) are one alert: repeats
are de-duplicated (a count, first and last seen) while it stays active; a *recovery*
(severity ``ok``) clears it.

Significance (ITIL: informational, warning, exception) comes from the rules of the desk, in
file order: **the first rule that matches decides** (like a firewall), so a specific rule
goes above a general one. A rule matches when every condition it names matches: ``source``,
``check`` and ``node`` are shell-style patterns (``web-*``), ``message`` a regular expression,
``severities`` a list; all case-insensitive. No rule matching: the severity decides
(critical and major are exceptions, minor and warning warnings, info informational).

Correlation: an event attaches to the open incident of an earlier event on the same CI (or
the same node, when the node is no CI), or on a CI of one of the same services, seen within
the correlation window. Only exceptions open incidents; warnings attach when there is one.
The incident's priority goes through the desk's priority matrix: impact from the service's
criticality, urgency from the event's severity.
"""

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from fnmatch import translate
from typing import Any

from deskterm.domain.core.text import single_line
from deskterm.domain.core.vocabulary import Criticality, Level

_SPACES = re.compile(r"\s\s|[^\S ]")  # two blanks in a row, or a blank that is no space
FIELD_MAX = {"source": 64, "node": 120, "check": 120, "message": 2000, "fingerprint": 64}
DEFAULT_WINDOW = timedelta(minutes=15)


class Severity(StrEnum):
    """Ordered from the worst; ``ok`` is a recovery (the condition cleared)."""

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    WARNING = "warning"
    INFO = "info"
    OK = "ok"


class Significance(StrEnum):
    """What an event means to the desk (重要程度)."""

    INFORMATIONAL = "informational"
    WARNING = "warning"
    EXCEPTION = "exception"


class RuleAction(StrEnum):
    DROP = "drop"
    INFORMATIONAL = "informational"
    WARNING = "warning"
    EXCEPTION = "exception"


SEVERITY_ALIASES: dict[str, Severity] = {
    **{s.value: s for s in Severity},
    "crit": Severity.CRITICAL,
    "fatal": Severity.CRITICAL,
    "emergency": Severity.CRITICAL,
    "alert": Severity.CRITICAL,
    "high": Severity.MAJOR,
    "error": Severity.MAJOR,
    "err": Severity.MAJOR,
    "medium": Severity.MINOR,
    "low": Severity.WARNING,
    "warn": Severity.WARNING,
    "notice": Severity.INFO,
    "information": Severity.INFO,
    "informational": Severity.INFO,
    "none": Severity.INFO,
    "clear": Severity.OK,
    "cleared": Severity.OK,
    "resolved": Severity.OK,
    "recovery": Severity.OK,
    "normal": Severity.OK,
    "up": Severity.OK,
}

DEFAULT_SIGNIFICANCE: dict[Severity, Significance] = {
    Severity.CRITICAL: Significance.EXCEPTION,
    Severity.MAJOR: Significance.EXCEPTION,
    Severity.MINOR: Significance.WARNING,
    Severity.WARNING: Significance.WARNING,
    Severity.INFO: Significance.INFORMATIONAL,
}

IMPACT_BY_CRITICALITY: dict[Criticality | None, Level] = {
    Criticality.CRITICAL: Level.HIGH,
    Criticality.HIGH: Level.HIGH,
    Criticality.MEDIUM: Level.MEDIUM,
    Criticality.LOW: Level.LOW,
    None: Level.LOW,  # a node that is no CI of any service: no known business impact
}

URGENCY_BY_SEVERITY: dict[Severity, Level] = {
    Severity.CRITICAL: Level.HIGH,
    Severity.MAJOR: Level.MEDIUM,
    Severity.MINOR: Level.LOW,
    Severity.WARNING: Level.LOW,  # only when a rule makes a warning an exception
    Severity.INFO: Level.LOW,
    Severity.OK: Level.LOW,
}


class EventError(ValueError):
    """An event that cannot be read; the message names the field and what is accepted."""


def parse_severity(value: object) -> Severity:
    found = SEVERITY_ALIASES.get(value.strip().lower()) if isinstance(value, str) else None
    if found is None:
        accepted = ", ".join(s.value for s in Severity)
        if value is None or value == "":
            raise EventError(f"severity is missing; use one of {accepted}")
        raise EventError(f"severity {value!r} is not known; use one of {accepted}")
    return found


def parse_time(value: object) -> datetime:
    """ISO 8601 with a zone (``2026-11-24T09:30:00Z``) or seconds since the epoch."""
    if isinstance(value, bool):
        raise EventError(f"time {value!r} is not a time; write ISO 8601 with a zone or epoch seconds")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise EventError(f"time {value!r} is out of range") from None
    if not isinstance(value, str):
        raise EventError(f"time {value!r} is not a time; write ISO 8601 with a zone or epoch seconds")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise EventError(f"time {value!r} is not ISO 8601, e.g. 2026-11-24T09:30:00Z") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise EventError(f"time {value!r} has no time zone; add Z or an offset such as +08:00")
    return parsed.astimezone(UTC)


def fingerprint(source: str, node: str, check: str) -> str:
    """The default identity of an alert: the same tool, node and check are the same alert."""
    key = f"{source.lower()}\x1f{node.lower()}\x1f{check.lower()}"
    return hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True, slots=True)
class Event:
    """One reported state change, validated."""

    source: str
    node: str
    check: str
    severity: Severity
    message: str
    time: datetime
    fingerprint: str

    @property
    def is_recovery(self) -> bool:
        return self.severity is Severity.OK


def _text(raw: Mapping[str, Any], name: str, *, required: bool = True) -> str:
    value = raw.get(name)
    if value is None or value == "":
        if required:
            raise EventError(f"{name} is missing; every event needs source, node, check and severity")
        return ""
    if type(value) is not str:
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            value = str(value)
        else:
            raise EventError(f"{name} must be text, not {type(value).__name__}")
    if name != "message" and (_SPACES.search(value) is not None or value != value.strip()):
        value = single_line(value)
        if not value and required:
            raise EventError(f"{name} is blank; every event needs source, node, check and severity")
    limit = FIELD_MAX[name]
    if len(value) > limit:
        if name == "message":
            return value[: limit - 1] + "…"
        raise EventError(f"{name} is at most {limit} characters (this one has {len(value)})")
    return value


def make_event(raw: Mapping[str, Any], now: datetime) -> Event:
    """An Event from deskterm's JSON form; ``time`` defaults to ``now`` (when it was received)."""
    if not isinstance(raw, Mapping):
        raise EventError("an event is a JSON object with source, node, check, severity and message")
    source, node, check = _text(raw, "source"), _text(raw, "node"), _text(raw, "check")
    severity = parse_severity(raw.get("severity"))
    message = _text(raw, "message", required=False)
    when = raw.get("time")
    time = now if when is None or when == "" else parse_time(when)
    given = raw.get("fingerprint")
    if given is None or given == "":
        fp = fingerprint(source, node, check)
    elif isinstance(given, str):
        fp = given.strip() if len(given.strip()) <= FIELD_MAX["fingerprint"] else fingerprint(given, "", "")
    else:
        raise EventError(f"fingerprint must be text, not {type(given).__name__}")
    return Event(source, node, check, severity, message, time, fp)


# -- filtering and significance rules -------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One filtering rule: every condition it names must match (case-insensitive)."""

    name: str
    action: RuleAction
    source: str | None = None
    check: str | None = None
    node: str | None = None
    message: str | None = None
    severities: tuple[Severity, ...] = ()
    _compiled: tuple[tuple[str, re.Pattern[str]], ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if not any((self.source, self.check, self.node, self.message, self.severities)):
            raise EventError(
                f"rule {self.name!r} names no condition; give source, check, node, message or severities"
            )
        compiled: list[tuple[str, re.Pattern[str]]] = []
        for attr in ("source", "check", "node"):
            pattern = getattr(self, attr)
            if pattern:
                compiled.append((attr, re.compile(translate(pattern), re.IGNORECASE)))
        if self.message:
            try:
                compiled.append(("message", re.compile(self.message, re.IGNORECASE)))
            except re.error as exc:
                raise EventError(f"message is not a regular expression ({exc})") from None
        object.__setattr__(self, "_compiled", tuple(compiled))

    def matches(self, event: Event) -> bool:
        if self.severities and event.severity not in self.severities:
            return False
        for attr, pattern in self._compiled:
            value = getattr(event, attr)
            if (pattern.search(value) if attr == "message" else pattern.match(value)) is None:
                return False
        return True


@dataclass(frozen=True)
class RuleSet:
    """The desk's rules in order, and the correlation window."""

    rules: tuple[Rule, ...] = ()
    window: timedelta = DEFAULT_WINDOW

    def classify(self, event: Event) -> Significance | None:
        """The significance of ``event``, or None when a rule drops it.

        A recovery is only ever dropped (a drop rule covering it) or kept: its significance
        is that of the alert it clears, so it is returned as the default of its check.
        """
        for rule in self.rules:
            if rule.matches(event):
                if rule.action is RuleAction.DROP:
                    return None
                if event.is_recovery:
                    return Significance.INFORMATIONAL
                return Significance(rule.action.value)
        if event.is_recovery:
            return Significance.INFORMATIONAL
        return DEFAULT_SIGNIFICANCE[event.severity]

    def rule_for(self, event: Event) -> Rule | None:
        return next((r for r in self.rules if r.matches(event)), None)


# -- de-duplication --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Alert:
    """An active (not yet recovered) alert: one fingerprint, however often it repeats."""

    fingerprint: str
    severity: Severity
    significance: Significance
    message: str
    count: int
    first_seen: datetime
    last_seen: datetime


_RANK = {s: i for i, s in enumerate(Significance)}


def open_alert(event: Event, significance: Significance) -> Alert:
    return Alert(event.fingerprint, event.severity, significance, event.message, 1, event.time, event.time)


def repeat(alert: Alert, event: Event, significance: Significance) -> Alert:
    """A duplicate: counted; the latest report's severity and message stand; a warning that
    repeats as an exception becomes one (significance never falls while active)."""
    latest = event.time >= alert.last_seen
    return Alert(
        alert.fingerprint,
        event.severity if latest else alert.severity,
        significance if _RANK[significance] > _RANK[alert.significance] else alert.significance,
        event.message if latest else alert.message,
        alert.count + 1,
        event.time if event.time < alert.first_seen else alert.first_seen,
        event.time if latest else alert.last_seen,
    )


# -- correlation -----------------------------------------------------------------------------


@dataclass
class Correlator:
    """Open incidents by the CI (or node) and services of the events attached to them, with
    when each was last seen: ``find`` answers "which open incident does this event join?"."""

    window: timedelta = DEFAULT_WINDOW
    by_key: dict[str, tuple[int, datetime]] = field(default_factory=dict)
    by_service: dict[int, tuple[int, datetime]] = field(default_factory=dict)

    def add(self, incident_id: int, key: str, service_ids: Iterable[int], seen: datetime) -> None:
        for index, k in ((self.by_key, key), *((self.by_service, s) for s in service_ids)):
            current = index.get(k)  # type: ignore[attr-defined]
            if current is None or current[1] <= seen:
                index[k] = (incident_id, seen)  # type: ignore[index]

    def find(self, key: str, service_ids: Iterable[int], at: datetime) -> int | None:
        """The incident of the most recent event on the same CI/node, else of a CI of the same
        service, seen within the window of ``at`` (either side: events arrive out of order)."""
        hit = self.by_key.get(key)
        if hit is not None and abs(at - hit[1]) <= self.window:
            return hit[0]
        best: tuple[int, datetime] | None = None
        for sid in service_ids:
            hit = self.by_service.get(sid)
            if hit is not None and abs(at - hit[1]) <= self.window and (best is None or hit[1] > best[1]):
                best = hit
        return best[0] if best is not None else None

    def forget(self, incident_id: int) -> None:
        """The incident is resolved: later events open or join another one."""
        for index in (self.by_key, self.by_service):
            for k in [k for k, (i, _) in index.items() if i == incident_id]:
                del index[k]  # type: ignore[attr-defined]


def correlation_key(ci_id: int | None, node: str) -> str:
    """Events on the same CI, or on the same unknown node, correlate."""
    return f"ci:{ci_id}" if ci_id is not None else f"node:{node.lower()}"


# -- incidents from events -------------------------------------------------------------------


def impact_urgency(criticality: Criticality | None, severity: Severity) -> tuple[Level, Level]:
    """Impact from the most critical service of the CI, urgency from the severity."""
    return IMPACT_BY_CRITICALITY[criticality], URGENCY_BY_SEVERITY[severity]


def most_critical(values: Iterable[Criticality]) -> Criticality | None:
    order = list(Criticality)
    found = sorted(values, key=order.index)
    return found[0] if found else None


def incident_title(event: Event) -> str:
    """Names the node and the check; the message follows when there is room."""
    head = f"{event.node}: {event.check} {event.severity.value}"
    message = single_line(event.message)
    title = f"{head} - {message}" if message else head
    return title if len(title) <= 200 else title[:199] + "…"


class RecoveryAction(StrEnum):
    RESOLVE = "resolve"
    NOTE = "note"
    NOTHING = "nothing"


def on_recovery(
    *, opened_by_event: bool, taken_over: bool, incident_open: bool, still_active: int
) -> RecoveryAction:
    """What a recovery does to the incident its alert is attached to.

    The incident event management opened is resolved when its last active alert clears, unless
    an agent has taken it over (assigned it or moved its status): then the agent gets a note.
    An incident a person logged is never resolved by a machine: it gets a note.
    """
    if not incident_open:
        return RecoveryAction.NOTHING
    if taken_over or not opened_by_event:
        return RecoveryAction.NOTE
    return RecoveryAction.RESOLVE if still_active == 0 else RecoveryAction.NOTHING
