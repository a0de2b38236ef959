"""Injected time: a clock that moves only when told, and timestamps that always carry a zone."""

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest

from deskterm.domain.core.clock import Clock, FixedClock, SystemClock, ensure_utc

START = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def test_fixed_clock_stands_still() -> None:
    clock = FixedClock(START)
    assert clock.now() == START
    assert clock.now() == START


def test_fixed_clock_advance() -> None:
    clock = FixedClock(START)
    clock.advance(timedelta(minutes=90))
    assert clock.now() == datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    clock.advance(timedelta(days=7, seconds=1))
    assert clock.now() == datetime(2026, 12, 1, 11, 0, 1, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


def test_fixed_clock_advance_accumulates_and_can_go_back() -> None:
    clock = FixedClock(START)
    for _ in range(24):
        clock.advance(timedelta(hours=1))
    assert clock.now() - START == timedelta(days=1)
    clock.advance(timedelta(hours=-25))
    assert clock.now() == START - timedelta(hours=1)


def test_fixed_clock_advance_zero_is_a_no_op() -> None:
    clock = FixedClock(START)
    clock.advance(timedelta(0))
    assert clock.now() == START


def test_fixed_clock_refuses_naive_start() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        FixedClock(datetime(2026, 11, 24, 9, 30))  # noqa: DTZ001


def test_fixed_clock_converts_start_to_utc() -> None:
    shanghai = datetime(2026, 11, 24, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    clock = FixedClock(shanghai)
    assert clock.now() == START
    assert clock.now().tzinfo is UTC
    assert clock.now().hour == 9


def test_fixed_clock_across_a_dst_change_is_exact() -> None:
    # Europe/Berlin leaves summer time on 2026-10-25 at 03:00 local (01:00 UTC).
    before = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    clock = FixedClock(before.astimezone(ZoneInfo("Europe/Berlin")))
    clock.advance(timedelta(hours=2))
    assert clock.now() == datetime(2026, 10, 25, 2, 30, tzinfo=UTC)


def test_clocks_satisfy_the_protocol() -> None:
    clocks: list[Clock] = [FixedClock(START), SystemClock()]
    for clock in clocks:
        assert clock.now().tzinfo is not None


def test_system_clock_is_aware_utc_and_current() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    after = datetime.now(UTC)
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= after


def test_ensure_utc_refuses_naive_with_a_reason() -> None:
    naive = datetime(2026, 3, 29, 2, 30)  # noqa: DTZ001 - a time that does not exist in Berlin
    with pytest.raises(ValueError) as excinfo:
        ensure_utc(naive)
    message = str(excinfo.value)
    assert "naive datetime" in message
    assert "2026, 3, 29, 2, 30" in message
    assert "time zone" in message


class _NoOffset(tzinfo):
    """A tzinfo that knows no offset: as unusable as no zone at all."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


def test_ensure_utc_refuses_a_zone_without_offset() -> None:
    value = datetime(2026, 11, 24, 9, 30, tzinfo=_NoOffset())
    with pytest.raises(ValueError, match="naive datetime"):
        ensure_utc(value)


@pytest.mark.parametrize(
    "aware",
    [
        START,
        datetime(2026, 11, 24, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        datetime(2026, 11, 24, 4, 30, tzinfo=ZoneInfo("America/New_York")),
        datetime(2026, 11, 24, 10, 30, tzinfo=ZoneInfo("Europe/Berlin")),
        datetime(2026, 11, 24, 15, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(2026, 11, 23, 23, 30, tzinfo=timezone(timedelta(hours=-10))),
    ],
    ids=["utc", "shanghai", "new-york", "berlin", "+05:30", "-10:00"],
)
def test_ensure_utc_converts_aware_to_utc(aware: datetime) -> None:
    out = ensure_utc(aware)
    assert out == START  # the same instant
    assert out.tzinfo is UTC
    assert (out.year, out.month, out.day, out.hour, out.minute) == (2026, 11, 24, 9, 30)


def test_ensure_utc_keeps_microseconds() -> None:
    value = datetime(2026, 1, 1, 8, 0, 0, 123456, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert ensure_utc(value) == datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)
