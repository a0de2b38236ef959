"""Service level reporting, escalation rules at warn and breach, and the service
improvement plan (SIP).

The report derives every clock afresh from each ticket's history (stored clocks are only a
cache for open tickets), so it is right for any period, closed tickets included.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from statistics import mean
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from deskterm.domain.core.permissions import Action
from deskterm.domain.core.vocabulary import Level
from deskterm.domain.sla.terms import ClockState, Metric, format_duration
from deskterm.services.core import access, lookup, races
from deskterm.services.core.commands import UpdateTicket
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import ConcurrentInsert, InvalidInput
from deskterm.services.sla import clocks
from deskterm.store.models import Agreement, EscalationFiring, EscalationRule, SipItem, Ticket, TicketClock


class ReportRow(BaseModel):
    """One target: an agreement's metric at one priority, over the tickets of the period."""

    agreement: str
    kind: str
    priority: str
    metric: str
    tickets: int
    met: int
    breached: int
    running: int
    achievement_pct: float | None
    mean: str
    p90: str
    mean_seconds: float | None
    p90_seconds: float | None


class Breach(BaseModel):
    ref: str
    agreement: str
    priority: str
    metric: str
    breached_at: datetime | None
    target: str
    used: str
    reason: str


class SlaReport(BaseModel):
    period_from: date
    period_to: date
    rows: list[ReportRow]
    breaches: list[Breach]


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def _start(day: date) -> datetime:
    from datetime import UTC

    return datetime.combine(day, time(0), tzinfo=UTC)


def report(desk: Desk, period_from: date, period_to: date, agreement: str | None = None) -> SlaReport:
    """Per agreement and priority, for tickets logged from ``period_from`` to ``period_to``
    (inclusive): tickets, met, breached, achievement %, mean and 90th percentile business time."""
    if period_to < period_from:
        raise InvalidInput("--to is before --from; give the period's first and last day")
    now = desk.clock.now()
    with desk.reading() as s:
        agreements = clocks.load_agreements(s)
        if agreement is not None and agreement not in {t.name for t in agreements.terms.values()}:
            raise InvalidInput(f"no agreement is named {agreement!r}; deskterm sla export lists them")
        ids = list(
            s.scalars(
                select(Ticket.id).where(
                    Ticket.opened_at >= _start(period_from),
                    Ticket.opened_at < _start(period_to + timedelta(days=1)),
                )
            )
        )
        refs = dict(s.execute(select(Ticket.id, Ticket.ref).where(Ticket.id.in_(ids))).all()) if ids else {}
        facts = clocks.histories(s, ids)
    groups: dict[tuple[str, str, str, str], dict[str, Any]] = defaultdict(
        lambda: {"met": 0, "breached": 0, "running": 0, "times": []}
    )
    breaches: list[Breach] = []
    for f in facts:
        for _, r in clocks.readings(f, agreements, now):
            if agreement is not None and r.agreement != agreement:
                continue
            g = groups[(r.agreement, r.kind.value, r.priority.value, r.metric.value)]
            if r.state is ClockState.BREACHED:
                g["breached"] += 1
                why = (
                    "target raised past the time used"
                    if r.breached_at == r.started_at
                    else "ran past its due time"
                )
                breaches.append(
                    Breach(
                        ref=refs[f.id],
                        agreement=r.agreement,
                        priority=r.priority.value,
                        metric=r.metric.value,
                        breached_at=r.breached_at,
                        target=format_duration(r.target_seconds),
                        used=format_duration(r.elapsed_seconds),
                        reason=f"{r.metric.value} {why}; paused {format_duration(r.paused_seconds)}",
                    )
                )
            elif r.state is ClockState.MET:
                g["met"] += 1
            else:
                g["running"] += 1
            if r.stopped_at is not None:
                g["times"].append(r.elapsed_seconds)
    rows = []
    for (name, kind, priority, metric), g in sorted(groups.items()):
        met, breached, times = g["met"], g["breached"], g["times"]
        avg, p90 = (mean(times), _p90(times)) if times else (None, None)
        rows.append(
            ReportRow(
                agreement=name,
                kind=kind,
                priority=priority,
                metric=metric,
                tickets=met + breached + g["running"],
                met=met,
                breached=breached,
                running=g["running"],
                achievement_pct=round(100 * met / (met + breached), 1) if met + breached else None,
                mean=format_duration(avg) if avg is not None else "-",
                p90=format_duration(p90) if p90 is not None else "-",
                mean_seconds=avg,
                p90_seconds=p90,
            )
        )
    breaches.sort(key=lambda b: (b.breached_at or now, b.ref))
    return SlaReport(period_from=period_from, period_to=period_to, rows=rows, breaches=breaches)


class SipView(BaseModel):
    id: int
    title: str
    agreement: str | None
    ticket: str | None
    owner: str
    due_date: date
    status: str
    created_at: datetime


def add_sip(
    desk: Desk, title: str, owner: str, due: date, *, agreement: str | None = None, ref: str | None = None
) -> SipView:
    """A service improvement plan item, e.g. from a breach (``ref``)."""
    title = " ".join(title.split())
    if not title:
        raise InvalidInput("a SIP item needs a title: what will be improved")
    with desk.writing() as uow:
        access.require(uow, Action.SLA_IMPROVE)
        s = uow.session
        agent = lookup.agent(s, owner)
        ticket = lookup.ticket(s, ref) if ref else None
        agreement_row = s.scalar(select(Agreement).where(Agreement.name == agreement)) if agreement else None
        if agreement and agreement_row is None:
            raise InvalidInput(f"no agreement is named {agreement!r}; deskterm sla export lists them")
        if due < uow.now.date():
            raise InvalidInput("the due date is in the past; give a date from today on")
        item = SipItem(
            title=title[:200],
            agreement_id=agreement_row.id if agreement_row else None,
            ticket_id=ticket.id if ticket else None,
            owner_id=agent.id,
            due_date=due,
            status="open",
            created_at=uow.now,
        )
        s.add(item)
        s.flush()
        uow.audit("sip", item.id, None, "created", None, title[:200])
        return _sip_view(
            item, agreement_row.name if agreement_row else None, ticket.ref if ticket else None, agent.login
        )


def _sip_view(item: SipItem, agreement: str | None, ref: str | None, owner: str) -> SipView:
    return SipView(
        id=item.id,
        title=item.title,
        agreement=agreement,
        ticket=ref,
        owner=owner,
        due_date=item.due_date,
        status=item.status,
        created_at=item.created_at,
    )


def list_sip(desk: Desk) -> list[SipView]:
    with desk.reading() as s:
        items = s.scalars(
            select(SipItem)
            .options(selectinload(SipItem.owner), selectinload(SipItem.agreement))
            .order_by(SipItem.due_date)
        ).all()
        refs = dict(
            s.execute(
                select(Ticket.id, Ticket.ref).where(
                    Ticket.id.in_([i.ticket_id for i in items if i.ticket_id])
                )
            ).all()
        )
        return [
            _sip_view(
                i, i.agreement.name if i.agreement else None, refs.get(i.ticket_id or -1), i.owner.login
            )
            for i in items
        ]


class Fired(BaseModel):
    ref: str
    agreement: str
    metric: str
    at: str
    action: str
    detail: str


def run_escalations(desk: Desk) -> list[Fired]:
    """Fire every escalation rule whose warn or breach instant has passed, once per clock.

    Idempotent under concurrency: when another desk fires the same rules at the same moment,
    this one runs again on what that one committed (:func:`races.once`), so each firing happens
    once and the others are no-ops (exit 0 for all).
    """
    return races.once(lambda: _run_escalations_once(desk))


def _run_escalations_once(desk: Desk) -> list[Fired]:
    from deskterm.services.tickets import escalation, tickets

    now = desk.clock.now()
    fired: list[Fired] = []
    with desk.writing() as uow:
        access.require(uow, Action.SLA_ESCALATE)
        s = uow.session
        rules = s.scalars(
            select(EscalationRule)
            .options(selectinload(EscalationRule.group))
            .order_by(EscalationRule.position)
        ).all()
        if not rules:
            return []
        done = {
            (f.rule_id, f.ticket_id, f.agreement_id, f.metric) for f in s.scalars(select(EscalationFiring))
        }
        due = s.execute(
            select(TicketClock, Ticket)
            .join(Ticket, Ticket.id == TicketClock.ticket_id)
            .options(selectinload(TicketClock.agreement))
            .where(TicketClock.running.is_(True), TicketClock.warn_at <= now)
        ).all()
        for clock, ticket in due:
            for rule in rules:
                if rule.agreement_id not in (None, clock.agreement_id):
                    continue
                if rule.priority not in (None, clock.priority) or rule.metric not in (None, clock.metric):
                    continue
                if rule.at == "breach" and (clock.due_at is None or clock.due_at > now):
                    continue
                key = (rule.id, ticket.id, clock.agreement_id, clock.metric)
                if key in done:
                    continue
                done.add(key)
                s.add(
                    EscalationFiring(
                        rule_id=rule.id,
                        ticket_id=ticket.id,
                        agreement_id=clock.agreement_id,
                        metric=clock.metric,
                        fired_at=now,
                    )
                )
                detail = _act(desk, uow, ticket, clock, rule, escalation, tickets)
                fired.append(
                    Fired(
                        ref=ticket.ref,
                        agreement=clock.agreement.name,
                        metric=clock.metric,
                        at=rule.at,
                        action=rule.action,
                        detail=detail,
                    )
                )
        try:
            s.flush()
        except IntegrityError:  # another desk fired the same rule at the same moment: run again
            raise ConcurrentInsert(
                "another deskterm ran the escalations at the same time; run again"
            ) from None
    return fired


def _act(desk, uow, ticket, clock, rule, escalation, tickets) -> str:  # type: ignore[no-untyped-def]
    metric = Metric(clock.metric).value
    what = f"SLA {rule.at}: {clock.agreement.name} {metric} target ({clock.priority})"
    if rule.action == "notify":
        who = None
        if rule.notify == "service-owner" and ticket.service and ticket.service.owner:
            who = ticket.service.owner
        elif ticket.group and ticket.group.lead:
            who = ticket.group.lead
        elif ticket.service and ticket.service.owner:
            who = ticket.service.owner
        target = f"{who.display_name} ({who.login})" if who else "nobody (no group lead or service owner)"
        uow.audit(
            "ticket",
            ticket.id,
            ticket.ref,
            "escalation",
            None,
            f"{rule.at}: notified {who.login if who else '-'}",
            ticket.version,
        )
        tickets.append_note(uow, ticket, f"{what}: notified {target}", public=False, channel=None, minutes=0)
        return f"notified {who.login if who else 'nobody'}"
    if rule.action == "reassign" and rule.group is not None:
        tickets.apply_update(
            desk, uow, ticket, UpdateTicket(ref=ticket.ref, group=rule.group.name, assignee="")
        )
        tickets.append_note(
            uow, ticket, f"{what}: reassigned to {rule.group.name}", public=False, channel=None, minutes=0
        )
        return f"reassigned to {rule.group.name}"
    if rule.action == "raise-priority":
        change = (
            UpdateTicket(ref=ticket.ref, urgency=Level.HIGH)
            if ticket.urgency != Level.HIGH
            else UpdateTicket(ref=ticket.ref, impact=Level.HIGH)
        )
        tickets.apply_update(desk, uow, ticket, change)
        tickets.append_note(
            uow,
            ticket,
            f"{what}: priority raised to {ticket.priority.value}",
            public=False,
            channel=None,
            minutes=0,
        )
        return f"priority now {ticket.priority.value}"
    if rule.action == "mark-major":
        tickets.apply_update(desk, uow, ticket, UpdateTicket(ref=ticket.ref, major=True))
        tickets.append_note(uow, ticket, f"{what}: marked major", public=False, channel=None, minutes=0)
        return "marked major"
    return "no action"
