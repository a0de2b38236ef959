"""The forward schedule's interval logic: hand-checked cases, then properties against oracles
that work minute by minute (or pair by pair) and know nothing of the sweep or the merging."""

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskterm.domain.changes.schedule import (
    Blackout,
    CollisionKind,
    Interval,
    ScheduleError,
    ScheduleRules,
    Slot,
    WeeklyWindow,
    covered,
    detect,
    inside_windows,
    merge,
    pair_collisions,
    parse_days,
    related_map,
)

T0 = datetime(2026, 12, 1, tzinfo=UTC)  # a Tuesday
BERLIN = ZoneInfo("Europe/Berlin")


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def iv(a: int, b: int) -> Interval:
    return Interval(at(a), at(b))


intervals = st.tuples(st.integers(0, 600), st.integers(1, 240)).map(lambda t: iv(t[0], t[0] + t[1]))


def minutes(i: Interval) -> set[int]:
    start = int((i.start - T0).total_seconds() // 60)
    end = int((i.end - T0).total_seconds() // 60)
    return set(range(start, end))


# --- intervals ------------------------------------------------------------------------------------


def test_half_open_intervals_that_touch_do_not_overlap() -> None:
    assert not iv(0, 60).overlaps(iv(60, 120))
    assert iv(0, 61).overlaps(iv(60, 120))


@pytest.mark.parametrize(("a", "b"), [(10, 10), (10, 5)])
def test_empty_or_backwards_intervals_are_refused(a: int, b: int) -> None:
    with pytest.raises(ScheduleError, match="end after it starts"):
        iv(a, b)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ScheduleError, match="aware"):
        Interval(datetime(2026, 1, 1), datetime(2026, 1, 2))  # noqa: DTZ001


@given(intervals, intervals)
def test_overlap_is_symmetric_and_means_a_shared_minute(a: Interval, b: Interval) -> None:
    assert a.overlaps(b) == b.overlaps(a) == bool(minutes(a) & minutes(b))


@settings(deadline=None)
@given(st.lists(intervals, max_size=8))
def test_merge_keeps_the_union_and_leaves_gaps_between_blocks(items: list[Interval]) -> None:
    merged = merge(items)
    union = set().union(*(minutes(i) for i in items)) if items else set()
    assert set().union(*(minutes(m) for m in merged)) == union if merged else union == set()
    for a, b in pairwise(merged):
        assert a.end < b.start  # sorted, and neither overlapping nor touching


@settings(deadline=None)
@given(intervals, st.lists(intervals, max_size=6))
def test_covered_means_every_minute_is_inside_some_interval(target: Interval, by: list[Interval]) -> None:
    union = set().union(*(minutes(i) for i in by)) if by else set()
    assert covered(target, by) == (minutes(target) <= union)


# --- weekly windows -------------------------------------------------------------------------------


def test_parse_days_words_and_ranges() -> None:
    assert parse_days(["sat", "Sunday"]) == {5, 6}
    assert parse_days(["mon-fri"]) == {0, 1, 2, 3, 4}
    assert parse_days(["fri-mon"]) == {4, 5, 6, 0}


@pytest.mark.parametrize(
    ("days", "hours", "tz", "words"),
    [
        (["funday"], "22:00-02:00", "UTC", "not a day"),
        ([], "22:00-02:00", "UTC", "at least one day"),
        (["sat"], "22:00", "UTC", "HH:MM-HH:MM"),
        (["sat"], "25:00-26:00", "UTC", "not a time of day"),
        (["sat"], "ab:cd-02:00", "UTC", "not a time"),
        (["sat"], "24:00-02:00", "UTC", "cannot start at 24:00"),
        (["sat"], "22:00-02:00", "Mars/Olympus", "not a time zone"),
    ],
)
def test_bad_weekly_windows_are_refused(days: list[str], hours: str, tz: str, words: str) -> None:
    with pytest.raises(ScheduleError, match=words):
        WeeklyWindow.parse(days, hours, tz)


def test_a_window_past_midnight_runs_into_the_next_day_in_its_zone() -> None:
    w = WeeklyWindow.parse(["sat"], "22:00-04:00", "Europe/Berlin")
    week = Interval(T0, T0 + timedelta(days=7))
    (occ,) = w.occurrences(week)
    assert occ.start == datetime(2026, 12, 5, 21, tzinfo=UTC)  # 22:00 CET
    assert occ.end == datetime(2026, 12, 6, 3, tzinfo=UTC)
    assert w.hours == "22:00-04:00" and w.day_names == ["sat"]


def test_24_00_ends_at_midnight_and_adjacent_days_join() -> None:
    w = WeeklyWindow.parse(["sat", "sun"], "00:00-24:00", "UTC")
    weekend = Interval(datetime(2026, 12, 5, 20, tzinfo=UTC), datetime(2026, 12, 6, 4, tzinfo=UTC))
    assert inside_windows(weekend, [w])
    monday = Interval(datetime(2026, 12, 6, 23, tzinfo=UTC), datetime(2026, 12, 7, 1, tzinfo=UTC))
    assert not inside_windows(monday, [w])


def test_daylight_saving_moves_the_window_in_utc() -> None:
    w = WeeklyWindow.parse(["sun"], "01:00-05:00", "Europe/Berlin")
    summer = w.occurrences(Interval(datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 7, 8, tzinfo=UTC)))
    winter = w.occurrences(Interval(datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 8, tzinfo=UTC)))
    assert summer[0].start.hour == 23 and winter[0].start.hour == 0


def _oracle_inside(target: Interval, w: WeeklyWindow) -> bool:
    """Minute by minute: is local (weekday, time) inside one of the window's days?"""
    tz = ZoneInfo(w.timezone)
    t = target.start
    while t < target.end:
        local = t.astimezone(tz)
        clock = local.time()
        today = local.weekday()
        yesterday = (today - 1) % 7
        end = w.end or time(0)
        wraps = w.end is None or end <= w.start
        if wraps:
            ok = (today in w.days and clock >= w.start) or (yesterday in w.days and clock < end)
        else:
            ok = today in w.days and w.start <= clock < end
        if not ok:
            return False
        t += timedelta(minutes=15)
    return True


quarter_hours = st.integers(0, 95).map(lambda q: f"{q // 4:02d}:{q % 4 * 15:02d}")


@settings(max_examples=150, deadline=None)
@given(
    st.sets(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1),
    quarter_hours,
    quarter_hours,
    st.sampled_from(["UTC", "Europe/Berlin", "Asia/Shanghai", "America/New_York"]),
    st.integers(0, 14 * 96),
    st.integers(1, 24),
)
def test_inside_windows_matches_a_minute_oracle(
    days: set[str], start: str, end: str, tz: str, offset: int, length: int
) -> None:
    w = WeeklyWindow.parse(sorted(days), f"{start}-{end}", tz)
    begin = datetime(2026, 3, 20, tzinfo=UTC) + timedelta(minutes=15 * offset)  # spans the spring DST
    target = Interval(begin, begin + timedelta(minutes=15 * length))
    assert inside_windows(target, [w]) == _oracle_inside(target, w)


# --- collisions -----------------------------------------------------------------------------------

RELATED = related_map([("mail-db", "db-host"), ("app", "mail-db")])


def test_same_ci_related_ci_and_implementer() -> None:
    a = Slot("CHG-1", iv(0, 120), frozenset({"app", "lb"}), "ana")
    b = Slot("CHG-2", iv(60, 180), frozenset({"lb", "mail-db"}), "ana")
    found = pair_collisions(a, b, ScheduleRules(related=RELATED))
    assert [c.kind for c in found] == [
        CollisionKind.SAME_CI,
        CollisionKind.RELATED_CI,
        CollisionKind.IMPLEMENTER,
    ]
    assert "mail-db (related to app)" in found[1].explanation
    assert all(c.other == "CHG-2" for c in found)


def test_a_pair_on_a_shared_ci_is_only_a_same_ci_collision() -> None:
    a = Slot("CHG-1", iv(0, 60), frozenset({"mail-db"}))
    b = Slot("CHG-2", iv(0, 60), frozenset({"mail-db", "db-host"}))
    found = detect([a, b], ScheduleRules(related=RELATED))
    assert [c.kind for c in found["CHG-1"]] == [c.kind for c in found["CHG-2"]] == [CollisionKind.SAME_CI]


def test_relationships_count_in_either_direction() -> None:
    a = Slot("CHG-1", iv(0, 60), frozenset({"db-host"}))
    b = Slot("CHG-2", iv(0, 60), frozenset({"mail-db"}))
    found = detect([a, b], ScheduleRules(related=RELATED))
    assert [c.kind for c in found["CHG-1"]] == [CollisionKind.RELATED_CI]
    assert [c.kind for c in found["CHG-2"]] == [CollisionKind.RELATED_CI]


def test_relationships_are_one_hop() -> None:
    a = Slot("CHG-1", iv(0, 60), frozenset({"db-host"}))
    b = Slot("CHG-2", iv(0, 60), frozenset({"app"}))  # app -> mail-db -> db-host
    assert detect([a, b], ScheduleRules(related=RELATED)) == {"CHG-1": [], "CHG-2": []}


def test_windows_that_only_touch_do_not_collide() -> None:
    a = Slot("CHG-1", iv(0, 60), frozenset({"x"}), "ana")
    b = Slot("CHG-2", iv(60, 90), frozenset({"x"}), "ana")
    assert detect([a, b], ScheduleRules()) == {"CHG-1": [], "CHG-2": []}


def test_blackout_and_maintenance() -> None:
    sat_night = WeeklyWindow.parse(["sat"], "22:00-04:00", "UTC")
    rules = ScheduleRules(
        maintenance={"mail-db": [sat_night]},
        blackouts=[Blackout("Freeze", iv(100, 200))],
    )
    tuesday = Slot("CHG-1", iv(150, 250), frozenset({"mail-db", "other"}))
    found = detect([tuesday], rules)["CHG-1"]
    assert [(c.kind, c.other) for c in found] == [
        (CollisionKind.MAINTENANCE, "mail-db maintenance"),
        (CollisionKind.BLACKOUT, "Freeze"),
    ]
    saturday = Slot(
        "CHG-2",
        Interval(datetime(2026, 12, 5, 23, tzinfo=UTC), datetime(2026, 12, 6, 1, tzinfo=UTC)),
        frozenset({"mail-db"}),
    )
    assert detect([saturday], rules)["CHG-2"] == []


CIS = st.frozensets(st.sampled_from(["a", "b", "c", "d"]), max_size=2)
slots = st.lists(
    st.tuples(intervals, CIS, st.sampled_from([None, "ana", "bo"])),
    max_size=7,
).map(lambda items: [Slot(f"CHG-{i}", w, cis, who) for i, (w, cis, who) in enumerate(items, 1)])
EDGES = related_map([("a", "b"), ("c", "b")])


@settings(max_examples=200, deadline=None)
@given(slots)
def test_the_sweep_finds_exactly_the_pairs_a_brute_force_finds(items: list[Slot]) -> None:
    rules = ScheduleRules(related=EDGES)
    found = detect(items, rules)
    for s in items:
        expected = sorted(
            (c.kind, c.other)
            for o in items
            if o.ref != s.ref and s.window.overlaps(o.window)
            for c in pair_collisions(s, o, rules)
        )
        assert sorted((c.kind, c.other) for c in found[s.ref]) == expected


@settings(max_examples=200, deadline=None)
@given(slots)
def test_pair_collisions_are_mutual(items: list[Slot]) -> None:
    found = detect(items, ScheduleRules(related=EDGES))
    for s in items:
        for c in found[s.ref]:
            assert (c.kind, s.ref) in {(x.kind, x.other) for x in found[c.other]}


@settings(deadline=None)
@given(slots, st.integers(-300, 300))
def test_moving_everything_together_changes_nothing(items: list[Slot], shift: int) -> None:
    def shifted(w: Interval) -> Interval:
        return Interval(w.start + timedelta(minutes=shift), w.end + timedelta(minutes=shift))

    moved = [Slot(s.ref, shifted(s.window), s.cis, s.implementer) for s in items]
    key = {r: [(c.kind, c.other) for c in v] for r, v in detect(items, ScheduleRules(related=EDGES)).items()}
    assert key == {
        r: [(c.kind, c.other) for c in v] for r, v in detect(moved, ScheduleRules(related=EDGES)).items()
    }
