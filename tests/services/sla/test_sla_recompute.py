"""Recomputing every due time after a calendar, target or warning change: from the phases stored
on each clock, without replaying history, and exactly what a replay would give (both databases)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from deskterm.services.core.context import Desk
from deskterm.services.sla import clocks, sla_definitions
from deskterm.store.models import Ticket, TicketClock
from tests.services import factories as f
from tests.services.sla.test_sla import when
from tests.services.sla_definitions_text import DEFINITIONS

CHANGED = (
    DEFINITIONS.replace('holidays = ["2026-10-01", "2026-11-26"]', 'holidays = ["2026-11-25", "2026-11-26"]')
    .replace('fri = ["09:00-12:00", "13:00-18:00"]', 'fri = ["10:00-12:00"]\nsat = ["09:00-12:00"]')
    .replace('P2 = { response = "30m", resolution = "8h" }', 'P2 = { response = "20m", resolution = "5h" }')
    .replace("warn_at = 0.8", "warn_at = 0.5")
)


def stored(desk: Desk) -> list[tuple[object, ...]]:
    with desk.reading() as s:
        clocks_ = s.execute(
            select(
                TicketClock.ticket_id,
                TicketClock.agreement_id,
                TicketClock.metric,
                TicketClock.state,
                TicketClock.running,
                TicketClock.target_seconds,
                TicketClock.elapsed_seconds,
                TicketClock.paused_seconds,
                TicketClock.due_at,
                TicketClock.warn_at,
            ).order_by(TicketClock.ticket_id, TicketClock.agreement_id, TicketClock.metric)
        ).all()
        due = s.execute(select(Ticket.id, Ticket.sla_due_at).order_by(Ticket.id)).all()
    return [tuple(r) for r in clocks_] + [tuple(r) for r in due]


def busy_desk(desk: Desk) -> None:
    """Tickets in every shape the clock knows: running, paused, reopened, re-prioritised, OLA."""
    clock = when(desk)
    a = f.log(desk, urgency="high", service="Email")
    b = f.log(desk, urgency="high", service="Email", group="Service Desk")
    c = f.log(desk, service="Printing", group="Network")
    d = f.log(desk, urgency="high", service="Email", group="Network")
    clock.advance(timedelta(minutes=20))
    f.update(desk, b.ref, assignee="bob")
    f.update(desk, b.ref, status="pending", reason="customer")
    f.update(desk, c.ref, urgency="high")
    clock.advance(timedelta(hours=3))
    f.update(desk, d.ref, assignee="nick")
    f.update(desk, d.ref, status="resolved", resolution_code="fixed", resolution="done")
    clock.advance(timedelta(hours=1))
    f.update(desk, d.ref, status="in-progress")
    f.update(desk, a.ref, status="pending", reason="problem")
    clock.advance(timedelta(hours=20))


def test_a_calendar_target_and_warning_change_is_re_measured_from_phases_exactly(applied: Desk) -> None:
    busy_desk(applied)
    summary = sla_definitions.apply(applied, CHANGED)
    assert summary.recomputed_from == "phases" and summary.clocks > 0
    fast = stored(applied)
    with applied.writing() as uow:
        clocks.refresh_all_open(uow.session, uow.now)
    assert stored(applied) == fast


def test_the_soonest_running_due_time_is_kept_on_the_ticket(applied: Desk) -> None:
    busy_desk(applied)
    with applied.reading() as s:
        soonest: dict[int, object] = {}
        for ticket_id, due in s.execute(
            select(TicketClock.ticket_id, TicketClock.due_at).where(TicketClock.running)
        ):
            if due is not None and (ticket_id not in soonest or due < soonest[ticket_id]):  # type: ignore[operator]
                soonest[ticket_id] = due
        on_ticket = dict(s.execute(select(Ticket.id, Ticket.sla_due_at)).all())
    assert soonest and on_ticket == {t: soonest.get(t) for t in on_ticket}


def test_a_change_of_what_an_agreement_covers_is_replayed_from_history(applied: Desk) -> None:
    busy_desk(applied)
    summary = sla_definitions.apply(
        applied, DEFINITIONS.replace('services = ["Email"]', 'services = ["Printing"]')
    )
    assert summary.recomputed_from == "history"
    summary = sla_definitions.apply(applied, DEFINITIONS.replace('pause_on = ["supplier"]', "pause_on = []"))
    assert summary.recomputed_from == "history"


def test_make_up_working_days_are_applied_exported_and_move_due_times(applied: Desk) -> None:
    """Saturday 28 November 2026 declared a make-up working day (调休) of the Shanghai office."""
    f.log(applied, service="Email")  # Tue 17:30 Shanghai, P3: 27 business hours to resolve
    # 30m Tue, 8h Wed, Thursday's holiday, 8h Fri, 8h Mon, 2h30m Tue: Tue 1 Dec 11:30 Shanghai
    assert _resolution_due(applied) == datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
    with_saturday = DEFINITIONS.replace(
        "[calendar.hours]", '[calendar.workdays]\n"2026-11-28" = ["09:00-12:00"]\n\n[calendar.hours]', 1
    )
    summary = sla_definitions.apply(applied, with_saturday)
    assert summary.recomputed_from == "phases"
    # 3h on the make-up Saturday: 19h30m used by Saturday noon, 7h30m on Monday: Mon 17:30 Shanghai
    assert _resolution_due(applied) == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    exported = sla_definitions.export(applied)
    assert "[calendar.workdays]" in exported and "2026-11-28 = [" in exported
    assert sla_definitions.apply(applied, exported).clocks == summary.clocks  # round trip
    assert _resolution_due(applied) == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)


def _resolution_due(desk: Desk) -> object:
    with desk.reading() as s:
        return s.scalar(select(TicketClock.due_at).where(TicketClock.metric == "resolution"))
