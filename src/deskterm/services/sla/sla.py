"""SLA use cases: explain a ticket's clocks, the monitor of running targets, escalations.

Clocks are derived from the ticket's history (``services.clocks``); the monitor reads the
stored due and warning instants, so its bands are right at any moment without recomputing.
"""

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from deskterm.domain.sla.terms import format_duration
from deskterm.services.core import lookup
from deskterm.services.core.context import Desk
from deskterm.services.sla import clocks
from deskterm.store.models import Agent, Agreement, Group, Ticket, TicketClock


class SegmentView(BaseModel):
    start: datetime
    end: datetime
    counted: bool
    reason: str
    seconds: float


class ClockView(BaseModel):
    agreement: str
    kind: str
    metric: str
    priority: str
    state: str
    target: str
    elapsed: str
    paused: str
    remaining: str
    target_seconds: int
    elapsed_seconds: float
    paused_seconds: float
    remaining_seconds: float
    due_at: datetime | None
    warning_at: datetime | None
    breached_at: datetime | None
    stopped_at: datetime | None
    segments: list[SegmentView]


class Explanation(BaseModel):
    ref: str
    now: datetime
    clocks: list[ClockView]


def explain(desk: Desk, ref: str) -> Explanation:
    """Every clock of the ticket and the timeline that explains it, derived afresh."""
    now = desk.clock.now()
    with desk.reading() as s:
        t = lookup.ticket(s, ref)
        agreements = clocks.load_agreements(s)
        facts = clocks.histories(s, [t.id])[0]
        out = []
        for _, r in clocks.readings(facts, agreements, now, explain=True):
            out.append(
                ClockView(
                    agreement=r.agreement,
                    kind=r.kind.value,
                    metric=r.metric.value,
                    priority=r.priority.value,
                    state=r.state.value,
                    target=format_duration(r.target_seconds),
                    elapsed=format_duration(r.elapsed_seconds),
                    paused=format_duration(r.paused_seconds),
                    remaining=format_duration(r.remaining_seconds),
                    target_seconds=r.target_seconds,
                    elapsed_seconds=r.elapsed_seconds,
                    paused_seconds=r.paused_seconds,
                    remaining_seconds=r.remaining_seconds,
                    due_at=r.due_at,
                    warning_at=r.warning_at,
                    breached_at=r.breached_at,
                    stopped_at=r.stopped_at,
                    segments=[
                        SegmentView(
                            start=g.start, end=g.end, counted=g.counted, reason=g.reason, seconds=g.seconds
                        )
                        for g in r.segments
                    ],
                )
            )
        return Explanation(ref=t.ref, now=now, clocks=out)


class MonitorRow(BaseModel):
    ref: str
    title: str
    priority: str
    status: str
    group: str | None
    assignee: str | None
    agreement: str
    kind: str
    metric: str
    band: str  # breached | at-risk | ok | paused
    due_at: datetime | None
    time_left_seconds: float | None
    time_left: str


def monitor(
    desk: Desk,
    *,
    group: str | None = None,
    agreement: str | None = None,
    kind: str | None = None,
    within_hours: float | None = None,
    include_paused: bool = True,
    limit: int = 500,
) -> list[MonitorRow]:
    """Every target still running (and, at the end, the paused ones), soonest due first."""
    now = desk.clock.now()
    with desk.reading() as s:
        assignee = Agent.login.label("assignee")
        stmt = (
            select(
                TicketClock, Ticket.ref, Ticket.title, Ticket.priority, Ticket.status, Group.name, assignee
            )
            .join(Ticket, Ticket.id == TicketClock.ticket_id)
            .outerjoin(Group, Group.id == Ticket.group_id)
            .outerjoin(Agent, Agent.id == Ticket.assignee_id)
            .options(selectinload(TicketClock.agreement))
            .where(TicketClock.stopped_at.is_(None))
        )
        if not include_paused:
            stmt = stmt.where(TicketClock.running.is_(True))
        if group:
            stmt = stmt.where(Ticket.group_id == lookup.group(s, group).id)
        if agreement:
            stmt = stmt.where(TicketClock.agreement.has(Agreement.name == agreement))
        if kind:
            stmt = stmt.where(TicketClock.agreement.has(Agreement.kind == kind.upper()))
        if within_hours is not None:
            stmt = stmt.where(
                TicketClock.running.is_(True), TicketClock.due_at <= now + timedelta(hours=within_hours)
            )
        stmt = stmt.order_by(
            TicketClock.running.desc(), TicketClock.due_at.is_(None), TicketClock.due_at
        ).limit(limit)
        rows = []
        for clock, ref, title, priority, status, group_name, login in s.execute(stmt):
            left = (
                (clock.due_at - now).total_seconds() if clock.due_at is not None and clock.running else None
            )
            band = clocks.band(clock.state, clock.due_at, clock.warn_at, now) if clock.running else "paused"
            if not clock.running and clock.state == "breached":
                band = "breached"
            rows.append(
                MonitorRow(
                    ref=ref,
                    title=title,
                    priority=priority.value,
                    status=status.value,
                    group=group_name,
                    assignee=login,
                    agreement=clock.agreement.name,
                    kind=clock.agreement.kind,
                    metric=clock.metric,
                    band=band,
                    due_at=clock.due_at,
                    time_left_seconds=left,
                    time_left=format_duration(left) if left is not None else "paused",
                )
            )
        return rows


class BandCounts(BaseModel):
    breached: int
    at_risk: int
    ok: int
    paused: int


def band_counts(desk: Desk) -> BandCounts:
    """How many clocks of open tickets are breached, at risk, ok or paused, right now."""
    now = desk.clock.now()
    counts = {"breached": 0, "at-risk": 0, "ok": 0, "paused": 0}
    with desk.reading() as s:
        rows = s.execute(
            select(TicketClock.running, TicketClock.state, TicketClock.due_at, TicketClock.warn_at).where(
                TicketClock.stopped_at.is_(None)
            )
        )
        for running, state, due_at, warn_at in rows:
            if running:
                counts[clocks.band(state, due_at, warn_at, now)] += 1
            else:
                counts["breached" if state == "breached" else "paused"] += 1
    return BandCounts(
        breached=counts["breached"], at_risk=counts["at-risk"], ok=counts["ok"], paused=counts["paused"]
    )


def compact_duration(seconds: float | None) -> str:
    """Time left for a screen: ``45m``, ``5h12m``, ``-3d4h``; whole minutes, days past 48 hours."""
    if seconds is None:
        return "-"
    sign = "-" if seconds < 0 else ""
    minutes = int(abs(seconds) // 60)
    hours, mins = divmod(minutes, 60)
    if hours >= 48:
        days, hours = divmod(hours, 24)
        return f"{sign}{days}d{hours}h"
    if hours:
        return f"{sign}{hours}h{mins:02d}m"
    return f"{sign}{mins}m"
