"""Instants as whole microseconds since the Unix epoch, and back.

The calendar and the SLA clock do their inner-loop arithmetic on integers rather than on
datetimes: comparing and subtracting ints is exact and fast, and a microsecond is the resolution
of ``datetime`` itself, so nothing is lost in the round trip. This module is that round trip.
"""

from datetime import UTC, date, datetime, timedelta

DAY_SECONDS = 86_400
MICROS = 1_000_000
DAY_MICROS = DAY_SECONDS * MICROS
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_micros(value: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime; refuses naive ones."""
    try:
        delta = value - _EPOCH
    except TypeError:
        raise ValueError(f"naive datetime {value!r}: every timestamp must carry a time zone") from None
    return (delta.days * DAY_SECONDS + delta.seconds) * MICROS + delta.microseconds


def from_micros(micros: int) -> datetime:
    """The aware UTC datetime ``micros`` microseconds after the Unix epoch."""
    seconds, micros = divmod(micros, MICROS)
    return _EPOCH + timedelta(0, seconds, micros)


def td_micros(delta: timedelta) -> int:
    """A duration in whole microseconds."""
    return (delta.days * DAY_SECONDS + delta.seconds) * MICROS + delta.microseconds
