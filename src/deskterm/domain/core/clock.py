"""Time is injected, never read from ``datetime.now`` directly, so tests can freeze it."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that only moves when told to: for tests and for reproducible demo data."""

    at: datetime

    def __post_init__(self) -> None:
        self.at = ensure_utc(self.at)

    def now(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at = self.at + delta


def ensure_utc(value: datetime) -> datetime:
    """Refuse naive datetimes: a timestamp without a zone is a bug waiting for DST."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: every timestamp must carry a time zone")
    return value.astimezone(UTC)
