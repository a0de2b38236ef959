"""The ITIL change KPIs over a period, and the same figures for the period just before it
(so that a reduction in disruptions, unauthorised changes and backlog shows)."""

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from deskterm.domain.changes.change import ChangeOutcome, ChangeState, ChangeType
from deskterm.services.changes.change_views import ChangeKpi
from deskterm.services.core.context import Desk
from deskterm.store.models import Ticket
from deskterm.store.models.change import Change, ChangeIncident


def _disruptions(s: Session, start: datetime, end: datetime) -> int:
    """Incidents opened in the period and linked as caused by a change."""
    return int(
        s.scalar(
            select(func.count(func.distinct(ChangeIncident.ticket_id)))
            .join(Ticket, Ticket.id == ChangeIncident.ticket_id)
            .where(Ticket.opened_at >= start, Ticket.opened_at < end)
        )
        or 0
    )


def _unauthorised(s: Session, start: datetime, end: datetime) -> int:
    """Changes that started implementing in the period before (or without) being authorised."""
    return int(
        s.scalar(
            select(func.count(Change.id)).where(
                Change.actual_start >= start,
                Change.actual_start < end,
                Change.change_type != ChangeType.STANDARD,
                or_(Change.authorised_at.is_(None), Change.authorised_at > Change.actual_start),
            )
        )
        or 0
    )


def _backlog(s: Session, at: datetime) -> list[tuple[str, datetime]]:
    """Changes open at ``at``: raised before it and not yet closed, rejected or cancelled."""
    return [
        (ref, created)
        for ref, created in s.execute(
            select(Change.ref, Change.created_at)
            .where(Change.created_at < at, or_(Change.closed_at.is_(None), Change.closed_at >= at))
            .order_by(Change.created_at, Change.id)
        )
    ]


def kpi(desk: Desk, start: datetime, end: datetime) -> ChangeKpi:
    with desk.reading() as s:
        closed = s.execute(
            select(
                Change.outcome,
                Change.planned_start,
                Change.planned_end,
                Change.actual_start,
                Change.actual_end,
                Change.within_cost,
                Change.expected_return,
                Change.benefits_realised,
            ).where(Change.state == ChangeState.CLOSED, Change.closed_at >= start, Change.closed_at < end)
        ).all()
        quality = time = cost = every = expected = realised = 0
        for r in closed:
            q = r.outcome is ChangeOutcome.SUCCESSFUL
            t = bool(
                r.planned_start
                and r.planned_end
                and r.actual_start
                and r.actual_end
                and r.planned_start <= r.actual_start
                and r.actual_end <= r.planned_end
            )
            c = r.within_cost is True
            quality, time, cost, every = quality + q, time + t, cost + c, every + (q and t and c)
            if (r.expected_return or "").strip():
                expected += 1
                realised += r.benefits_realised is True
        backlog = _backlog(s, end)
        ages = [(end - created).total_seconds() / 86400 for _, created in backlog]
        length = end - start
        before = start - length
        return ChangeKpi(
            start=start,
            end=end,
            closed=len(closed),
            met_quality=quality,
            met_time=time,
            met_cost=cost,
            met_all=every,
            benefits_expected=expected,
            benefits_realised=realised,
            disruptions=_disruptions(s, start, end),
            unauthorised=_unauthorised(s, start, end),
            backlog=len(backlog),
            backlog_avg_age_days=round(sum(ages) / len(ages), 1) if ages else 0.0,
            backlog_oldest_age_days=round(max(ages), 1) if ages else 0.0,
            backlog_oldest=backlog[0][0] if backlog else None,
            previous_disruptions=_disruptions(s, before, start),
            previous_unauthorised=_unauthorised(s, before, start),
            previous_backlog=len(_backlog(s, start)),
        )
