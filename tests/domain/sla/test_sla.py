"""The SLA clock: hand-checked tickets, the anchor bugs of other desks, and a minute-by-minute oracle.

Calendar used by the hand-checked cases: Berlin, Monday to Friday 09:00-12:00 and 13:00-18:00,
24 and 25 December 2026 are holidays. November 2026: Friday 20, Saturday 21, Monday 23.
"""

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deskterm.domain.core.vocabulary import PendingReason, Priority, TicketStatus
from deskterm.domain.sla.calendar import BusinessCalendar
from deskterm.domain.sla.history import Change, TicketHistory
from deskterm.domain.sla.instants import from_micros, to_micros
from deskterm.domain.sla.sla import ClockReading, Segment, compact, compute, due_for, measure, readings, walk
from deskterm.domain.sla.terms import (
    AgreementKind,
    AgreementTerms,
    ClockState,
    Metric,
    TermsError,
    format_duration,
    parse_duration,
)
from deskterm.domain.tickets.incident import TRANSITIONS

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
M, H = 60, 3600
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
RESPONSE, RESOLUTION = Metric.RESPONSE, Metric.RESOLUTION
RUNNING, PAUSED, MET, WARNING, BREACHED = (
    ClockState.RUNNING,
    ClockState.PAUSED,
    ClockState.MET,
    ClockState.WARNING,
    ClockState.BREACHED,
)

OFFICE = BusinessCalendar.from_spec(
    "Berlin office",
    "Europe/Berlin",
    {day: ["09:00-12:00", "13:00-18:00"] for day in WORKDAYS},
    ["2026-12-24", "2026-12-25"],
)
NY_OFFICE = BusinessCalendar.from_spec("NY", "America/New_York", {day: ["09:00-17:00"] for day in WORKDAYS})
TARGETS = {
    "P1": {"response": 15 * M, "resolution": 2 * H},
    "P2": {"response": 30 * M, "resolution": 4 * H},
    "P3": {"response": H, "resolution": 8 * H},
    "P4": {"resolution": 40 * H},
}
SLA = AgreementTerms(
    name="Email SLA",
    kind="SLA",
    calendar=OFFICE,
    warn_at=0.75,
    pause_on={"customer", "supplier"},
    targets=TARGETS,
)


def nov(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=BERLIN)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def ticket(
    opened: datetime,
    priority: str = "P3",
    *events: tuple[datetime, str],
    responded_at: datetime | None = None,
    status: str = "new",
) -> TicketHistory:
    """A history from events ``(when, what)``: what is a status (``"pending:customer"`` with its
    reason) or a priority (``"P2"``); the old values are tracked as the service layer records them."""
    changes: list[Change] = []
    current, reason, prio = status, None, priority
    for when, what in events:
        if what in Priority.__members__:
            changes.append(Change(when, "priority", prio, what))
            prio = what
            continue
        new, _, why = what.partition(":")
        changes.append(Change(when, "status", current, new))
        current = new
        if (why or None) != reason:
            changes.append(Change(when, "pending_reason", reason, why or None))
            reason = why or None
    return TicketHistory(
        opened_at=opened,
        priority=Priority(priority),
        changes=tuple(changes),
        responded_at=responded_at,
        status=TicketStatus(status),
    )


def read(
    history: TicketHistory, now: datetime, metric: Metric = RESOLUTION, terms: AgreementTerms = SLA
) -> ClockReading:
    reading = compute(history, terms, metric, now)
    assert reading is not None
    fast = compute(history, terms, metric, now, explain=False)
    assert fast == reading._replace(segments=())
    return reading


def explained(reading: ClockReading, zone: ZoneInfo = BERLIN) -> list[tuple[str, str, bool, str]]:
    def show(at: datetime) -> str:
        return at.astimezone(zone).strftime("%a %d %H:%M")

    return [(show(s.start), show(s.end), s.counted, s.reason) for s in reading.segments]


# -- resolution: hand-checked ---------------------------------------------------------------------


def test_a_ticket_logged_on_friday_evening() -> None:
    history = ticket(nov(20, 17, 30), "P2")  # 4h to resolve
    reading = read(history, nov(23, 11))
    assert reading.elapsed_seconds == 2.5 * H  # 30 minutes on Friday, 2 hours on Monday
    assert reading.remaining_seconds == 1.5 * H
    assert reading.paused_seconds == 0
    assert reading.due_at == nov(23, 13, 30)  # lunch on Monday
    assert reading.warning_at == nov(23, 11, 30)  # 75% of 4h = 3h
    assert reading.state is RUNNING and not reading.paused
    assert reading.started_at == nov(20, 17, 30) and reading.stopped_at is None
    assert (reading.agreement, reading.kind, reading.metric, reading.priority) == (
        "Email SLA",
        AgreementKind.SLA,
        RESOLUTION,
        Priority.P2,
    )
    assert reading.target_seconds == 4 * H and reading.fraction_used == 2.5 / 4
    assert explained(reading) == [
        ("Fri 20 17:30", "Fri 20 18:00", True, "counted"),
        ("Fri 20 18:00", "Mon 23 09:00", False, "outside business hours"),
        ("Mon 23 09:00", "Mon 23 11:00", True, "counted"),
    ]
    assert all(s.start.tzinfo is UTC for s in reading.segments)


def test_warning_then_breach_as_the_clock_runs() -> None:
    history = ticket(nov(20, 17, 30), "P2")
    assert read(history, nov(23, 11, 29)).state is RUNNING
    assert read(history, nov(23, 11, 30)).state is WARNING
    assert read(history, nov(23, 12, 30)).state is WARNING  # lunch: 3.5h used, nothing moves
    at_due = read(history, nov(23, 13, 30))
    assert at_due.state is WARNING and at_due.remaining_seconds == 0 and at_due.breached_at is None
    late = read(history, nov(23, 13, 31))
    assert late.state is BREACHED and late.breached_at == nov(23, 13, 30)
    assert late.remaining_seconds == -60 and late.due_at == nov(23, 13, 30)
    assert (
        "Mon 23 13:30",
        "Mon 23 13:30",
        False,
        "breached: the target was used up and the clock ran on",
    ) in (explained(late))
    assert ("Mon 23 11:30", "Mon 23 11:30", False, "warning: 75% of the 4h target used") in explained(late)


def test_due_at_closing_time_breaches_once_the_clock_runs_past_it() -> None:
    history = ticket(nov(23, 14), "P2")  # 4h: due at 18:00 sharp
    assert read(history, nov(23, 18)).state is WARNING
    evening = read(history, nov(23, 19))
    assert evening.state is BREACHED and evening.breached_at == nov(23, 18)
    assert evening.remaining_seconds == 0  # no business time passed since, but it is late
    on_time = read(ticket(nov(23, 14), "P2", (nov(23, 18), "resolved")), nov(24, 12))
    assert on_time.state is MET and on_time.remaining_seconds == 0


def test_a_breached_clock_stays_breached_after_resolve() -> None:
    history = ticket(nov(23, 9), "P2", (nov(23, 9, 5), "assigned"), (nov(23, 15), "resolved"))
    reading = read(history, nov(30, 9))
    assert reading.state is BREACHED
    assert reading.breached_at == nov(23, 14)  # 09-12 and 13-14
    assert reading.stopped_at == nov(23, 15)
    assert reading.elapsed_seconds == 5 * H and reading.remaining_seconds == -H
    assert reading.due_at == nov(23, 14)
    closed = read(ticket(nov(23, 9), "P2", (nov(23, 15), "resolved"), (nov(24, 9), "closed")), nov(30, 9))
    assert closed.state is BREACHED and closed.stopped_at == nov(23, 15)


def test_resolved_in_time_is_met_for_good() -> None:
    history = ticket(nov(23, 9), "P2", (nov(23, 9, 5), "in-progress"), (nov(23, 11), "resolved"))
    for now in (nov(23, 11), nov(23, 17), datetime(2027, 1, 10, tzinfo=UTC)):
        reading = read(history, now)
        assert reading.state is MET
        assert reading.elapsed_seconds == 2 * H and reading.remaining_seconds == 2 * H
        assert reading.stopped_at == nov(23, 11)
        assert reading.due_at == nov(23, 14)  # the due time it had when it stopped
    assert explained(read(history, nov(24, 9))) == [
        ("Mon 23 09:00", "Mon 23 11:00", True, "counted"),
        ("Mon 23 11:00", "Mon 23 11:00", False, "stopped: resolved"),
    ]


def test_pause_and_resume_several_times() -> None:
    history = ticket(
        nov(23, 9),
        "P3",  # 8h
        (nov(23, 9, 5), "assigned"),
        (nov(23, 10), "pending:customer"),
        (nov(23, 11), "in-progress"),
        (nov(23, 14), "pending:supplier"),
        (nov(23, 15, 30), "in-progress"),
        (nov(23, 16), "pending:customer"),
        (nov(24, 10), "in-progress"),
    )
    waiting = read(history, nov(24, 9, 30))
    assert waiting.state is PAUSED and waiting.paused
    assert waiting.elapsed_seconds == 3.5 * H  # 9-10, 11-12, 13-14, 15:30-16
    assert waiting.paused_seconds == 5 * H  # 10-11, 14-15:30, 16-18, Tue 9-9:30
    assert waiting.remaining_seconds == 4.5 * H
    assert waiting.due_at is None and waiting.warning_at is None  # moves while paused
    resumed = read(history, nov(24, 10))
    assert resumed.state is RUNNING and resumed.paused_seconds == 5.5 * H
    assert resumed.due_at == nov(24, 15, 30)  # 10-12 and 13-15:30
    assert explained(resumed) == [
        ("Mon 23 09:00", "Mon 23 10:00", True, "counted"),
        ("Mon 23 10:00", "Mon 23 11:00", False, "paused: pending (customer)"),
        ("Mon 23 11:00", "Mon 23 12:00", True, "counted"),
        ("Mon 23 12:00", "Mon 23 13:00", False, "outside business hours"),
        ("Mon 23 13:00", "Mon 23 14:00", True, "counted"),
        ("Mon 23 14:00", "Mon 23 15:30", False, "paused: pending (supplier)"),
        ("Mon 23 15:30", "Mon 23 16:00", True, "counted"),
        ("Mon 23 16:00", "Tue 24 10:00", False, "paused: pending (customer)"),
    ]


def test_paused_past_the_warning_threshold_warns() -> None:
    history = ticket(nov(23, 9), "P2", (nov(23, 13), "pending:customer"))  # 3h used of 4h
    reading = read(history, nov(24, 9))
    assert reading.state is WARNING and reading.paused and reading.due_at is None
    assert reading.warning_at == nov(23, 12)


def test_pending_for_a_reason_the_agreement_does_not_pause_on_keeps_running() -> None:
    history = ticket(nov(23, 9), "P3", (nov(23, 10), "pending:change"))
    reading = read(history, nov(23, 13, 30))
    assert reading.state is RUNNING and not reading.paused
    assert reading.elapsed_seconds == 3.5 * H and reading.paused_seconds == 0
    assert explained(reading) == [
        ("Mon 23 09:00", "Mon 23 10:00", True, "counted"),
        ("Mon 23 10:00", "Mon 23 12:00", True, "counted: pending (change) does not pause Email SLA"),
        ("Mon 23 12:00", "Mon 23 13:00", False, "outside business hours"),
        ("Mon 23 13:00", "Mon 23 13:30", True, "counted: pending (change) does not pause Email SLA"),
    ]
    ola = AgreementTerms(
        name="Network OLA", kind="OLA", calendar=OFFICE, pause_on={"change"}, targets=TARGETS
    )
    assert read(history, nov(23, 13, 30), terms=ola).state is PAUSED


def test_reopen_after_resolve_accumulates() -> None:
    history = ticket(
        nov(23, 9), "P3", (nov(23, 10), "resolved"), (nov(24, 10), "in-progress"), (nov(24, 12), "resolved")
    )
    reopened = read(history, nov(24, 11))
    assert reopened.state is RUNNING and reopened.stopped_at is None
    assert reopened.elapsed_seconds == 2 * H and reopened.paused_seconds == 0
    assert reopened.due_at == nov(24, 18)  # 6h left from Tue 11:00: 11-12, 13-18
    assert explained(reopened) == [
        ("Mon 23 09:00", "Mon 23 10:00", True, "counted"),
        ("Mon 23 10:00", "Tue 24 10:00", False, "stopped: resolved"),
        ("Tue 24 10:00", "Tue 24 10:00", False, "reopened: the clock runs again"),
        ("Tue 24 10:00", "Tue 24 11:00", True, "counted"),
    ]
    again = read(history, nov(26, 9))
    assert again.state is MET and again.elapsed_seconds == 3 * H and again.stopped_at == nov(24, 12)


# -- a change of priority: the anchor bug -----------------------------------------------------------


def test_priority_change_measures_the_new_target_from_the_start_and_keeps_the_pause() -> None:
    history = ticket(
        nov(23, 9),
        "P3",  # 8h
        (nov(23, 10), "pending:customer"),
        (nov(23, 14), "in-progress"),
        (nov(23, 15), "P2"),  # 4h
    )
    reading = read(history, nov(23, 15))
    assert reading.priority is Priority.P2 and reading.target_seconds == 4 * H
    assert reading.elapsed_seconds == 2 * H  # 9-10 and 14-15
    assert reading.paused_seconds == 3 * H  # 10-12 and 13-14: kept
    assert reading.remaining_seconds == 2 * H
    assert reading.due_at == nov(23, 17)
    assert reading.state is RUNNING
    # not re-anchored at the change (that would be due Tuesday 10:00), nor losing the pause (14:00)
    assert reading.due_at not in (nov(24, 10), nov(23, 14))
    assert (
        "Mon 23 15:00",
        "Mon 23 15:00",
        False,
        "target changed: P3 -> P2 (8h -> 4h), measured from the start",
    ) in explained(reading)


def test_raising_the_priority_past_the_time_used_breaches_at_the_change() -> None:
    history = ticket(nov(23, 9), "P3", (nov(23, 15), "P2"))  # 5h used by 15:00, P2 allows 4h
    before = read(history, nov(23, 14, 59))
    assert before.state is RUNNING and before.priority is Priority.P3
    reading = read(history, nov(23, 15, 30))
    assert reading.state is BREACHED and reading.breached_at == nov(23, 15)
    assert reading.due_at == nov(23, 14)  # when 4h had been used


def test_lowering_the_priority_does_not_undo_a_breach() -> None:
    history = ticket(nov(23, 9), "P2", (nov(23, 15), "P3"))
    reading = read(history, nov(23, 16))
    assert reading.state is BREACHED and reading.breached_at == nov(23, 14)
    assert reading.target_seconds == 8 * H and reading.remaining_seconds == 2 * H
    assert reading.due_at == nov(23, 18)


def test_no_target_for_the_current_priority() -> None:
    assert compute(ticket(nov(23, 9), "P5"), SLA, RESOLUTION, nov(23, 10)) is None
    assert compute(ticket(nov(23, 9), "P4"), SLA, RESPONSE, nov(23, 10)) is None
    assert compute(ticket(nov(23, 9), "P3", (nov(23, 10), "P5")), SLA, RESOLUTION, nov(23, 11)) is None
    later = read(ticket(nov(23, 9), "P5", (nov(23, 10), "P3")), nov(23, 11))
    assert later.elapsed_seconds == 2 * H  # from the start, though P5 had no target
    assert (
        "Mon 23 10:00",
        "Mon 23 10:00",
        False,
        "target changed: P5 -> P3 (no target -> 8h), measured from the start",
    ) in (explained(later))
    same = read(ticket(nov(23, 9), "P3", (nov(23, 10), "P2")), nov(23, 11), RESPONSE, terms=_flat_terms())
    assert (
        "Mon 23 10:00",
        "Mon 23 10:00",
        False,
        "priority changed: P3 -> P2 (target stays 1h)",
    ) in explained(same)


def _flat_terms() -> AgreementTerms:
    return AgreementTerms(
        name="flat",
        calendar=OFFICE,
        targets={p: {"response": H, "resolution": 8 * H} for p in ("P2", "P3")},  # type: ignore[misc]
    )


# -- response ---------------------------------------------------------------------------------------


def test_response_is_met_by_the_first_assignment() -> None:
    history = ticket(nov(23, 9), "P2", (nov(23, 9, 10), "assigned"), (nov(23, 9, 40), "in-progress"))
    reading = read(history, nov(23, 12), RESPONSE)
    assert reading.state is MET and reading.elapsed_seconds == 10 * M
    assert reading.stopped_at == nov(23, 9, 10)
    assert reading.due_at == nov(23, 9, 30)
    assert explained(reading) == [
        ("Mon 23 09:00", "Mon 23 09:10", True, "counted"),
        ("Mon 23 09:10", "Mon 23 09:10", False, "stopped: responded (status new -> assigned)"),
    ]
    before = read(history, nov(23, 9, 5), RESPONSE)
    assert before.state is RUNNING and before.due_at == nov(23, 9, 30)


def test_response_is_met_by_a_public_update_if_that_comes_first() -> None:
    history = ticket(nov(23, 9), "P2", (nov(23, 9, 20), "assigned"), responded_at=nov(23, 9, 5))
    reading = read(history, nov(23, 12), RESPONSE)
    assert reading.state is MET and reading.stopped_at == nov(23, 9, 5)
    assert reading.segments[-1].reason == "stopped: responded (first public update)"
    late_update = ticket(nov(23, 9), "P2", (nov(23, 9, 20), "assigned"), responded_at=nov(23, 9, 25))
    assert read(late_update, nov(23, 12), RESPONSE).stopped_at == nov(23, 9, 20)
    # an update recorded before the ticket (clock skew) counts as at the opening
    early = ticket(nov(23, 9), "P2", responded_at=nov(23, 8, 59))
    assert read(early, nov(23, 12), RESPONSE).elapsed_seconds == 0


def test_response_to_a_ticket_logged_outside_hours() -> None:
    history = ticket(nov(21, 10), "P2", (nov(23, 9, 5), "in-progress"))
    reading = read(history, nov(23, 10), RESPONSE)
    assert reading.state is MET and reading.elapsed_seconds == 5 * M


def test_response_to_a_ticket_resolved_at_first_contact() -> None:
    history = ticket(nov(23, 9), "P2", status="resolved")
    reading = read(history, nov(23, 10), RESPONSE)
    assert reading.state is MET and reading.elapsed_seconds == 0 and reading.stopped_at == nov(23, 9)
    assert reading.segments == (
        Segment(nov(23, 9), nov(23, 9), False, "stopped: responded (logged as resolved)"),
    )
    assert read(history, nov(23, 10)).state is MET


def test_response_warning_and_breach() -> None:
    history = ticket(nov(23, 9), "P1", (nov(23, 9, 25), "assigned"))  # 15 minutes
    assert read(history, nov(23, 9, 11), RESPONSE).state is RUNNING
    warning = read(history, nov(23, 9, 12), RESPONSE)
    assert warning.state is WARNING and warning.warning_at == nov(23, 9, 11, 15)
    breached = read(history, nov(23, 9, 20), RESPONSE)
    assert breached.state is BREACHED and breached.breached_at == nov(23, 9, 15)
    after = read(history, nov(23, 10), RESPONSE)
    assert after.state is BREACHED and after.stopped_at == nov(23, 9, 25)
    assert after.elapsed_seconds == 25 * M


# -- calendars: holidays, time zones, daylight saving ----------------------------------------------


def test_a_ticket_logged_on_a_holiday() -> None:
    opened = datetime(2026, 12, 24, 10, tzinfo=BERLIN)  # Thursday, holiday; Friday too
    reading = read(ticket(opened, "P2"), datetime(2026, 12, 28, 10, tzinfo=BERLIN))
    assert reading.elapsed_seconds == H
    assert reading.due_at == datetime(2026, 12, 28, 14, tzinfo=BERLIN)
    assert explained(reading) == [
        ("Thu 24 10:00", "Sat 26 00:00", False, "holiday"),
        ("Sat 26 00:00", "Mon 28 09:00", False, "outside business hours"),
        ("Mon 28 09:00", "Mon 28 10:00", True, "counted"),
    ]


@pytest.mark.parametrize(
    ("opened", "terms", "due"),
    [
        # Berlin spring forward: Friday 16:00 CET, 2h on Friday, due Monday 11:00 CEST
        (datetime(2026, 3, 27, 16, tzinfo=BERLIN), SLA, utc(2026, 3, 30, 9)),
        # Berlin fall back: Friday 16:00 CEST, due Monday 11:00 CET
        (datetime(2026, 10, 23, 16, tzinfo=BERLIN), SLA, utc(2026, 10, 26, 10)),
        # New York fall back: Friday 16:30 EDT, 30 minutes on Friday, due Monday 12:30 EST
        (
            datetime(2026, 10, 30, 16, 30, tzinfo=NEW_YORK),
            AgreementTerms(name="NY", calendar=NY_OFFICE, targets=TARGETS),
            utc(2026, 11, 2, 17, 30),
        ),
        # New York spring forward: Friday 16:30 EST, due Monday 12:30 EDT
        (
            datetime(2026, 3, 6, 16, 30, tzinfo=NEW_YORK),
            AgreementTerms(name="NY", calendar=NY_OFFICE, targets=TARGETS),
            utc(2026, 3, 9, 16, 30),
        ),
        # round the clock across the spring-forward night: 4 real hours
        (
            datetime(2026, 3, 29, 0, 30, tzinfo=BERLIN),
            AgreementTerms(name="24x7", calendar=BusinessCalendar.always(), targets=TARGETS),
            datetime(2026, 3, 29, 5, 30, tzinfo=BERLIN),
        ),
    ],
)
def test_due_times_across_daylight_saving_changes(
    opened: datetime, terms: AgreementTerms, due: datetime
) -> None:
    reading = read(ticket(opened, "P2"), opened + timedelta(minutes=1), terms=terms)
    assert reading.due_at == due
    assert due_for(ticket(opened, "P2"), terms, RESOLUTION, opened) == due


# -- history handling ---------------------------------------------------------------------------------


def test_changes_at_one_instant_apply_together_in_any_order() -> None:
    when = nov(23, 10)
    a = TicketHistory(
        opened_at=nov(23, 9),
        priority=Priority.P3,
        changes=(Change(when, "status", "new", "pending"), Change(when, "pending_reason", None, "customer")),
    )
    b = TicketHistory(
        opened_at=nov(23, 9),
        priority=Priority.P3,
        changes=(Change(when, "pending_reason", None, "customer"), Change(when, "status", "new", "pending")),
    )
    assert read(a, nov(23, 11)) == read(b, nov(23, 11))
    assert read(a, nov(23, 11)).state is PAUSED


def test_a_reading_in_the_past_ignores_later_changes() -> None:
    history = ticket(nov(23, 9), "P3", (nov(23, 10), "resolved"), (nov(23, 11), "P1"))
    assert read(history, nov(23, 9, 30)).priority is Priority.P3
    assert read(history, nov(23, 9, 30)).state is RUNNING
    assert read(history, nov(23, 10)).state is MET
    assert read(history, nov(23, 11)).state is MET  # 1h used, P1 allows 2h
    early = read(history, nov(23, 8))
    assert early.elapsed_seconds == 0 and early.state is RUNNING and early.due_at == nov(23, 18)
    assert early.segments == ()


def test_a_change_at_exactly_now_counts() -> None:
    history = ticket(nov(23, 9), "P3", (nov(23, 10), "resolved"))
    reading = read(history, nov(23, 10))
    assert reading.state is MET and reading.stopped_at == nov(23, 10)
    response = read(ticket(nov(23, 9), "P3", responded_at=nov(23, 9, 30)), nov(23, 9, 30), RESPONSE)
    assert response.state is MET and response.stopped_at == nov(23, 9, 30)


def test_history_is_checked() -> None:
    with pytest.raises(
        ValueError, match=r"history out of order: the status change .* is before the change before it"
    ):
        ticket(nov(23, 9), "P3", (nov(23, 11), "assigned"), (nov(23, 10), "in-progress"))
    with pytest.raises(ValueError, match="is before the ticket was opened"):
        ticket(nov(23, 9), "P3", (nov(23, 8), "assigned"))
    with pytest.raises(ValueError, match="not 'title'"):
        TicketHistory(
            opened_at=nov(23, 9), priority=Priority.P3, changes=(Change(nov(23, 10), "title", "a", "b"),)
        )
    with pytest.raises(ValueError, match="naive datetime"):
        TicketHistory(opened_at=datetime(2026, 11, 23, 9), priority=Priority.P3)  # noqa: DTZ001
    with pytest.raises(ValueError, match="'shelved' is not a valid TicketStatus"):
        TicketHistory(
            opened_at=nov(23, 9),
            priority=Priority.P3,
            changes=(Change(nov(23, 10), "status", "new", "shelved"),),
        )
    with pytest.raises(ValueError, match="naive datetime"):
        compute(ticket(nov(23, 9)), SLA, RESOLUTION, datetime(2026, 11, 23, 10))  # noqa: DTZ001


def test_history_from_the_current_values() -> None:
    changes = (
        Change(nov(23, 9, 5), "status", "new", "assigned"),
        Change(nov(23, 10), "priority", "P4", "P2"),
        Change(nov(23, 11), "status", "assigned", "pending"),
        Change(nov(23, 11), "pending_reason", None, "customer"),
    )
    history = TicketHistory.from_current(
        opened_at=nov(23, 9),
        priority=Priority.P2,
        status=TicketStatus.PENDING,
        pending_reason=PendingReason.CUSTOMER,
        changes=changes,
    )
    assert (history.priority, history.status, history.pending_reason) == (Priority.P4, TicketStatus.NEW, None)
    reading = read(history, nov(23, 12))
    assert reading.state is PAUSED and reading.elapsed_seconds == 2 * H and reading.priority is Priority.P2
    untouched = TicketHistory.from_current(
        opened_at=nov(23, 9), priority=Priority.P1, status=TicketStatus.ASSIGNED
    )
    assert (untouched.priority, untouched.status) == (Priority.P1, TicketStatus.ASSIGNED)


def test_readings_and_due_for() -> None:
    history = ticket(nov(23, 9), "P2", (nov(23, 9, 10), "assigned"))
    both = readings(history, SLA, nov(23, 10))
    assert [r.metric for r in both] == [RESPONSE, RESOLUTION]
    assert [r.state for r in both] == [MET, RUNNING]
    assert due_for(history, SLA, RESOLUTION, nov(23, 10)) == nov(23, 14)
    assert due_for(ticket(nov(23, 9), "P5"), SLA, RESOLUTION, nov(23, 10)) is None
    assert [r.metric for r in readings(ticket(nov(23, 9), "P4"), SLA, nov(23, 10), explain=False)] == [
        RESOLUTION
    ]


# -- agreement terms and durations --------------------------------------------------------------------


def test_terms_are_normalised() -> None:
    terms = AgreementTerms(
        name=" Supplier UC ",
        kind="uc",
        calendar=OFFICE,
        warn_at=0.5,
        pause_on=["CUSTOMER"],
        targets={"p1": {"Response": 60}},
    )
    assert terms.name == "Supplier UC" and terms.kind is AgreementKind.UC
    assert terms.pause_on == frozenset({PendingReason.CUSTOMER})
    assert terms.targets == {Priority.P1: {Metric.RESPONSE: 60}}
    assert terms.target(Priority.P1, RESPONSE) == 60
    assert terms.target(Priority.P1, RESOLUTION) is None and terms.target(Priority.P2, RESPONSE) is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": ""}, r"an agreement needs a name"),
        ({"kind": "XLA"}, r"agreement 'A': kind: 'XLA' is not one of SLA, OLA, UC"),
        ({"warn_at": 1.0}, r"agreement 'A': warn_at: 1.0 must be a fraction between 0 and 1"),
        ({"warn_at": 0}, r"warn_at: 0 must be a fraction"),
        ({"warn_at": "0.5"}, r"warn_at: '0.5' must be a fraction"),
        ({"pause_on": ["lunch"]}, r"agreement 'A': pause_on: 'lunch' is not a pending reason; use customer"),
        ({"targets": {"P9": {"response": 60}}}, r"agreement 'A': targets: 'P9' is not a priority"),
        ({"targets": {"P1": {"reply": 60}}}, r"agreement 'A': targets.P1: 'reply' is not a metric"),
        (
            {"targets": {"P1": {"response": 0}}},
            r"targets.P1.response: 0 must be a whole number of seconds above zero",
        ),
        ({"targets": {"P1": {"response": "15m"}}}, r"targets.P1.response: '15m' must be a whole number"),
        ({"calendar": "24x7"}, r"agreement 'A': calendar: expected a business calendar"),
    ],
)
def test_terms_errors_name_the_field(kwargs: dict[str, object], message: str) -> None:
    spec: dict[str, object] = {"name": "A", "calendar": OFFICE, "targets": TARGETS}
    spec.update(kwargs)
    with pytest.raises(TermsError, match=message):
        AgreementTerms(**spec)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("15m", 900),
        ("4h", 14400),
        ("1h30m", 5400),
        ("90s", 90),
        (" 2H ", 7200),
        ("1h 5m 3s", 3903),
        (600, 600),
    ],
)
def test_parse_duration(text: str | int, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2d", "days are ambiguous in business time; write hours instead"),
        ("1d4h", "days are ambiguous"),
        ("soon", "is not a duration; write it like 15m, 4h or 1h30m"),
        ("", "is not a duration"),
        ("4m1h", "is not a duration"),
        ("0m", "must be longer than zero"),
        (0, "must be longer than zero"),
        (True, "is not a duration"),
    ],
)
def test_parse_duration_errors(text: str | int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (14400, "4h"),
        (5400, "1h30m"),
        (900, "15m"),
        (45, "45s"),
        (0, "0s"),
        (-90, "-1m30s"),
        (None, "no target"),
        (100800, "28h"),
    ],
)
def test_format_duration(seconds: float | None, text: str) -> None:
    assert format_duration(seconds) == text


# -- properties: random lives checked against a minute-by-minute oracle ------------------------------

NIGHTS = BusinessCalendar.from_spec(
    "nights",
    "Europe/Berlin",
    {day: ["00:00-06:00", "22:00-24:00"] for day in (*WORKDAYS, "sun")},
    ["2026-11-24"],
)
CALENDARS = [OFFICE, NIGHTS, BusinessCalendar.always()]


def minute_is_open(cal: BusinessCalendar, instant: datetime) -> bool:
    wall = instant.astimezone(ZoneInfo(cal.timezone))
    if wall.date() in cal.holidays:
        return False
    seconds = wall.hour * 3600 + wall.minute * 60
    return any(start <= seconds < end for start, end in cal.hours[wall.weekday()])


def oracle(
    history: TicketHistory, terms: AgreementTerms, metric: Metric, now: datetime
) -> tuple[float, float, str]:
    """(elapsed, paused, state) replayed minute by minute; every time is on a whole minute."""
    changes = sorted(history.changes, key=lambda c: c.at)
    status, reason, priority = history.status, history.pending_reason, history.priority
    response = None
    if status is not TicketStatus.NEW:
        response = history.opened_at
    else:
        firsts = [c.at for c in changes if c.field == "status" and c.new != "new"]
        candidates = firsts[:1] + (
            [max(history.responded_at, history.opened_at)] if history.responded_at else []
        )
        response = min(candidates) if candidates else None
    elapsed = paused = 0
    breached = False
    minute = history.opened_at
    mode = "running"
    while True:
        for change in changes:
            if change.at == minute:
                if change.field == "status":
                    status = TicketStatus(change.new)
                elif change.field == "priority":
                    priority = Priority(change.new)
                else:
                    reason = PendingReason(change.new) if change.new else None
        target = terms.target(priority, metric)
        if metric is Metric.RESPONSE:
            mode = "stopped" if response is not None and minute >= response else "running"
        elif status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            mode = "stopped"
        elif status is TicketStatus.PENDING and reason in terms.pause_on:
            mode = "paused"
        else:
            mode = "running"
        if target is not None and (
            elapsed > target or (mode == "running" and elapsed >= target and minute < now)
        ):
            breached = True
        if minute >= now:
            break
        if minute_is_open(terms.calendar, minute):
            if mode == "running":
                elapsed += 60
            elif mode == "paused":
                paused += 60
        minute += timedelta(minutes=1)
    target = terms.target(priority, metric)
    assert target is not None
    if breached:
        state = "breached"
    elif mode == "stopped":
        state = "met"
    elif elapsed * 1_000_000 >= round(target * 1_000_000 * terms.warn_at):
        state = "warning"
    else:
        state = "paused" if mode == "paused" else "running"
    return elapsed, paused, state


@st.composite
def lives(draw: st.DrawFn) -> tuple[TicketHistory, datetime]:
    """A ticket's legal life: status moves along the incident state machine, priority changes."""
    opened = datetime(2026, 11, 20, tzinfo=BERLIN) + timedelta(minutes=draw(st.integers(0, 5 * 24 * 60)))
    opened = opened.astimezone(UTC)
    status = draw(st.sampled_from([TicketStatus.NEW] * 4 + [TicketStatus.ASSIGNED, TicketStatus.RESOLVED]))
    priority = draw(st.sampled_from(list(Priority)))
    reason: PendingReason | None = None
    changes: list[Change] = []
    at = opened
    current, prio = status, priority
    for _ in range(draw(st.integers(0, 7))):
        at += timedelta(minutes=draw(st.sampled_from([0, 1, 5, 30, 60, 240, 600, 1000])))
        if draw(st.integers(0, 3)) == 0:
            new_priority = draw(st.sampled_from(list(Priority)))
            changes.append(Change(at, "priority", prio, new_priority))
            prio = new_priority
            continue
        allowed = sorted(TRANSITIONS[current])
        if not allowed:
            continue
        new = draw(st.sampled_from(allowed))
        changes.append(Change(at, "status", current, new))
        current = new
        new_reason = draw(st.sampled_from(list(PendingReason))) if new is TicketStatus.PENDING else None
        if new_reason != reason:
            changes.append(Change(at, "pending_reason", reason, new_reason))
            reason = new_reason
    responded_at = None
    if draw(st.booleans()):
        responded_at = opened + timedelta(minutes=draw(st.integers(-5, 600)))
    now = at + timedelta(minutes=draw(st.sampled_from([0, 1, 15, 120, 900, 2000])))
    history = TicketHistory(
        opened_at=opened, priority=priority, status=status, changes=tuple(changes), responded_at=responded_at
    )
    return history, now


@st.composite
def agreements(draw: st.DrawFn) -> AgreementTerms:
    targets: dict[str, dict[str, int]] = {}
    for priority in Priority:
        per_metric = {
            metric.value: 60 * draw(st.integers(1, 16 * 60))
            for metric in Metric
            if draw(st.integers(0, 5)) > 0
        }
        if per_metric:
            targets[priority.value] = per_metric
    return AgreementTerms(
        name="random",
        calendar=draw(st.sampled_from(CALENDARS)),
        warn_at=draw(st.sampled_from([0.5, 0.75, 0.9])),
        pause_on=draw(st.frozensets(st.sampled_from(list(PendingReason)))),
        targets=targets,
    )


PROPERTY = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(life=lives(), terms=agreements(), metric=st.sampled_from(list(Metric)))
def test_random_lives_agree_with_the_oracle(
    life: tuple[TicketHistory, datetime], terms: AgreementTerms, metric: Metric
) -> None:
    history, now = life
    reading = compute(history, terms, metric, now)
    if reading is None:
        priority = history.priority
        for change in history.changes:
            if change.field == "priority" and change.at <= now:
                priority = Priority(change.new)
        assert terms.target(priority, metric) is None
        return
    elapsed, paused, state = oracle(history, terms, metric, now)
    assert (reading.elapsed_seconds, reading.paused_seconds, reading.state.value) == (elapsed, paused, state)
    assert reading.remaining_seconds == reading.target_seconds - elapsed
    assert compute(history, terms, metric, now, explain=False) == reading._replace(segments=())


@PROPERTY
@given(life=lives(), terms=agreements(), metric=st.sampled_from(list(Metric)))
def test_segments_explain_every_moment(
    life: tuple[TicketHistory, datetime], terms: AgreementTerms, metric: Metric
) -> None:
    history, now = life
    reading = compute(history, terms, metric, now)
    if reading is None:
        return
    cal = terms.calendar
    stretches = [s for s in reading.segments if not s.is_marker]
    end = reading.stopped_at or max(now, history.opened_at)
    if stretches:
        assert stretches[0].start == history.opened_at
        assert stretches[-1].end == end
        for a, b in pairwise(stretches):
            assert a.end == b.start
    else:
        assert end == history.opened_at
    assert sum(s.seconds for s in stretches if s.counted) == reading.elapsed_seconds
    assert all(cal.business_seconds(s.start, s.end) == s.seconds for s in stretches if s.counted)
    assert all(
        cal.business_seconds(s.start, s.end) == 0 for s in stretches if not s.counted and s.reason[0] in "oh"
    )
    paused = sum(cal.business_seconds(s.start, s.end) for s in stretches if s.reason.startswith("paused"))
    assert paused == reading.paused_seconds
    stopped = sum(cal.business_seconds(s.start, s.end) for s in stretches if s.reason.startswith("stopped"))
    assert reading.elapsed_seconds + paused + stopped == cal.business_seconds(history.opened_at, end)
    starts = [s.start for s in reading.segments]
    assert starts == sorted(starts)
    markers = [s.reason for s in reading.segments if s.is_marker]
    assert (reading.state is BREACHED) == any(m.startswith("breached") for m in markers)
    assert (reading.stopped_at is not None) == any(m.startswith("stopped") for m in markers)


@PROPERTY
@given(life=lives(), terms=agreements(), metric=st.sampled_from(list(Metric)), later=st.integers(1, 3000))
def test_the_clock_only_moves_forward(
    life: tuple[TicketHistory, datetime], terms: AgreementTerms, metric: Metric, later: int
) -> None:
    history, now = life
    first = compute(history, terms, metric, now, explain=False)
    second = compute(history, terms, metric, now + timedelta(minutes=later), explain=False)
    if first is None or second is None:
        return
    assert second.elapsed_seconds >= first.elapsed_seconds
    assert second.paused_seconds >= first.paused_seconds
    if first.state is BREACHED:
        assert second.state is BREACHED and second.breached_at == first.breached_at
    if first.state is MET:
        assert second.state in (MET, BREACHED)  # only a later priority change can breach it
        assert first.remaining_seconds >= 0


@PROPERTY
@given(life=lives(), terms=agreements(), metric=st.sampled_from(list(Metric)))
def test_due_times_are_consistent(
    life: tuple[TicketHistory, datetime], terms: AgreementTerms, metric: Metric
) -> None:
    history, now = life
    reading = compute(history, terms, metric, now, explain=False)
    if reading is None:
        return
    cal = terms.calendar
    now = max(now, history.opened_at)
    running = reading.stopped_at is None and not reading.paused
    if running and reading.remaining_seconds > 0:
        assert reading.due_at is not None and reading.due_at >= now
        assert cal.business_seconds(now, reading.due_at) == reading.remaining_seconds
    if reading.paused and reading.remaining_seconds > 0:
        assert reading.due_at is None
    if reading.remaining_seconds <= 0 and reading.due_at is not None and reading.stopped_at is None:
        assert reading.due_at <= now
    if reading.state is BREACHED:
        assert reading.breached_at is not None and reading.breached_at <= now
    else:
        assert reading.breached_at is None and reading.remaining_seconds >= 0


@PROPERTY
@given(
    life=lives(),
    terms=agreements(),
    other=agreements(),
    metric=st.sampled_from(list(Metric)),
    later=st.sampled_from([0, 1, 30, 600, 3000, 20000]),
)
def test_stored_phases_give_the_same_clock_later_and_under_other_terms(
    life: tuple[TicketHistory, datetime],
    terms: AgreementTerms,
    other: AgreementTerms,
    metric: Metric,
    later: int,
) -> None:
    """The bulk recompute measures phases stored at the last change instead of the history: at
    any later instant, and after the calendar, targets or warn level changed (same pause_on),
    it must read exactly what a full replay of the history reads."""
    history, now = life
    responded = [history.responded_at] if history.responded_at is not None else []
    last_change = max([history.opened_at, *responded, *(c.at for c in history.changes)])
    now = max(now, last_change)  # stored phases are walked after the ticket's last change
    phases = compact(walk(history, terms.pause_on, metric, to_micros(now)).phases)
    then = now + timedelta(minutes=later)
    changed = AgreementTerms(
        name="changed",
        calendar=other.calendar,
        targets=other.targets,
        warn_at=other.warn_at,
        pause_on=terms.pause_on,
    )
    for t in (terms, changed):
        full = compute(history, t, metric, then, explain=False)
        fast = measure(phases, t, metric, to_micros(then))
        if full is None:
            assert fast is None
            continue
        assert fast is not None
        assert (fast.elapsed / 1e6, fast.paused / 1e6, fast.state, fast.priority) == (
            full.elapsed_seconds,
            full.paused_seconds,
            full.state,
            full.priority,
        )
        assert (None if fast.due is None else from_micros(fast.due)) == full.due_at
        assert (None if fast.warning is None else from_micros(fast.warning)) == full.warning_at
        assert (None if fast.stopped_at is None else from_micros(fast.stopped_at)) == full.stopped_at
