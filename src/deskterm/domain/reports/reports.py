"""The figures behind the service desk's reports: pure arithmetic, no I/O.

Means and percentiles are of seconds (or minutes, or money) and are None over nothing, so a
report never shows a zero that was never measured. Rates are percentages rounded to one
decimal. Percentiles use the nearest rank (no interpolation): the value reported is one that
was actually measured.
"""

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

AGE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("<1d", 1),
    ("1-3d", 3),
    ("3-7d", 7),
    ("7-30d", 30),
    (">30d", math.inf),
)


def mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None


def percentile(values: Iterable[float], pct: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least ``pct`` % at or below it."""
    if not 0 < pct <= 100:
        raise ValueError("a percentile is between 0 (excluded) and 100")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = math.ceil(pct / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


def rate(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in per cent, one decimal; None when nothing was counted."""
    return round(100 * part / whole, 1) if whole else None


def seconds_between(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else max(0.0, (end - start).total_seconds())


def cost(minutes: int, per_hour: Decimal) -> Decimal:
    """Agent time at the agent's hourly cost, to the cent (half up, as accountants round)."""
    return (Decimal(minutes) * per_hour / Decimal(60)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def age_bucket(opened_at: datetime, now: datetime) -> str:
    days = (now - opened_at) / timedelta(days=1)
    for label, limit in AGE_BUCKETS:
        if days < limit:
            return label
    return AGE_BUCKETS[-1][0]


def by_hour(instants: Iterable[datetime], tz: object = None) -> list[int]:
    """Counts per hour of day 0..23, in ``tz`` (a tzinfo) or UTC."""
    counts = [0] * 24
    for at in instants:
        local = at.astimezone(tz) if tz is not None else at  # type: ignore[arg-type]
        counts[local.hour] += 1
    return counts


def first_contact_resolved(
    resolved_at: datetime | None,
    opened_at: datetime,
    tiers_seen: Sequence[str],
    reopened: int,
    window: timedelta,
) -> bool:
    """Resolved by the service desk (tier 1 only, never escalated), not reopened, within
    ``window`` of being logged: what the caller sees as "fixed while I was on the phone"."""
    if resolved_at is None or reopened:
        return False
    if any(t != "1" for t in tiers_seen):
        return False
    return resolved_at - opened_at <= window


def score_summary(scores: Sequence[int]) -> dict[str, float | int | None]:
    """CSAT: answers, mean score and the share of satisfied answers (4 or 5), in per cent."""
    return {
        "answers": len(scores),
        "mean_score": round(sum(scores) / len(scores), 2) if scores else None,
        "satisfied_pct": rate(sum(1 for s in scores if s >= 4), len(scores)),
    }


def format_seconds(seconds: float | None) -> str:
    """``1h05m``, ``3d2h``, ``45s``: short and sortable by eye."""
    if seconds is None:
        return "-"
    total = round(seconds)
    if total < 60:
        return f"{total}s"
    minutes, _ = divmod(total, 60)
    hours, mins = divmod(minutes, 60)
    if hours >= 48:
        days, hours = divmod(hours, 24)
        return f"{days}d{hours}h"
    if hours:
        return f"{hours}h{mins:02d}m"
    return f"{mins}m"


SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    """A trend in one line of block characters, scaled to the largest value."""
    top = max(values, default=0)
    if top <= 0:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[min(len(SPARKS) - 1, int(v / top * (len(SPARKS) - 1) + 0.5))] for v in values)


def bar(value: float, top: float, width: int) -> str:
    """A horizontal bar of ``width`` cells at most, in eighths of a cell."""
    if top <= 0 or value <= 0 or width <= 0:
        return ""
    eighths = round(value / top * width * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + ("▏▎▍▌▋▊▉"[part - 1] if part else "")
