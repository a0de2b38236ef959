"""The terms of a service level agreement: what is measured, in which units, against which targets.

They live apart from the clock because they are read without it: the SLA definitions as code
parse and check them, event rules and screens write durations the way people do, and reports
name clock states and metrics. The clock (:mod:`deskterm.domain.sla.sla`) only reads them.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from deskterm.domain.core.vocabulary import PendingReason, Priority
from deskterm.domain.sla.calendar import BusinessCalendar

_US = 1_000_000


class Metric(StrEnum):
    RESPONSE = "response"
    RESOLUTION = "resolution"


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    WARNING = "warning"
    BREACHED = "breached"


class AgreementKind(StrEnum):
    """SLA with a customer, OLA with an internal team, UC (underpinning contract) with a supplier."""

    SLA = "SLA"
    OLA = "OLA"
    UC = "UC"


class TermsError(ValueError):
    """Agreement terms that cannot be measured; the message names the agreement and field."""


# -- durations as people write them ---------------------------------------------------------

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(value: str | int) -> int:
    """``"15m"``, ``"4h"``, ``"1h30m"``, ``"90s"`` or a number of seconds -> seconds (> 0).

    Days are refused on purpose: a day of business time depends on the calendar, so write
    three 9-hour business days as ``27h``.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration; write it like 15m, 4h or 1h30m")
    if isinstance(value, int):
        seconds = value
    else:
        text = str(value).strip().lower().replace(" ", "")
        if text.endswith("d") or re.search(r"\d+d", text):
            raise ValueError(f"{value!r}: days are ambiguous in business time; write hours instead, e.g. 27h")
        match = _DURATION.match(text)
        if not text or match is None:
            raise ValueError(f"{value!r} is not a duration; write it like 15m, 4h or 1h30m")
        hours, minutes, secs = (int(part) if part else 0 for part in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    if seconds <= 0:
        raise ValueError(f"{value!r}: a target must be longer than zero")
    return seconds


def format_duration(seconds: float | None) -> str:
    """``14400 -> "4h"``, ``5400 -> "1h30m"``, ``-90 -> "-1m30s"``; ``None`` -> ``"no target"``."""
    if seconds is None:
        return "no target"
    total = round(seconds)
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return sign + ("".join(parts) or "0s")


# -- agreement terms ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AgreementTerms:
    """What one agreement promises: targets per priority and metric, on a calendar.

    ``targets`` maps priority -> metric -> business seconds (strings such as ``"P1"`` and
    ``"response"`` are accepted and normalised). ``pause_on`` lists the pending reasons that stop
    the resolution clock.
    """

    name: str
    kind: AgreementKind = AgreementKind.SLA
    calendar: BusinessCalendar
    targets: Mapping[Priority, Mapping[Metric, int]]
    warn_at: float = 0.75
    pause_on: frozenset[PendingReason] = frozenset()
    _micros: dict[Metric, dict[Priority, int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise TermsError("an agreement needs a name")
        label = f"agreement {self.name!r}"
        try:
            kind = AgreementKind(str(self.kind).upper())
        except ValueError:
            raise TermsError(f"{label}: kind: {self.kind!r} is not one of SLA, OLA, UC") from None
        if not isinstance(self.calendar, BusinessCalendar):
            raise TermsError(f"{label}: calendar: expected a business calendar, got {self.calendar!r}")
        warn = self.warn_at
        if isinstance(warn, bool) or not isinstance(warn, int | float) or not 0 < warn < 1:
            raise TermsError(f"{label}: warn_at: {warn!r} must be a fraction between 0 and 1, e.g. 0.75")
        pause_on = _checked_pause_on(label, self.pause_on)
        targets = _checked_targets(label, self.targets)
        object.__setattr__(self, "name", self.name.strip())
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "warn_at", float(warn))
        object.__setattr__(self, "pause_on", frozenset(pause_on))
        object.__setattr__(self, "targets", targets)
        by_metric = {
            metric: {p: per[metric] * _US for p, per in targets.items() if metric in per} for metric in Metric
        }
        object.__setattr__(self, "_micros", by_metric)

    @classmethod
    def from_spec(
        cls,
        name: str,
        kind: str,
        calendar: BusinessCalendar,
        targets: Mapping[str, Mapping[str, int]],
        warn_at: float = 0.75,
        pause_on: Iterable[str] = (),
    ) -> "AgreementTerms":
        """Build from the definitions-as-code shape, where kinds, priorities, metrics and pending
        reasons are strings in any case: the constructor checks and normalises them, raising
        :class:`TermsError` naming the field at fault."""
        # The dataclass fields hold the normalised enums; __post_init__ turns the strings into them.
        return cls(
            name=name,
            kind=kind,  # type: ignore[arg-type]
            calendar=calendar,
            targets=targets,  # type: ignore[arg-type]
            warn_at=warn_at,
            pause_on=frozenset(pause_on),  # type: ignore[arg-type]
        )

    def target(self, priority: Priority, metric: Metric) -> int | None:
        """Business seconds promised for ``metric`` at ``priority``, or ``None`` if nothing is."""
        per_metric = self.targets.get(priority)
        return None if per_metric is None else per_metric.get(metric)


def _checked_pause_on(label: str, raw: Iterable[object]) -> set[PendingReason]:
    """The pending reasons that pause the resolution clock, in any case."""
    pause_on: set[PendingReason] = set()
    for reason in raw:
        try:
            pause_on.add(PendingReason(str(reason).lower()))
        except ValueError:
            names = ", ".join(r.value for r in PendingReason)
            raise TermsError(f"{label}: pause_on: {reason!r} is not a pending reason; use {names}") from None
    return pause_on


def _checked_targets(
    label: str, raw: Mapping[Any, Mapping[Any, object]]
) -> dict[Priority, dict[Metric, int]]:
    """Priority -> metric -> whole seconds above zero, names in any case."""
    targets: dict[Priority, dict[Metric, int]] = {}
    for raw_priority, per_metric in raw.items():
        try:
            priority = Priority(str(raw_priority).upper())
        except ValueError:
            names = ", ".join(p.value for p in Priority)
            raise TermsError(f"{label}: targets: {raw_priority!r} is not a priority; use {names}") from None
        targets[priority] = {}
        for raw_metric, seconds in per_metric.items():
            try:
                metric = Metric(str(raw_metric).lower())
            except ValueError:
                raise TermsError(
                    f"{label}: targets.{priority}: {raw_metric!r} is not a metric; use response or resolution"
                ) from None
            if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds <= 0:
                raise TermsError(
                    f"{label}: targets.{priority}.{metric}: {seconds!r} must be a whole number of "
                    "seconds above zero"
                )
            targets[priority][metric] = seconds
    return targets
