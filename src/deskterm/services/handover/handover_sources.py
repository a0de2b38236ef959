"""What the handover digest takes from the other capabilities: changes (through the change
service), new problems and known errors, and event storms (read-only queries on their models,
as no service of theirs answers "what happened in this window")."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskterm.domain.handover.handover import ShiftWindow
from deskterm.services.changes import changes
from deskterm.services.core.context import Desk
from deskterm.store.models import Event, KnownError, Problem, Ticket

STORM_MIN_EVENTS = 3  # fewer correlated alerts than this is not a storm
STORMS_SHOWN = 5


def changes_implemented(desk: Desk, window: ShiftWindow) -> list[dict[str, object]]:
    """Changes whose implementation ran during the shift, with their collision warnings."""
    return [_change(c) for c in changes.implemented_between(desk, window.start, window.end)]


def changes_scheduled(desk: Desk, window: ShiftWindow) -> list[dict[str, object]]:
    """Changes planned to run during ``window`` (the next shift), with their collisions."""
    return [_change(c) for c in changes.scheduled_between(desk, window.start, window.end)]


def _change(c: changes.ChangeSummary) -> dict[str, object]:
    return {
        "ref": c.ref,
        "title": c.title,
        "status": c.state.value,
        "start": c.planned_start,
        "end": c.planned_end,
        "collisions": list(c.collision_text),
    }


def problems_new(s: Session, window: ShiftWindow) -> list[dict[str, object]]:
    rows = s.execute(
        select(Problem.ref, Problem.title, Problem.status, Problem.opened_at)
        .where(Problem.opened_at >= window.start, Problem.opened_at < window.end)
        .order_by(Problem.opened_at, Problem.id)
    )
    return [{"ref": ref, "title": title, "status": status.value, "at": at} for ref, title, status, at in rows]


def known_errors_new(s: Session, window: ShiftWindow) -> list[dict[str, object]]:
    rows = s.execute(
        select(KnownError.ref, KnownError.title, KnownError.status, KnownError.created_at)
        .where(KnownError.created_at >= window.start, KnownError.created_at < window.end)
        .order_by(KnownError.created_at, KnownError.id)
    )
    return [{"ref": ref, "title": title, "status": status.value, "at": at} for ref, title, status, at in rows]


def event_storms(s: Session, window: ShiftWindow) -> list[dict[str, object]]:
    """The incidents with the most correlated alerts seen during the shift, busiest first."""
    alerts = func.count(Event.id).label("alerts")
    last = func.max(Event.last_seen).label("last")
    rows = s.execute(
        select(Ticket.ref, Ticket.title, alerts, last)
        .join(Ticket, Ticket.id == Event.ticket_id)
        .where(Event.last_seen >= window.start, Event.first_seen < window.end)
        .group_by(Ticket.id, Ticket.ref, Ticket.title)
        .having(func.count(Event.id) >= STORM_MIN_EVENTS)
        .order_by(alerts.desc(), Ticket.id)
        .limit(STORMS_SHOWN)
    )
    return [{"ref": ref, "title": title, "events": n, "last_at": at} for ref, title, n, at in rows]
