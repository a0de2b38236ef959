"""Report arithmetic against hand-computed values."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from deskterm.domain.reports import reports as fig


def test_mean_and_nearest_rank_percentile() -> None:
    assert fig.mean([]) is None
    assert fig.mean([60, 120, 300]) == 160
    values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert fig.percentile(values, 90) == 90
    assert fig.percentile(values, 50) == 50
    assert fig.percentile([5], 90) == 5
    assert fig.percentile([], 90) is None
    assert fig.percentile([3, 1, 2], 100) == 3
    with pytest.raises(ValueError):
        fig.percentile([1], 0)


def test_rate_and_cost() -> None:
    assert fig.rate(1, 3) == 33.3
    assert fig.rate(0, 0) is None
    assert fig.cost(45, Decimal("40")) == Decimal("30.00")
    assert fig.cost(1, Decimal("0.50")) == Decimal("0.01")  # 0.00833 rounds half up to the cent
    assert fig.cost(10, Decimal("55.55")) == Decimal("9.26")


def test_age_buckets_and_hours() -> None:
    now = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    assert fig.age_bucket(now - timedelta(hours=23), now) == "<1d"
    assert fig.age_bucket(now - timedelta(days=1), now) == "1-3d"
    assert fig.age_bucket(now - timedelta(days=29), now) == "7-30d"
    assert fig.age_bucket(now - timedelta(days=400), now) == ">30d"
    counts = fig.by_hour([now, now, now.replace(hour=0)])
    assert counts[9] == 2 and counts[0] == 1 and sum(counts) == 3


def test_first_contact_resolution_rule() -> None:
    opened = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    window = timedelta(minutes=30)
    assert fig.first_contact_resolved(opened + window, opened, ["1"], 0, window)
    assert not fig.first_contact_resolved(opened + window + timedelta(seconds=1), opened, ["1"], 0, window)
    assert not fig.first_contact_resolved(opened, opened, ["1", "2"], 0, window)
    assert not fig.first_contact_resolved(opened, opened, ["1"], 1, window)
    assert not fig.first_contact_resolved(None, opened, ["1"], 0, window)


def test_scores_and_formatting() -> None:
    assert fig.score_summary([5, 4, 2]) == {"answers": 3, "mean_score": 3.67, "satisfied_pct": 66.7}
    assert fig.score_summary([]) == {"answers": 0, "mean_score": None, "satisfied_pct": None}
    assert fig.format_seconds(None) == "-"
    assert fig.format_seconds(59) == "59s"
    assert fig.format_seconds(3900) == "1h05m"
    assert fig.format_seconds(3 * 86400 + 7200) == "3d2h"
    assert fig.sparkline([0, 4, 8]) == "▁▅█"
    assert fig.sparkline([0, 0]) == "▁▁"
    assert fig.bar(5, 10, 4) == "██"
    assert fig.bar(1, 8, 1) == "▏"
    assert fig.bar(0, 8, 10) == ""
