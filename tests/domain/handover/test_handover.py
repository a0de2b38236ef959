"""Shifts: validation, which shift holds an instant, previous/next, DST, and the digest rules."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskterm.domain.handover.handover import DEFAULT_SHIFTS, ShiftError, ShiftPlan, breach_bucket, flow

PLAN = ShiftPlan.from_config("UTC", DEFAULT_SHIFTS)
BERLIN = ShiftPlan.from_config(
    "Europe/Berlin",
    [{"name": "Day", "start": "06:00", "end": "22:00"}, {"name": "night", "start": "22:00", "end": "06:00"}],
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_default_plan_is_three_eight_hour_shifts_in_utc() -> None:
    assert PLAN.names() == ["night", "early", "late"]
    w = PLAN.at(at("2026-11-24T09:30"))
    assert (w.name, w.start, w.end, w.key) == (
        "early",
        at("2026-11-24T08:00"),
        at("2026-11-24T16:00"),
        "2026-11-24:early",
    )


def test_boundaries_belong_to_the_shift_that_starts() -> None:
    assert PLAN.at(at("2026-11-24T16:00")).name == "late"
    assert PLAN.at(at("2026-11-24T15:59:59.999999")).name == "early"
    late = PLAN.at(at("2026-11-24T23:59"))
    assert late.end == at("2026-11-25T00:00")  # 24:00 is the next midnight
    assert PLAN.at(at("2026-11-25T00:00")).key == "2026-11-25:night"


def test_previous_and_next_walk_across_midnight() -> None:
    night = PLAN.window(date(2026, 11, 25), "night")
    assert PLAN.previous(night).key == "2026-11-24:late"
    assert PLAN.next(PLAN.previous(night)) == night
    assert PLAN.next(night).key == "2026-11-25:early"


def test_a_shift_crossing_midnight_is_dated_by_its_start_and_dst_changes_its_length() -> None:
    # Spring forward in Berlin: the night of 28/29 March 2026 is an hour shorter.
    night = BERLIN.at(at("2026-03-29T01:30"))
    assert night.key == "2026-03-28:night"
    assert (night.start, night.end) == (at("2026-03-28T21:00"), at("2026-03-29T04:00"))
    assert night.end - night.start == timedelta(hours=7)
    autumn = BERLIN.window(date(2026, 10, 24), "night")
    assert autumn.end - autumn.start == timedelta(hours=9)
    assert BERLIN.window(date(2026, 3, 28), "DAY").name == "day"


@pytest.mark.parametrize(
    ("shifts", "message"),
    [
        ([], "at least one shift"),
        ([{"name": "a", "start": "08:00", "end": "20:00"}], "no shift covers 00:00"),
        (
            [
                {"name": "a", "start": "00:00", "end": "13:00"},
                {"name": "b", "start": "12:00", "end": "24:00"},
            ],
            "overlap at 12:00",
        ),
        ([{"name": "a", "start": "8am", "end": "24:00"}], "HH:MM"),
        ([{"name": "a", "start": "00:00", "end": "24:30"}], "00:00 to 24:00"),
        ([{"name": "", "start": "00:00", "end": "24:00"}], "needs a name"),
        (
            [
                {"name": "a", "start": "00:00", "end": "12:00"},
                {"name": "A", "start": "12:00", "end": "24:00"},
            ],
            "defined twice",
        ),
    ],
)
def test_bad_plans_are_refused_naming_what_to_fix(shifts: list[dict[str, str]], message: str) -> None:
    with pytest.raises(ShiftError, match=message):
        ShiftPlan.from_config("UTC", shifts)


def test_an_unknown_zone_is_refused() -> None:
    with pytest.raises(ShiftError, match="IANA"):
        ShiftPlan.from_config("Mars/Olympus", DEFAULT_SHIFTS)


def test_one_shift_may_cover_the_whole_day() -> None:
    plan = ShiftPlan.from_config("UTC", [{"name": "all", "start": "00:00", "end": "24:00"}])
    w = plan.at(at("2026-11-24T12:00"))
    assert (w.start, w.end) == (at("2026-11-24T00:00"), at("2026-11-25T00:00"))


def test_parse_names_shifts_as_typed_on_the_command_line() -> None:
    now = at("2026-11-24T09:30")
    assert PLAN.parse("now", now).key == "2026-11-24:early"
    assert PLAN.parse("prev", now).key == "2026-11-24:night"
    assert PLAN.parse("next", now).key == "2026-11-24:late"
    assert PLAN.parse("2026-11-20", now).key == "2026-11-20:night"
    assert PLAN.parse("2026-11-20:late", now).key == "2026-11-20:late"
    with pytest.raises(ShiftError, match="not understood"):
        PLAN.parse("yesterday", now)
    with pytest.raises(ShiftError, match="no shift is named 'lunch'"):
        PLAN.parse("2026-11-20:lunch", now)


NAIVE_MIN, NAIVE_MAX = datetime(2000, 1, 1), datetime(2060, 1, 1)  # noqa: DTZ001 (hypothesis bounds are naive)


@given(st.datetimes(min_value=NAIVE_MIN, max_value=NAIVE_MAX, timezones=st.just(UTC)))
def test_every_instant_is_in_exactly_one_shift_and_shifts_tile(instant: datetime) -> None:
    for plan in (PLAN, BERLIN):
        w = plan.at(instant)
        assert w.contains(instant)
        assert plan.next(w).start == w.end
        assert plan.previous(w).end == w.start


def test_flow_counts_in_and_out_of_the_shift() -> None:
    w = PLAN.at(at("2026-11-24T09:30"))
    f = flow(
        [at("2026-11-24T07:59"), at("2026-11-24T08:00"), at("2026-11-24T15:00")],
        [None, at("2026-11-24T16:00"), at("2026-11-24T09:00")],
        w,
        reopened=1,
        open_at_start=10,
        open_at_end=11,
    )
    assert (f.logged, f.resolved, f.reopened, f.backlog_delta) == (2, 1, 1, 1)


def test_breach_buckets() -> None:
    now = at("2026-11-24T09:30")
    w = PLAN.at(now)
    nxt = PLAN.next(w)

    def bucket(state: str, due: str | None, stopped: str | None = None) -> str | None:
        return breach_bucket(state, at(due) if due else None, at(stopped) if stopped else None, w, nxt, now)

    assert bucket("breached", "2026-11-24T09:00") == "breached"
    assert bucket("running", "2026-11-24T09:29") == "breached"  # stale state: the due time passed
    assert bucket("breached", "2026-11-24T07:00") is None  # before the shift
    assert bucket("met", "2026-11-24T09:00", "2026-11-24T08:30") is None
    assert bucket("breached", "2026-11-24T09:00", "2026-11-24T09:10") == "breached"
    assert bucket("running", "2026-11-24T12:00") == "due-next"  # later this shift: inherited
    assert bucket("running", "2026-11-24T23:59") == "due-next"
    assert bucket("running", "2026-11-25T00:00") is None  # after the next shift
    assert bucket("paused", None) is None
    # A past shift: what was due in the shift that followed it.
    past, past_next = PLAN.window(date(2026, 11, 23), "early"), PLAN.window(date(2026, 11, 23), "late")
    assert breach_bucket("breached", at("2026-11-23T17:00"), None, past, past_next, now) == "due-next"
    assert breach_bucket("breached", at("2026-11-23T10:00"), None, past, past_next, now) == "breached"
