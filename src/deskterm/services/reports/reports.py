"""The service desk's own measures (ITIL KPIs): mean time to respond, resolve, escalate and
handle, the cost of handling, first-contact resolution, reopen rate, backlog and its age,
volume by channel and hour, and customer satisfaction. Each report is rows of one dimension
(``by``: priority, group, agent, service, channel, hour, day, week, month or none) over a
period of whole UTC days, filtered by group, agent, service and priority.

Definitions (the README repeats them):

- respond: logged -> first response (``responded_at``); resolve: logged -> resolved; both
  wall-clock time, for tickets logged in the period.
- escalate: logged -> first move to a tier 2 or 3 group (from the audit trail), for tickets
  logged in the period and escalated by the desk (logged straight into tier 2/3 is not counted).
- handle: minutes agents logged on notes written in the period; ``agent`` is the note's author.
- cost: handling minutes x the author's cost per hour: the ``cost_per_hour`` setting for the
  login, else the agent's own ``cost_per_hour`` when above zero, else the setting's ``"*"``
  (else zero); money in the desk's one currency.
- fcr: of tickets resolved in the period, those resolved by tier 1 only, never reopened,
  within :data:`FCR_WINDOW` of being logged.
- reopen: of tickets logged in the period and resolved at least once, those reopened.
- backlog: tickets open at the end of the period (now, for a period reaching today), by age.
- csat: survey answers recorded in the period; ``agent`` is the ticket's assignee.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from deskterm.domain.core.vocabulary import Priority, TicketStatus
from deskterm.domain.reports import reports as fig
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput
from deskterm.services.reports.report_facts import (
    Filters,
    TicketFacts,
    escalated_at,
    facts_of,
    logged,
    notes_in,
    open_at,
    report_key,
    ticket_select,
)
from deskterm.store.models import CsatResponse, Ticket

FCR_WINDOW = timedelta(minutes=30)
DIMENSIONS = ("priority", "group", "agent", "service", "channel", "hour", "day", "week", "month", "none")
NAMES = ("mttr", "escalation", "handling", "cost", "fcr", "reopen", "backlog", "volume", "csat")
DEFAULT_BY = {
    "mttr": "priority",
    "escalation": "group",
    "handling": "agent",
    "cost": "agent",
    "fcr": "group",
    "reopen": "priority",
    "backlog": "priority",
    "volume": "channel",
    "csat": "group",
}
TITLES = {
    "mttr": "Mean time to respond and to resolve",
    "escalation": "Mean time to escalate (to tier 2/3)",
    "handling": "Handling time (minutes logged on notes)",
    "cost": "Cost of handling (time x cost per hour)",
    "fcr": "First-contact resolution",
    "reopen": "Reopen rate",
    "backlog": "Backlog and its age",
    "volume": "Volume of tickets logged",
    "csat": "Customer satisfaction",
}


class Report(BaseModel):
    """One report: column names, rows of plain values (one per key), a totals row, and which
    column a chart should draw."""

    name: str
    title: str
    period_from: date
    period_to: date
    by: str
    filters: Filters
    columns: list[str]
    rows: list[dict[str, Any]]
    total: dict[str, Any]
    chart: str
    notes: list[str] = []


def _start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _grouped(items: Iterable[tuple[str, Any]]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for key, value in items:
        out[key].append(value)
    return dict(sorted(out.items()))


def _duration_cells(prefix: str, values: list[float]) -> dict[str, Any]:
    avg, p90 = fig.mean(values), fig.percentile(values, 90)
    return {
        f"mean_{prefix}": fig.format_seconds(avg),
        f"p90_{prefix}": fig.format_seconds(p90),
        f"mean_{prefix}_seconds": None if avg is None else round(avg, 1),
    }


def run(
    desk: Desk,
    name: str,
    period_from: date,
    period_to: date,
    *,
    by: str | None = None,
    filters: Filters | None = None,
) -> Report:
    """Compute report ``name`` for the days ``period_from`` .. ``period_to`` (inclusive)."""
    name = name.strip().lower()
    if name not in NAMES:
        raise InvalidInput(f"no report is named {name!r}; reports are {', '.join(NAMES)}")
    if period_to < period_from:
        raise InvalidInput("--to is before --from; give the period's first and last day")
    by = (by or DEFAULT_BY[name]).strip().lower()
    if by not in DIMENSIONS:
        raise InvalidInput(f"cannot break a report down by {by!r}; use one of {', '.join(DIMENSIONS)}")
    if filters and filters.priority:
        try:
            filters = filters.model_copy(update={"priority": Priority(filters.priority.upper()).value})
        except ValueError:
            raise InvalidInput(f"priority {filters.priority!r} is not known; use P1 to P5") from None
    f = filters or Filters()
    start, end = _start(period_from), _start(period_to + timedelta(days=1))
    now = desk.clock.now()
    build = _BUILDERS[name]
    if name == "cost":
        build = partial(_cost, rates=dict(desk.settings.cost_per_hour))
    with desk.reading() as s:
        columns, rows, total, chart, notes = build(s, f, by, start, end, now)
    return Report(
        name=name,
        title=TITLES[name],
        period_from=period_from,
        period_to=period_to,
        by=by,
        filters=f,
        columns=columns,
        rows=rows,
        total=total,
        chart=chart,
        notes=notes,
    )


_Built = tuple[list[str], list[dict[str, Any]], dict[str, Any], str, list[str]]


def _mttr(s: Session, f: Filters, by: str, start: datetime, end: datetime, now: datetime) -> _Built:
    tickets = logged(s, f, start, end)

    def row(key: str, ts: list[TicketFacts]) -> dict[str, Any]:
        respond = [x for t in ts if (x := fig.seconds_between(t.opened_at, t.responded_at)) is not None]
        resolve = [x for t in ts if (x := fig.seconds_between(t.opened_at, t.resolved_at)) is not None]
        return {
            "key": key,
            "tickets": len(ts),
            "responded": len(respond),
            **_duration_cells("respond", respond),
            "resolved": len(resolve),
            **_duration_cells("resolve", resolve),
        }

    rows = [row(k, ts) for k, ts in _grouped((report_key(by, t), t) for t in tickets).items()]
    columns = [
        "key",
        "tickets",
        "responded",
        "mean_respond",
        "p90_respond",
        "resolved",
        "mean_resolve",
        "p90_resolve",
    ]
    return columns, rows, row("total", tickets), "mean_resolve_seconds", []


def _escalation(s: Session, f: Filters, by: str, start: datetime, end: datetime, now: datetime) -> _Built:
    tickets = logged(s, f, start, end)
    escalated = escalated_at(s, [t.id for t in tickets])

    def row(key: str, ts: list[TicketFacts]) -> dict[str, Any]:
        times = [(escalated[t.id] - t.opened_at).total_seconds() for t in ts if t.id in escalated]
        return {
            "key": key,
            "tickets": len(ts),
            "escalated": len(times),
            "escalated_pct": fig.rate(len(times), len(ts)),
            **_duration_cells("escalate", times),
        }

    rows = [row(k, ts) for k, ts in _grouped((report_key(by, t), t) for t in tickets).items()]
    columns = ["key", "tickets", "escalated", "escalated_pct", "mean_escalate", "p90_escalate"]
    return columns, rows, row("total", tickets), "mean_escalate_seconds", []


def _handling_key(by: str, t: TicketFacts, author: str, at: datetime) -> str:
    return author if by == "agent" else report_key(by, t, at)


def _handling(s: Session, f: Filters, by: str, start: datetime, end: datetime, now: datetime) -> _Built:
    notes = notes_in(s, f, start, end)

    def row(key: str, ns: list[Any]) -> dict[str, Any]:
        minutes = sum(n[2] for n in ns)
        tickets = len({n[0].id for n in ns})
        return {
            "key": key,
            "tickets": tickets,
            "notes": len(ns),
            "minutes": minutes,
            "hours": round(minutes / 60, 2),
            "minutes_per_ticket": round(minutes / tickets, 1) if tickets else None,
        }

    rows = [row(k, ns) for k, ns in _grouped((_handling_key(by, n[0], n[1], n[4]), n) for n in notes).items()]
    columns = ["key", "tickets", "notes", "minutes", "hours", "minutes_per_ticket"]
    return columns, rows, row("total", notes), "minutes", []


def hourly_cost(rates: dict[str, Decimal], login: str, stored: Decimal | None) -> Decimal:
    """The cost per hour of ``login``: configured, else stored on the agent, else the default."""
    if login in rates:
        return rates[login]
    if stored is not None and stored > 0:
        return Decimal(stored)
    return rates.get("*", Decimal("0"))


def _cost(
    s: Session,
    f: Filters,
    by: str,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    rates: dict[str, Decimal] | None = None,
) -> _Built:
    notes = notes_in(s, f, start, end)
    rates = rates or {}

    def row(key: str, ns: list[Any]) -> dict[str, Any]:
        minutes = sum(n[2] for n in ns)
        total = sum((fig.cost(n[2], hourly_cost(rates, n[1], n[3])) for n in ns), Decimal("0.00"))
        tickets = len({n[0].id for n in ns})
        return {
            "key": key,
            "tickets": tickets,
            "minutes": minutes,
            "cost": f"{total:.2f}",
            "cost_per_ticket": f"{(total / tickets):.2f}" if tickets else None,
            "cost_value": float(total),
        }

    rows = [row(k, ns) for k, ns in _grouped((_handling_key(by, n[0], n[1], n[4]), n) for n in notes).items()]
    notes_text = [
        "cost = minutes on notes x the author's cost per hour (setting cost_per_hour, else the agent's)"
    ]
    return (
        ["key", "tickets", "minutes", "cost", "cost_per_ticket"],
        rows,
        row("total", notes),
        "cost_value",
        notes_text,
    )


def _fcr(s: Session, f: Filters, by: str, start: datetime, end: datetime, now: datetime) -> _Built:
    stmt = ticket_select(s, f).where(Ticket.resolved_at >= start, Ticket.resolved_at < end)
    tickets = facts_of(s.execute(stmt))
    escalated = escalated_at(s, [t.id for t in tickets])

    def first_contact(t: TicketFacts) -> bool:
        tiers = [t.tier] + (["2"] if t.id in escalated else [])
        return fig.first_contact_resolved(t.resolved_at, t.opened_at, tiers, t.reopen_count, FCR_WINDOW)

    def row(key: str, ts: list[TicketFacts]) -> dict[str, Any]:
        hits = sum(1 for t in ts if first_contact(t))
        return {"key": key, "resolved": len(ts), "first_contact": hits, "fcr_pct": fig.rate(hits, len(ts))}

    rows = [row(k, ts) for k, ts in _grouped((report_key(by, t, t.resolved_at), t) for t in tickets).items()]
    window = int(FCR_WINDOW.total_seconds() // 60)
    note = f"first contact: tier 1 only, never reopened, resolved within {window}m"
    return ["key", "resolved", "first_contact", "fcr_pct"], rows, row("total", tickets), "fcr_pct", [note]


def _reopen(s: Session, f: Filters, by: str, start: datetime, end: datetime, now: datetime) -> _Built:
    tickets = [t for t in logged(s, f, start, end) if t.resolved_at is not None or t.reopen_count > 0]

    def row(key: str, ts: list[TicketFacts]) -> dict[str, Any]:
        again = sum(1 for t in ts if t.reopen_count > 0)
        return {
            "key": key,
            "resolved": len(ts),
            "reopened": again,
            "reopens": sum(t.reopen_count for t in ts),
            "reopen_pct": fig.rate(again, len(ts)),
        }

    rows = [row(k, ts) for k, ts in _grouped((report_key(by, t), t) for t in tickets).items()]
    return (
        ["key", "resolved", "reopened", "reopens", "reopen_pct"],
        rows,
        row("total", tickets),
        "reopen_pct",
        [],
    )


def _backlog(s: Session, f: Filters, by: str, start: datetime, end: datetime, now: datetime) -> _Built:
    at = min(end, now)
    stmt = ticket_select(s, f).where(Ticket.opened_at < at)
    if at >= now:
        stmt = stmt.where(Ticket.status.not_in([TicketStatus.RESOLVED, TicketStatus.CLOSED]))
    else:  # as it stood at the end of the period
        stmt = stmt.where((Ticket.resolved_at.is_(None)) | (Ticket.resolved_at >= at))
    tickets = facts_of(s.execute(stmt))
    if at < now:
        still = open_at(s, [t.id for t in tickets], at)
        tickets = [t for t in tickets if t.id in still]
    labels = [label for label, _ in fig.AGE_BUCKETS]

    def row(key: str, ts: list[TicketFacts]) -> dict[str, Any]:
        ages = [(at - t.opened_at).total_seconds() for t in ts]
        counts = {label: 0 for label in labels}
        for t in ts:
            counts[fig.age_bucket(t.opened_at, at)] += 1
        return {
            "key": key,
            "open": len(ts),
            **{f"age_{label}": n for label, n in counts.items()},
            "mean_age": fig.format_seconds(fig.mean(ages)),
            "oldest": fig.format_seconds(max(ages, default=None)),
        }

    rows = [row(k, ts) for k, ts in _grouped((report_key(by, t), t) for t in tickets).items()]
    columns = ["key", "open", *[f"age_{label}" for label in labels], "mean_age", "oldest"]
    return columns, rows, row("total", tickets), "open", [f"backlog as at {at:%Y-%m-%d %H:%M} UTC"]


def _volume(s: Session, f: Filters, by: str, start: datetime, end: datetime, now: datetime) -> _Built:
    tickets = logged(s, f, start, end)
    groups = _grouped((report_key(by, t), t) for t in tickets)
    if by == "hour":
        groups = {f"{h:02d}:00": groups.get(f"{h:02d}:00", []) for h in range(24)}
    rows = [
        {"key": k, "tickets": len(ts), "share_pct": fig.rate(len(ts), len(tickets))}
        for k, ts in groups.items()
    ]
    total = {"key": "total", "tickets": len(tickets), "share_pct": 100.0 if tickets else None}
    return ["key", "tickets", "share_pct"], rows, total, "tickets", []


def _csat(s: Session, f: Filters, by: str, start: datetime, end: datetime, now: datetime) -> _Built:
    facts = {
        t.id: t
        for t in facts_of(
            s.execute(
                ticket_select(s, f)
                .join(CsatResponse, CsatResponse.ticket_id == Ticket.id)
                .where(CsatResponse.at >= start, CsatResponse.at < end)
                .distinct()
            )
        )
    }
    answers = [
        (facts[tid], score, channel, at)
        for tid, score, channel, at in s.execute(
            select(CsatResponse.ticket_id, CsatResponse.score, CsatResponse.channel, CsatResponse.at).where(
                CsatResponse.at >= start, CsatResponse.at < end
            )
        )
        if tid in facts
    ]

    def key_of(a: tuple[TicketFacts, int, str, datetime]) -> str:
        return a[2] if by == "channel" else report_key(by, a[0], a[3])

    def row(key: str, items: list[Any]) -> dict[str, Any]:
        scores = [a[1] for a in items]
        return {
            "key": key,
            **fig.score_summary(scores),
            **{f"score_{n}": scores.count(n) for n in range(1, 6)},
        }

    rows = [row(k, items) for k, items in _grouped((key_of(a), a) for a in answers).items()]
    columns = ["key", "answers", "mean_score", "satisfied_pct", *[f"score_{n}" for n in range(1, 6)]]
    return columns, rows, row("total", answers), "mean_score", ["satisfied = a score of 4 or 5"]


_BUILDERS: dict[str, Callable[[Session, Filters, str, datetime, datetime, datetime], _Built]] = {
    "mttr": _mttr,
    "escalation": _escalation,
    "handling": _handling,
    "cost": _cost,
    "fcr": _fcr,
    "reopen": _reopen,
    "backlog": _backlog,
    "volume": _volume,
    "csat": _csat,
}
