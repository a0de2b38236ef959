"""Business calendars: hand-checked cases, validation, and the algebra of business time.

The property tests compare the calendar with a minute-by-minute oracle that knows nothing of its
internals, and check that adding then measuring business time round-trips, that both are
monotonic, that measuring is additive, and that holidays count zero, with extra weight on the
days around daylight-saving changes in Berlin, New York and Havana (where the change is at
midnight), and on Shanghai, which has none.
"""

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deskterm.domain.sla.calendar import BusinessCalendar, SpanKind
from deskterm.domain.sla.calendar_spec import CalendarError
from deskterm.domain.sla.instants import from_micros, to_micros

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")
HAVANA = ZoneInfo("America/Havana")
HOUR = 3600
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
ALL_DAYS = (*WORKDAYS, "sat", "sun")

LUNCH = ["09:00-12:00", "13:00-18:00"]


def week(intervals: list[str], days: tuple[str, ...] = WORKDAYS) -> dict[str, list[str]]:
    return {day: list(intervals) for day in days}


BERLIN_OFFICE = BusinessCalendar.from_spec(
    "Berlin office", "Europe/Berlin", week(LUNCH), ["2026-12-24", "2026-12-25", "2026-12-26"]
)
BERLIN_9_18 = BusinessCalendar.from_spec("Berlin 9-18", "Europe/Berlin", week(["09:00-18:00"]))
NEW_YORK_OFFICE = BusinessCalendar.from_spec("New York office", "America/New_York", week(["09:00-17:00"]))
SHANGHAI_OFFICE = BusinessCalendar.from_spec(
    "Shanghai office",
    "Asia/Shanghai",
    week(LUNCH),
    [f"2026-10-0{day}" for day in range(1, 8)],
)
# Night shifts whose intervals contain the 02:00-03:00 hour that DST skips or repeats.
BERLIN_NIGHTS = BusinessCalendar.from_spec(
    "Berlin nights",
    "Europe/Berlin",
    {
        "mon": ["00:00-06:00", "22:00-24:00"],
        "sat": ["01:00-04:00", "20:00-24:00"],
        "sun": ["00:00-06:00", "12:00-13:00"],
    },
)
NEW_YORK_NIGHTS = BusinessCalendar.from_spec(
    "New York nights", "America/New_York", week(["00:00-05:00", "21:00-24:00"], (*WORKDAYS, "sun"))
)
# Havana changes clocks at midnight: a day that starts at 01:00 and a midnight that happens twice.
HAVANA_DAYS = BusinessCalendar.from_spec(
    "Havana", "America/Havana", {**week(["00:00-24:00"], (*WORKDAYS, "sat")), "sun": ["00:00-12:00"]}
)
BERLIN_24X7 = BusinessCalendar.from_spec("Berlin 24x7", "Europe/Berlin", week(["00:00-24:00"], ALL_DAYS))
ALWAYS = BusinessCalendar.always()

CALENDARS = [
    BERLIN_OFFICE,
    BERLIN_9_18,
    NEW_YORK_OFFICE,
    SHANGHAI_OFFICE,
    BERLIN_NIGHTS,
    NEW_YORK_NIGHTS,
    HAVANA_DAYS,
    ALWAYS,
]

# The changes around which the property tests look hardest (UTC instants).
DST_CHANGES = [
    datetime(2026, 3, 29, 1, tzinfo=UTC),  # Berlin spring forward
    datetime(2026, 10, 25, 1, tzinfo=UTC),  # Berlin fall back
    datetime(2026, 3, 8, 7, tzinfo=UTC),  # New York spring forward
    datetime(2026, 11, 1, 6, tzinfo=UTC),  # New York fall back
    datetime(2026, 3, 8, 5, tzinfo=UTC),  # Havana spring forward (00:00 -> 01:00)
    datetime(2026, 11, 1, 5, tzinfo=UTC),  # Havana fall back (01:00 -> 00:00)
    datetime(2026, 12, 24, 12, tzinfo=UTC),  # the Berlin holidays
    datetime(2026, 10, 3, 12, tzinfo=UTC),  # Shanghai National Day week
]


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)  # type: ignore[misc]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# -- strategies -------------------------------------------------------------------------------

calendars = st.sampled_from(CALENDARS)
# hypothesis wants naive bounds; the values it draws carry UTC
_anywhere = st.datetimes(
    min_value=datetime(2024, 1, 1),  # noqa: DTZ001
    max_value=datetime(2029, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
_near_change = st.builds(
    lambda at, offset, micros: at + timedelta(seconds=offset, microseconds=micros),
    st.sampled_from(DST_CHANGES),
    st.integers(-4 * 86400, 4 * 86400),
    st.sampled_from([0, 0, 0, 1, 999_999, 500_000]),
)
instants = st.one_of(_anywhere, _near_change, _near_change)
durations = st.one_of(
    st.integers(0, 5 * 9 * HOUR),  # up to five business days
    st.integers(0, 60 * 9 * HOUR),
    st.sampled_from([0, 1, 60, HOUR, 3 * HOUR, 8 * HOUR, 9 * HOUR]),
)
micro_durations = st.integers(0, 5 * 9 * HOUR * 1_000_000)
spans = st.integers(0, 40 * 86400 * 1_000_000)


def minute_is_open(cal: BusinessCalendar, instant: datetime) -> bool:
    """The oracle: does the wall clock at ``instant`` lie in a working interval of a working date?"""
    wall = instant.astimezone(ZoneInfo(cal.timezone))
    if wall.date() in cal.holidays:
        return False
    seconds = wall.hour * 3600 + wall.minute * 60 + wall.second
    return any(start <= seconds < end for start, end in cal.hours[wall.weekday()])


def oracle_seconds(cal: BusinessCalendar, start: datetime, end: datetime) -> int:
    """Business seconds of ``[start, end)`` minute by minute (both on whole minutes)."""
    total, cursor = 0, start
    while cursor < end:
        if minute_is_open(cal, cursor):
            total += 60
        cursor += timedelta(minutes=1)
    return total


# -- hand-checked cases -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cal", "start", "seconds", "due"),
    [
        # logged Friday 17:30, 4h target: 30 minutes on Friday, the rest on Monday
        (BERLIN_9_18, local(BERLIN, 2026, 11, 20, 17, 30), 4 * HOUR, local(BERLIN, 2026, 11, 23, 12, 30)),
        # ... and with a lunch break on Monday it is due an hour later
        (BERLIN_OFFICE, local(BERLIN, 2026, 11, 20, 17, 30), 4 * HOUR, local(BERLIN, 2026, 11, 23, 13, 30)),
        # lunch break: 11:00 + 2h -> 12:00 is one hour, 13:00-14:00 the other
        (BERLIN_OFFICE, local(BERLIN, 2026, 11, 23, 11), 2 * HOUR, local(BERLIN, 2026, 11, 23, 14)),
        # a target that runs out at closing time is due at closing time, not at the next opening
        (BERLIN_OFFICE, local(BERLIN, 2026, 11, 23, 11), HOUR, local(BERLIN, 2026, 11, 23, 12)),
        (BERLIN_OFFICE, local(BERLIN, 2026, 11, 23, 13), 5 * HOUR, local(BERLIN, 2026, 11, 23, 18)),
        # logged in the lunch break
        (BERLIN_OFFICE, local(BERLIN, 2026, 11, 23, 12, 30), HOUR, local(BERLIN, 2026, 11, 23, 14)),
        # logged on Saturday
        (BERLIN_OFFICE, local(BERLIN, 2026, 11, 21, 10), 30 * 60, local(BERLIN, 2026, 11, 23, 9, 30)),
        # a whole business week
        (BERLIN_OFFICE, local(BERLIN, 2026, 11, 23, 9), 40 * HOUR, local(BERLIN, 2026, 11, 27, 18)),
        # logged on Christmas Eve (holiday, Thursday): Christmas and Boxing Day too, then the weekend
        (BERLIN_OFFICE, local(BERLIN, 2026, 12, 24, 10), 4 * HOUR, local(BERLIN, 2026, 12, 28, 14)),
        # Shanghai National Day week (1-7 October are holidays): due on the 8th
        (SHANGHAI_OFFICE, local(SHANGHAI, 2026, 10, 2, 10), 2 * HOUR, local(SHANGHAI, 2026, 10, 8, 11)),
        (SHANGHAI_OFFICE, local(SHANGHAI, 2026, 9, 30, 17), 2 * HOUR, local(SHANGHAI, 2026, 10, 8, 10)),
        # Berlin spring forward (Sunday 29 March 2026): Friday 17:00 CET + 2h = Monday 10:00 CEST
        (BERLIN_OFFICE, local(BERLIN, 2026, 3, 27, 17), 2 * HOUR, utc(2026, 3, 30, 8)),
        # Berlin fall back (Sunday 25 October 2026): Friday 17:00 CEST + 2h = Monday 10:00 CET
        (BERLIN_OFFICE, local(BERLIN, 2026, 10, 23, 17), 2 * HOUR, utc(2026, 10, 26, 9)),
        # New York spring forward (Sunday 8 March 2026): Friday 16:00 EST + 2h = Monday 10:00 EDT
        (NEW_YORK_OFFICE, local(NEW_YORK, 2026, 3, 6, 16), 2 * HOUR, utc(2026, 3, 9, 14)),
        # New York fall back (Sunday 1 November 2026): Friday 16:30 EDT + 4h = Monday 12:30 EST
        (NEW_YORK_OFFICE, local(NEW_YORK, 2026, 10, 30, 16, 30), 4 * HOUR, utc(2026, 11, 2, 17, 30)),
        # 24 hours across the spring-forward night is 24 real hours: 12:00 CET -> 13:00 CEST
        (BERLIN_24X7, local(BERLIN, 2026, 3, 28, 12), 24 * HOUR, local(BERLIN, 2026, 3, 29, 13)),
        (ALWAYS, local(BERLIN, 2026, 3, 28, 12), 24 * HOUR, local(BERLIN, 2026, 3, 29, 13)),
        # ... and across the fall-back night: 12:00 CEST -> 11:00 CET
        (BERLIN_24X7, local(BERLIN, 2026, 10, 24, 12), 24 * HOUR, local(BERLIN, 2026, 10, 25, 11)),
        # zero seconds: the start itself, even outside business hours
        (BERLIN_OFFICE, local(BERLIN, 2026, 11, 21, 10), 0, local(BERLIN, 2026, 11, 21, 10)),
    ],
)
def test_add_business_hand_checked(
    cal: BusinessCalendar, start: datetime, seconds: int, due: datetime
) -> None:
    got = cal.add_business(start, seconds)
    assert got == due
    assert got.tzinfo is UTC
    assert cal.business_seconds(start, got) == seconds


@pytest.mark.parametrize(
    ("cal", "day", "hours"),
    [
        (BERLIN_24X7, date(2026, 3, 29), 23),  # spring forward
        (BERLIN_24X7, date(2026, 10, 25), 25),  # fall back
        (BERLIN_24X7, date(2026, 10, 26), 24),
        (BERLIN_NIGHTS, date(2026, 3, 29), 5 + 1),  # 00:00-06:00 loses its 02:00-03:00
        (BERLIN_NIGHTS, date(2026, 10, 25), 7 + 1),  # ... or has it twice
        (BERLIN_NIGHTS, date(2026, 11, 1), 6 + 1),
        (BERLIN_NIGHTS, date(2026, 3, 28), 3 + 4),
        (NEW_YORK_NIGHTS, date(2026, 3, 8), 4 + 3),
        (NEW_YORK_NIGHTS, date(2026, 11, 1), 6 + 3),
        (HAVANA_DAYS, date(2026, 3, 7), 24),  # Saturday ends at 24:00, which Havana skips: 01:00
        (HAVANA_DAYS, date(2026, 3, 8), 11),  # so Sunday 00:00-12:00 starts at 01:00
        (HAVANA_DAYS, date(2026, 3, 9), 24),
        (HAVANA_DAYS, date(2026, 10, 31), 24),
        (HAVANA_DAYS, date(2026, 11, 1), 13),  # Sunday's midnight hour happens twice
        (BERLIN_OFFICE, date(2026, 3, 30), 8),
        (BERLIN_OFFICE, date(2026, 12, 24), 0),  # holiday
        (SHANGHAI_OFFICE, date(2026, 10, 1), 0),
    ],
)
def test_business_hours_of_a_local_day(cal: BusinessCalendar, day: date, hours: int) -> None:
    zone = ZoneInfo(cal.timezone)
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    end = start.replace(tzinfo=None) + timedelta(days=1)
    assert cal.business_seconds(start, end.replace(tzinfo=zone)) == hours * HOUR


def test_boundaries_inside_a_dst_change_map_to_the_first_instant_the_clock_reads_them() -> None:
    cal = BusinessCalendar.from_spec("edge", "Europe/Berlin", {"sun": ["02:30-04:00"]})
    # spring forward: 02:30 does not exist; the office opens at the change (03:00 CEST = 01:00Z)
    spring = list(cal.intervals(utc(2026, 3, 28, 12), utc(2026, 3, 29, 12)))
    assert spring == [(utc(2026, 3, 29, 1), utc(2026, 3, 29, 2))]
    # fall back: 02:30 happens twice; the office opens at the first (02:30 CEST = 00:30Z)
    autumn = list(cal.intervals(utc(2026, 10, 24, 12), utc(2026, 10, 25, 12)))
    assert autumn == [(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 3))]
    # an interval wholly inside the skipped hour is empty that day, and only that day
    gap = BusinessCalendar.from_spec("gap", "Europe/Berlin", {"sun": ["02:10-02:50"]})
    assert gap.business_seconds(utc(2026, 3, 28), utc(2026, 3, 30)) == 0
    assert gap.business_seconds(utc(2026, 3, 21), utc(2026, 3, 23)) == 40 * 60
    # ... and ends at its first reading on the fall-back day, so it is 40 minutes then too
    assert list(gap.intervals(utc(2026, 10, 24), utc(2026, 10, 26))) == [
        (utc(2026, 10, 25, 0, 10), utc(2026, 10, 25, 0, 50))
    ]


def test_a_day_that_never_happened() -> None:
    """Samoa skipped Friday 30 December 2011: it has no business time, its neighbours do."""
    cal = BusinessCalendar.from_spec("Apia", "Pacific/Apia", week(["09:00-17:00"]))
    zone = ZoneInfo("Pacific/Apia")
    thursday = local(zone, 2011, 12, 29, 9)
    assert cal.add_business(thursday, 8 * HOUR) == local(zone, 2011, 12, 29, 17)
    assert cal.add_business(thursday, 9 * HOUR) == local(zone, 2012, 1, 2, 10)
    assert cal.business_seconds(thursday, local(zone, 2012, 1, 3, 9)) == 16 * HOUR


def test_holidays_are_local_dates() -> None:
    # 2026-12-24 00:00 in Berlin is 23:00Z on the 23rd: that hour is already the holiday
    assert BERLIN_24X7.business_seconds(utc(2026, 12, 23, 22), utc(2026, 12, 24, 1)) == 3 * HOUR
    cal = BusinessCalendar.from_spec("xmas", "Europe/Berlin", week(["00:00-24:00"]), ["2026-12-24"])
    assert cal.business_seconds(utc(2026, 12, 23, 22), utc(2026, 12, 24, 1)) == HOUR
    assert cal.business_seconds(utc(2026, 12, 23, 23), utc(2026, 12, 24, 23)) == 0


def test_intervals_list_the_business_time_and_merge_across_midnight() -> None:
    start, end = local(BERLIN, 2026, 11, 20, 17, 30), local(BERLIN, 2026, 11, 23, 13, 30)
    assert list(BERLIN_OFFICE.intervals(start, end)) == [
        (utc(2026, 11, 20, 16, 30), utc(2026, 11, 20, 17)),
        (utc(2026, 11, 23, 8), utc(2026, 11, 23, 11)),
        (utc(2026, 11, 23, 12), utc(2026, 11, 23, 12, 30)),
    ]
    nights = BusinessCalendar.from_spec("n", "UTC", {"mon": ["22:00-24:00"], "tue": ["00:00-06:00"]})
    assert list(nights.intervals(utc(2026, 11, 23), utc(2026, 11, 25))) == [
        (utc(2026, 11, 23, 22), utc(2026, 11, 24, 6))
    ]
    assert list(ALWAYS.intervals(start, end)) == [(start.astimezone(UTC), end.astimezone(UTC))]
    assert list(BERLIN_OFFICE.intervals(end, start)) == []


def test_timeline_names_holidays_on_working_days_only() -> None:
    start, end = local(BERLIN, 2026, 12, 23, 17), local(BERLIN, 2026, 12, 28, 10)
    kinds = [
        (a.astimezone(BERLIN), b.astimezone(BERLIN), kind)
        for a, b, kind in BERLIN_OFFICE.timeline(start, end)
    ]
    assert kinds == [
        (local(BERLIN, 2026, 12, 23, 17), local(BERLIN, 2026, 12, 23, 18), SpanKind.OPEN),
        (local(BERLIN, 2026, 12, 23, 18), local(BERLIN, 2026, 12, 24), SpanKind.CLOSED),
        (local(BERLIN, 2026, 12, 24), local(BERLIN, 2026, 12, 26), SpanKind.HOLIDAY),
        # Boxing Day is a Saturday: closed anyway
        (local(BERLIN, 2026, 12, 26), local(BERLIN, 2026, 12, 28, 9), SpanKind.CLOSED),
        (local(BERLIN, 2026, 12, 28, 9), local(BERLIN, 2026, 12, 28, 10), SpanKind.OPEN),
    ]


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (local(BERLIN, 2026, 11, 23, 10), local(BERLIN, 2026, 11, 23, 10)),  # open: itself
        (local(BERLIN, 2026, 11, 23, 9), local(BERLIN, 2026, 11, 23, 9)),  # opening time
        (local(BERLIN, 2026, 11, 23, 12), local(BERLIN, 2026, 11, 23, 13)),  # lunch
        (local(BERLIN, 2026, 11, 23, 8, 59, 59), local(BERLIN, 2026, 11, 23, 9)),
        (local(BERLIN, 2026, 11, 20, 18), local(BERLIN, 2026, 11, 23, 9)),  # Friday evening
        (local(BERLIN, 2026, 12, 23, 18), local(BERLIN, 2026, 12, 28, 9)),  # holidays
        (local(BERLIN, 2026, 3, 28, 12), utc(2026, 3, 30, 7)),  # over the DST change
    ],
)
def test_next_open(instant: datetime, expected: datetime) -> None:
    assert BERLIN_OFFICE.next_open(instant) == expected
    assert BERLIN_OFFICE.is_open(instant) is (instant == expected)


def test_a_year_of_office_hours() -> None:
    # 2026 starts on a Thursday: 52 weeks and a Thursday, 261 weekdays, three of them holidays
    # (24 and 25 December are weekdays; the 26th is a Saturday)
    start, end = local(BERLIN, 2026, 1, 1), local(BERLIN, 2027, 1, 1)
    assert BERLIN_9_18.business_seconds(start, end) == 261 * 9 * HOUR
    assert BERLIN_OFFICE.business_seconds(start, end) == (261 - 2) * 8 * HOUR
    # long spans add up block by block: ten years equal the sum of their years
    years = [local(BERLIN, year, 1, 1) for year in range(2020, 2031)]
    total = sum(BERLIN_OFFICE.business_seconds(a, b) for a, b in pairwise(years))
    assert BERLIN_OFFICE.business_seconds(years[0], years[-1]) == total
    assert BERLIN_OFFICE.add_business(years[0], total) == local(BERLIN, 2029, 12, 31, 18)


def test_always_is_wall_clock_time() -> None:
    cal = BusinessCalendar.always()
    assert cal.name == "24x7" and cal.is_always and BERLIN_24X7.is_always
    assert not BERLIN_OFFICE.is_always
    start = local(NEW_YORK, 2026, 3, 7, 12)
    assert cal.business_seconds(start, start.astimezone(UTC) + timedelta(days=2)) == 48 * HOUR
    # two days on New York's wall clock over the spring-forward night are 47 real hours
    assert cal.business_seconds(start, start + timedelta(days=2)) == 47 * HOUR
    assert cal.next_open(start) == start
    assert BusinessCalendar.always("round the clock").name == "round the clock"


def test_micro_seconds_and_zones_of_the_arguments() -> None:
    start = datetime(2026, 11, 23, 9, 0, 0, 1, tzinfo=BERLIN)
    assert BERLIN_OFFICE.business_seconds(start, start + timedelta(microseconds=10)) == 10e-6
    assert BERLIN_OFFICE.add_business(start, 0.5) == (start + timedelta(seconds=0.5)).astimezone(UTC)
    same = start.astimezone(SHANGHAI)
    assert BERLIN_OFFICE.add_business(same, HOUR) == BERLIN_OFFICE.add_business(start, HOUR)
    assert to_micros(from_micros(1_780_000_000_123_456)) == 1_780_000_000_123_456


def test_naive_datetimes_and_negative_durations_are_refused() -> None:
    naive = datetime(2026, 11, 23, 9)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="naive datetime"):
        BERLIN_OFFICE.business_seconds(naive, utc(2026, 11, 24))
    with pytest.raises(ValueError, match="naive datetime"):
        BERLIN_OFFICE.add_business(naive, 60)
    with pytest.raises(ValueError, match="negative"):
        BERLIN_OFFICE.add_business(utc(2026, 11, 24), -1)


def test_calendars_are_values() -> None:
    again = BusinessCalendar.from_spec(
        "Berlin office", "Europe/Berlin", week(LUNCH), ["2026-12-26", "2026-12-25", "2026-12-24"]
    )
    assert again == BERLIN_OFFICE and hash(again) == hash(BERLIN_OFFICE)
    assert {again: 1}[BERLIN_OFFICE] == 1
    assert again != BERLIN_9_18
    again.business_seconds(utc(2026, 1, 1), utc(2026, 2, 1))  # the cache is not part of the value
    assert again == BERLIN_OFFICE and hash(again) == hash(BERLIN_OFFICE)
    with pytest.raises(AttributeError):
        again.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize("cal", CALENDARS, ids=lambda cal: cal.name)
def test_spec_round_trips(cal: BusinessCalendar) -> None:
    spec = cal.to_spec()
    assert BusinessCalendar.from_spec(**spec) == cal


def test_from_spec_reads_toml_shapes() -> None:
    cal = BusinessCalendar.from_spec(
        "t",
        "Asia/Shanghai",
        {"MON": "9:00 - 12:00", "Tue": ["13:00-24:00"]},
        [date(2026, 10, 1), " 2026-10-02 "],
    )
    assert cal.hours[0] == ((9 * HOUR, 12 * HOUR),)
    assert cal.hours[1] == ((13 * HOUR, 24 * HOUR),)
    assert cal.hours[2:] == ((),) * 5
    assert cal.holidays == {date(2026, 10, 1), date(2026, 10, 2)}
    assert cal.to_spec()["hours"] == {"mon": ["09:00-12:00"], "tue": ["13:00-24:00"]}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hours": {"mon": ["9-18"]}}, r"hours\.mon: '9-18' is not a time interval; write it as HH:MM-HH:MM"),
        ({"hours": {"mon": ["09:00-25:00"]}}, r"hours\.mon: '09:00-25:00': 25:00 is not a time of day"),
        ({"hours": {"mon": ["24:00-24:00"]}}, r"hours\.mon: '24:00-24:00': 24:00 is not a time of day"),
        ({"hours": {"tue": ["09:60-10:00"]}}, r"hours\.tue: '09:60-10:00': 09:60 is not a time of day"),
        ({"hours": {"wed": ["18:00-09:00"]}}, r"hours\.wed: '18:00-09:00' ends before it starts"),
        ({"hours": {"wed": ["22:00-06:00"]}}, r"cannot cross midnight"),
        ({"hours": {"thu": ["09:00-09:00"]}}, r"hours\.thu: '09:00-09:00' is empty"),
        (
            {"hours": {"fri": ["09:00-12:00", "11:00-18:00"]}},
            r"hours\.fri: '11:00-18:00' overlaps '09:00-12:00'",
        ),
        (
            {"hours": {"sat": ["13:00-18:00", "09:00-12:00"]}},
            r"hours\.sat: '09:00-12:00' starts before '13:00-18:00'; list the intervals in time order",
        ),
        ({"hours": {"funday": ["09:00-12:00"]}}, r"hours: unknown weekday 'funday'; use mon, tue"),
        ({"hours": {"mon": ["09:00-12:00"], "MON": ["13:00-14:00"]}}, r"hours: mon is given twice"),
        ({"hours": {}}, r"hours: no working hours on any day"),
        ({"hours": {"mon": [9]}}, r"hours\.mon: 9 is not a time interval"),
        ({"hours": {"mon": 9}}, r"hours\.mon: give a list of intervals"),
        ({"hours": ["mon"]}, r"hours: give a table of weekdays"),
        ({"timezone": "Europe/Atlantis"}, r"timezone: unknown time zone 'Europe/Atlantis'; use an IANA name"),
        ({"timezone": "../../etc/passwd"}, r"timezone: unknown time zone"),
        ({"timezone": ""}, r"timezone: give an IANA time zone name"),
        ({"holidays": ["2026-13-01"]}, r"holidays: '2026-13-01' is not a date; write it as YYYY-MM-DD"),
        ({"holidays": ["Christmas"]}, r"holidays: 'Christmas' is not a date"),
        ({"holidays": [datetime(2026, 12, 25, tzinfo=UTC)]}, r"holidays: datetime.datetime\(2026, 12, 25"),
        ({"holidays": "2026-12-25"}, r"holidays: give a list of dates"),
        ({"name": " "}, r"a calendar needs a name"),
    ],
)
def test_from_spec_errors_name_the_field(kwargs: dict[str, object], message: str) -> None:
    spec: dict[str, object] = {"name": "Office", "timezone": "Europe/Berlin", "hours": {"mon": LUNCH}}
    spec.update(kwargs)
    with pytest.raises(CalendarError, match=message) as caught:
        BusinessCalendar.from_spec(**spec)
    if spec["name"] == "Office":
        assert str(caught.value).startswith("calendar 'Office': ")
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ((((9 * HOUR, 12 * HOUR),),) * 6, r"give the intervals of 7 weekdays, got 6"),
        (
            (((12 * HOUR, 9 * HOUR),),) + ((),) * 6,
            r"hours\.mon: interval \(43200, 32400\) ends before it starts",
        ),
        ((((0, 25 * HOUR),),) + ((),) * 6, r"hours\.mon: interval \(0, 90000\) lies outside 00:00-24:00"),
        (((), ((9 * HOUR, 12 * HOUR), (11 * HOUR, 13 * HOUR))) + ((),) * 5, r"hours\.tue: intervals overlap"),
        (((),) * 7, r"no working hours on any day"),
    ],
)
def test_the_constructor_checks_too(hours: tuple[tuple[tuple[int, int], ...], ...], message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        BusinessCalendar("raw", "UTC", hours)


# -- properties -------------------------------------------------------------------------------

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(cal=calendars, start=instants, micros=micro_durations)
def test_adding_then_measuring_round_trips(cal: BusinessCalendar, start: datetime, micros: int) -> None:
    seconds = micros / 1_000_000
    due = cal.add_business(start, seconds)
    assert due >= start
    assert due.tzinfo is UTC
    assert cal.business_seconds(start, due) == seconds
    # ... and it is the earliest such instant
    if micros:
        assert cal.business_seconds(start, due - timedelta(microseconds=1)) < seconds
        assert cal.is_open(due - timedelta(microseconds=1))


@PROPERTY
@given(cal=calendars, start=instants, seconds=durations)
def test_adding_whole_seconds_round_trips(cal: BusinessCalendar, start: datetime, seconds: int) -> None:
    due = cal.add_business(start, seconds)
    assert cal.business_seconds(start, due) == seconds
    if seconds == 0:
        assert due == start


@PROPERTY
@given(cal=calendars, start=instants, a=durations, b=durations)
def test_more_business_time_is_never_earlier(cal: BusinessCalendar, start: datetime, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert cal.add_business(start, low) <= cal.add_business(start, high)


@PROPERTY
@given(cal=calendars, start=instants, later=instants, seconds=durations)
def test_a_later_start_is_never_due_earlier(
    cal: BusinessCalendar, start: datetime, later: datetime, seconds: int
) -> None:
    first, second = sorted((start, later))
    assert cal.add_business(first, seconds) <= cal.add_business(second, seconds)


@PROPERTY
@given(cal=calendars, start=instants, x=spans, y=spans)
def test_a_later_end_never_counts_less(cal: BusinessCalendar, start: datetime, x: int, y: int) -> None:
    near, far = sorted((x, y))
    a = cal.business_seconds(start, start + timedelta(microseconds=near))
    b = cal.business_seconds(start, start + timedelta(microseconds=far))
    assert 0 <= a <= b <= far / 1_000_000


@PROPERTY
@given(cal=calendars, a=instants, b=instants, c=instants)
def test_measuring_is_additive(cal: BusinessCalendar, a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = sorted((a, b, c))
    ua, ub, uc = to_micros(a), to_micros(b), to_micros(c)
    assert cal.business_micros(ua, uc) == cal.business_micros(ua, ub) + cal.business_micros(ub, uc)
    assert cal.business_seconds(a, c) == pytest.approx(
        cal.business_seconds(a, b) + cal.business_seconds(b, c)
    )
    assert cal.business_seconds(c, a) == 0


@PROPERTY
@given(start=instants, micros=spans)
def test_round_the_clock_is_wall_clock(start: datetime, micros: int) -> None:
    end = start + timedelta(microseconds=micros)
    assert ALWAYS.business_seconds(start, end) == micros / 1_000_000
    assert BERLIN_24X7.business_seconds(start, end) == micros / 1_000_000
    assert ALWAYS.add_business(start, micros / 1_000_000) == end


@PROPERTY
@given(cal=calendars, start=instants, micros=spans)
def test_intervals_and_timeline_agree_with_the_measure(
    cal: BusinessCalendar, start: datetime, micros: int
) -> None:
    end = start + timedelta(microseconds=micros)
    pieces = list(cal.timeline(start, end))
    if micros == 0:
        assert pieces == []
        return
    assert pieces[0][0] == start and pieces[-1][1] == end
    for (_, b, kind), (c, _, next_kind) in pairwise(pieces):
        assert b == c and kind is not next_kind  # contiguous, alike ones merged
    opened = [(a, b) for a, b, kind in pieces if kind is SpanKind.OPEN]
    assert opened == list(cal.intervals(start, end))
    total = sum(to_micros(b) - to_micros(a) for a, b in opened)
    assert total == cal.business_micros(to_micros(start), to_micros(end))
    if not cal.holidays:
        assert all(kind is not SpanKind.HOLIDAY for _, _, kind in pieces)


@PROPERTY
@given(cal=calendars, instant=instants)
def test_next_open_is_open_and_skips_no_business_time(cal: BusinessCalendar, instant: datetime) -> None:
    opening = cal.next_open(instant)
    assert opening >= instant
    assert cal.business_seconds(instant, opening) == 0
    assert cal.is_open(opening)
    assert cal.add_business(instant, 1) == cal.add_business(opening, 1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    start=instants,
    micros=spans,
    holidays=st.sets(st.dates(min_value=date(2023, 12, 1), max_value=date(2030, 1, 31)), max_size=12),
)
def test_holidays_count_zero(start: datetime, micros: int, holidays: set[date]) -> None:
    plain = BERLIN_9_18
    spec = plain.to_spec()
    with_holidays = BusinessCalendar.from_spec("hols", "Europe/Berlin", spec["hours"], sorted(holidays))
    end = start + timedelta(microseconds=micros)
    lost = 0.0
    for day in holidays:
        day_start = datetime(day.year, day.month, day.day, tzinfo=BERLIN)
        day_end = (day_start.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=BERLIN)
        lost += plain.business_seconds(max(day_start, start), min(day_end, end))
        assert with_holidays.business_seconds(day_start, day_end) == 0
    assert with_holidays.business_seconds(start, end) == plain.business_seconds(start, end) - lost


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cal=st.sampled_from([c for c in CALENDARS if c is not ALWAYS]),
    start=instants,
    minutes=st.integers(0, 3 * 24 * 60),
)
def test_agrees_with_a_minute_by_minute_oracle(cal: BusinessCalendar, start: datetime, minutes: int) -> None:
    start = start.replace(second=0, microsecond=0)
    end = start + timedelta(minutes=minutes)
    assert cal.business_seconds(start, end) == oracle_seconds(cal, start, end)


@settings(max_examples=80, deadline=None)
@given(cal=calendars, start=instants, seconds=st.integers(1, 3 * 9 * HOUR))
def test_due_time_agrees_with_the_oracle(cal: BusinessCalendar, start: datetime, seconds: int) -> None:
    due = cal.add_business(start, seconds)
    assert minute_is_open(cal, due - timedelta(microseconds=1))


@st.composite
def random_calendars(draw: st.DrawFn) -> BusinessCalendar:
    """Any zone, any whole-hour intervals, any holidays (no boundary inside a repeated hour)."""
    zone = draw(
        st.sampled_from(["Europe/Berlin", "America/New_York", "America/Havana", "Asia/Shanghai", "UTC"])
    )
    hours: dict[str, list[str]] = {}
    for day in ALL_DAYS:
        cuts = sorted(draw(st.sets(st.integers(0, 24), max_size=6)))
        pairs = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if a < b]
        if pairs:
            hours[day] = [f"{a:02d}:00-{b:02d}:00" for a, b in pairs]
    if not hours:
        hours["mon"] = ["09:00-17:00"]
    holidays = draw(st.sets(st.dates(min_value=date(2026, 2, 20), max_value=date(2026, 4, 10)), max_size=5))
    return BusinessCalendar.from_spec("random", zone, hours, sorted(holidays))


_spring = st.builds(
    lambda minutes: datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=minutes),
    st.integers(0, 35 * 24 * 60),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cal=random_calendars(), start=_spring, minutes=st.integers(0, 2 * 24 * 60), seconds=durations)
def test_random_calendars_agree_with_the_oracle(
    cal: BusinessCalendar, start: datetime, minutes: int, seconds: int
) -> None:
    end = start + timedelta(minutes=minutes)
    assert cal.business_seconds(start, end) == oracle_seconds(cal, start, end)
    due = cal.add_business(start, seconds)
    assert cal.business_seconds(start, due) == seconds
    if seconds:
        assert minute_is_open(cal, due - timedelta(seconds=1))


def test_a_small_block_cache_gives_the_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The laid-out days are a cache: clearing it (here after every 2 blocks) changes nothing."""
    import deskterm.domain.sla.calendar as module

    reference = BusinessCalendar.from_spec("ref", "Europe/Berlin", week(LUNCH), ["2026-12-24"])
    monkeypatch.setattr(module, "_MAX_BLOCKS_CACHED", 2)
    tiny = BusinessCalendar.from_spec("tiny", "Europe/Berlin", week(LUNCH), ["2026-12-24"])
    start = local(BERLIN, 2026, 1, 5, 10)
    for days in (1, 63, 64, 65, 200, 400):
        end = start + timedelta(days=days)
        assert tiny.business_seconds(start, end) == reference.business_seconds(start, end)
        seconds = reference.business_seconds(start, end)
        assert tiny.add_business(start, seconds) == reference.add_business(start, seconds)
    assert len(tiny._blocks) <= 2


# -- make-up working days (调休) -------------------------------------------------------------------

SHANGHAI_2026 = BusinessCalendar.from_spec(
    "Shanghai office",
    "Asia/Shanghai",
    {day: ["09:00-12:00", "13:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    ["2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"],
    {"2026-10-10": ["09:00-12:00", "13:00-18:00"]},  # Saturday worked for the Golden Week bridge
)


def test_a_make_up_saturday_counts_like_a_workday() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    friday = datetime(2026, 10, 9, 17, 0, tzinfo=shanghai)
    due = SHANGHAI_2026.add_business(friday, 4 * 3600)
    assert due == datetime(2026, 10, 10, 12, 0, tzinfo=shanghai)  # 1h on Friday, 3h on Saturday
    saturday = datetime(2026, 10, 10, tzinfo=shanghai)
    assert SHANGHAI_2026.business_seconds(saturday, saturday + timedelta(days=1)) == 8 * 3600
    sunday = saturday + timedelta(days=1)
    assert SHANGHAI_2026.business_seconds(sunday, sunday + timedelta(days=1)) == 0


def test_make_up_days_round_trip_through_the_spec_and_are_checked() -> None:
    spec = SHANGHAI_2026.to_spec()
    assert spec["workdays"] == {"2026-10-10": ["09:00-12:00", "13:00-18:00"]}
    again = BusinessCalendar.from_spec(
        str(spec["name"]),
        str(spec["timezone"]),
        spec["hours"],
        spec["holidays"],
        spec["workdays"],
    )
    assert again == SHANGHAI_2026 and hash(again) == hash(SHANGHAI_2026)
    with pytest.raises(CalendarError, match=r"workdays: .*2026-10-01 is also a holiday"):
        BusinessCalendar.from_spec(
            "x", "UTC", {"mon": "09:00-17:00"}, ["2026-10-01"], {"2026-10-01": ["09:00-17:00"]}
        )
    with pytest.raises(CalendarError, match=r"workdays: 'soon' is not a date"):
        BusinessCalendar.from_spec("x", "UTC", {"mon": "09:00-17:00"}, [], {"soon": ["09:00-17:00"]})
    with pytest.raises(CalendarError, match=r"workdays.2026-10-10: '9-5' is not a time interval"):
        BusinessCalendar.from_spec("x", "UTC", {"mon": "09:00-17:00"}, [], {"2026-10-10": ["9-5"]})
