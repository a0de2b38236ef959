"""Bounds on input: dates within a sane range, numbers within their type, nesting limited.

Python's ``date`` runs from year 1 to 9999 and a database integer to 2**31 - 1 (PostgreSQL
INTEGER), but a desk's arithmetic (a period's end plus a day, a deadline plus a target,
"the week before") overflows near those edges. Every date a person or machine gives is
checked against :data:`FIRST_DAY` .. :data:`LAST_DAY` first, with a sentence saying so.
"""

import math
from datetime import date, datetime

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
INT_MAX = 2**31 - 1  # PostgreSQL INTEGER; SQLite holds more, but the desk is the same on both
FLOAT_MAX = 1e6  # hours, minutes, ratios: a million of anything is far beyond any real input
MAX_DEPTH = 64  # nesting of JSON and TOML documents


class OutOfRange(ValueError):
    """A value outside what the desk accepts; the message says the range."""


def day_in_range(day: date, what: str = "date") -> date:
    """``day`` (or a datetime's day) if it lies between 1900-01-01 and 2999-12-31."""
    plain = day.date() if isinstance(day, datetime) else day
    if not FIRST_DAY <= plain <= LAST_DAY:
        raise OutOfRange(
            f"{what} {day.isoformat()} is out of range; give a date between "
            f"{FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}"
        )
    return day


def time_in_range(moment: datetime, what: str = "time") -> datetime:
    day_in_range(moment, what)
    return moment


def int_in_range(value: int, what: str = "number") -> int:
    if not -INT_MAX <= value <= INT_MAX:
        raise OutOfRange(f"{what} {value} is out of range; give a whole number up to {INT_MAX}")
    return value


def float_in_range(value: float, what: str = "number") -> float:
    if not math.isfinite(value) or abs(value) > FLOAT_MAX:
        raise OutOfRange(f"{what} {value} is out of range; give a number up to {FLOAT_MAX:g}")
    return value


def depth(value: object, limit: int = MAX_DEPTH) -> int:
    """How deeply ``value`` (parsed JSON or TOML) nests; stops counting past ``limit``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > limit:
                return level
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def has_nul(value: object) -> bool:
    """True if any string in ``value`` (parsed JSON or TOML, keys too) holds a NUL character:
    PostgreSQL cannot store one, so the desk refuses it on both databases."""
    return unstorable(value) is not None


def unstorable(value: object) -> str | None:
    """What in ``value`` no database can store as text: a NUL character (PostgreSQL refuses
    it) or a lone surrogate (``"\\ud800"`` in JSON; not encodable as UTF-8); else None."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "a NUL character (\\u0000)"
            if any("\ud800" <= ch <= "\udfff" for ch in item):
                return "a lone surrogate (\\ud800..\\udfff)"
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None
