"""The forward schedule of change: changes and blackout/maintenance windows in a period, what was
implemented or is scheduled in it, change templates and the change KPIs."""

from datetime import datetime

from sqlalchemy import or_, select

from deskterm.domain.changes.change import FINISHED, ChangeState
from deskterm.services.changes import change_windows
from deskterm.services.changes.change_records import _load_options, summaries
from deskterm.services.changes.change_views import ChangeKpi, ChangeSummary, WindowOccurrence
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput
from deskterm.store.models.change import Change, ChangeTemplate

# --- the forward schedule of change ------------------------------------------------------------


def _span_check(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("give the period with a time zone, e.g. 2026-12-01T00:00+01:00")
    if end <= start:
        raise InvalidInput("the end of the period must be after its start", field="to")


def calendar(desk: Desk, start: datetime, end: datetime) -> list[ChangeSummary]:
    """Changes whose planned window overlaps [start, end), rejected and cancelled ones left out."""
    _span_check(start, end)
    with desk.reading() as s:
        rows = s.scalars(
            select(Change)
            .options(*_load_options())
            .where(
                Change.planned_start < end,
                Change.planned_end > start,
                Change.state.not_in([ChangeState.REJECTED, ChangeState.CANCELLED]),
            )
            .order_by(Change.planned_start, Change.number)
        ).all()
        return summaries(s, rows)


def windows(desk: Desk, start: datetime, end: datetime) -> list[WindowOccurrence]:
    """Blackout windows and maintenance occurrences overlapping [start, end)."""
    _span_check(start, end)
    with desk.reading() as s:
        return change_windows.occurrences(s, start, end)


def implemented_between(desk: Desk, start: datetime, end: datetime) -> list[ChangeSummary]:
    """Changes whose implementation ran at some time in [start, end) (for the shift handover)."""
    _span_check(start, end)
    with desk.reading() as s:
        rows = s.scalars(
            select(Change)
            .options(*_load_options())
            .where(
                Change.actual_start.is_not(None),
                Change.actual_start < end,
                or_(Change.actual_end.is_(None), Change.actual_end >= start),
            )
            .order_by(Change.actual_start, Change.number)
        ).all()
        return summaries(s, rows)


def scheduled_between(desk: Desk, start: datetime, end: datetime) -> list[ChangeSummary]:
    """Open changes past draft whose planned window overlaps [start, end) (for the handover)."""
    _span_check(start, end)
    with desk.reading() as s:
        rows = s.scalars(
            select(Change)
            .options(*_load_options())
            .where(
                Change.planned_start < end,
                Change.planned_end > start,
                Change.state.not_in([*FINISHED, ChangeState.DRAFT]),
            )
            .order_by(Change.planned_start, Change.number)
        ).all()
        return summaries(s, rows)


def templates(desk: Desk) -> list[str]:
    """The names of the standard change templates (for a raise form's choices)."""
    with desk.reading() as s:
        return list(s.scalars(select(ChangeTemplate.name).order_by(ChangeTemplate.name)))


def kpi(desk: Desk, start: datetime, end: datetime) -> ChangeKpi:
    from deskterm.services.changes import change_kpi

    _span_check(start, end)
    return change_kpi.kpi(desk, start, end)
