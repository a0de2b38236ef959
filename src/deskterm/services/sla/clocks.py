"""Derive the SLA clocks of tickets from their audit history and keep the stored copy current.

The clock itself is computed by ``domain.sla`` from the recorded history; this module loads
that history (in bulk: a few queries for any number of tickets), finds the agreements that
apply (SLAs and UCs by service, OLAs by group), and rewrites the ``ticket_clocks`` rows that
make "due within N hours" an index lookup. It runs inside the caller's unit of work, so a
ticket and its clocks never disagree.
"""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, selectinload

from deskterm.domain.core.vocabulary import PendingReason, Priority, TicketStatus
from deskterm.domain.sla.calendar import BusinessCalendar
from deskterm.domain.sla.history import Change, TicketHistory
from deskterm.domain.sla.instants import from_micros, to_micros
from deskterm.domain.sla.sla import ClockReading, Phase, compact, compute, measure, read_with_phases
from deskterm.domain.sla.terms import AgreementTerms, ClockState, Metric, parse_duration
from deskterm.store.bulk import update_by_key
from deskterm.store.models import Agreement, AuditEntry, Ticket, TicketClock

TRACKED = ("status", "pending_reason", "priority")
CHUNK = 2000


@dataclass(frozen=True)
class Applicable:
    """The agreements of a desk, as domain terms, indexed by what they cover."""

    terms: dict[int, AgreementTerms]
    by_service: dict[int, list[int]]
    by_group: dict[int, list[int]]

    def by_group_only(self, service_id: int | None, group_id: int | None) -> set[int]:
        """The agreements that apply through the ticket's group alone (OLAs): their clocks start
        when the ticket entered that group, not when it was logged."""
        if group_id is None:
            return set()
        by_service = self.by_service.get(service_id, []) if service_id is not None else []
        return {a for a in self.by_group.get(group_id, []) if a not in by_service}

    def for_ticket(self, service_id: int | None, group_id: int | None) -> list[int]:
        ids = list(self.by_service.get(service_id, [])) if service_id is not None else []
        if group_id is not None:
            ids += [a for a in self.by_group.get(group_id, []) if a not in ids]
        return ids


def calendar_of(agreement: Agreement) -> BusinessCalendar:
    cal = agreement.calendar
    if cal.name == "24x7":
        return BusinessCalendar.always()
    return BusinessCalendar.from_spec(cal.name, cal.timezone, cal.hours, cal.holidays, cal.workdays)


def terms_of(agreement: Agreement) -> AgreementTerms:
    return AgreementTerms.from_spec(
        name=agreement.name,
        kind=agreement.kind,
        calendar=calendar_of(agreement),
        targets={p: {m: parse_duration(v) for m, v in per.items()} for p, per in agreement.targets.items()},
        warn_at=agreement.warn_at,
        pause_on=frozenset(agreement.pause_on),
    )


def load_agreements(s: Session) -> Applicable:
    rows = s.scalars(
        select(Agreement).options(
            selectinload(Agreement.calendar), selectinload(Agreement.services), selectinload(Agreement.groups)
        )
    ).all()
    terms: dict[int, AgreementTerms] = {}
    by_service: dict[int, list[int]] = defaultdict(list)
    by_group: dict[int, list[int]] = defaultdict(list)
    for a in rows:
        terms[a.id] = terms_of(a)
        for svc in a.services:
            by_service[svc.id].append(a.id)
        for grp in a.groups:
            by_group[grp.id].append(a.id)
    return Applicable(terms, dict(by_service), dict(by_group))


@dataclass(frozen=True)
class TicketFacts:
    id: int
    service_id: int | None
    group_id: int | None
    history: TicketHistory
    group_since: datetime | None = None  # when the ticket entered its current group


def histories(s: Session, ticket_ids: Sequence[int]) -> list[TicketFacts]:
    """Each ticket's clock history from its audit rows: the creation rows (old empty) give the
    values at opening, every later row of a tracked field is a change."""
    out: list[TicketFacts] = []
    for start in range(0, len(ticket_ids), CHUNK):
        chunk = list(ticket_ids[start : start + CHUNK])
        tickets = s.execute(
            select(
                Ticket.id,
                Ticket.service_id,
                Ticket.group_id,
                Ticket.opened_at,
                Ticket.priority,
                Ticket.status,
                Ticket.pending_reason,
                Ticket.responded_at,
            ).where(Ticket.id.in_(chunk))
        ).all()
        audit: dict[int, list[tuple[datetime, str, str | None, str | None]]] = defaultdict(list)
        group_since: dict[int, datetime] = {}
        for row in s.execute(
            select(AuditEntry.record_id, AuditEntry.at, AuditEntry.field, AuditEntry.old, AuditEntry.new)
            .where(
                AuditEntry.record_kind == "ticket",
                AuditEntry.record_id.in_(chunk),
                AuditEntry.field.in_((*TRACKED, "group")),
            )
            .order_by(AuditEntry.record_id, AuditEntry.id)
        ):
            if row.field == "group":
                group_since[row.record_id] = row.at
            else:
                audit[row.record_id].append((row.at, row.field, row.old, row.new))
        for t in tickets:
            since = group_since.get(t.id) if t.group_id is not None else None
            history = _history(t, audit.get(t.id, []))
            out.append(TicketFacts(t.id, t.service_id, t.group_id, history, since))
    return out


def _history(t: Any, rows: list[tuple[datetime, str, str | None, str | None]]) -> TicketHistory:
    opened_at: datetime = t.opened_at
    opening: dict[str, str | None] = {}
    changes: list[Change] = []
    for at, field, old, new in rows:
        is_creation_row = old is None and field in ("status", "priority") and field not in opening
        if is_creation_row and not any(c.field == field for c in changes):
            opening[field] = new
        else:
            changes.append(Change(max(at, opened_at), field, old, new))
    current = {"priority": t.priority, "status": t.status, "pending_reason": t.pending_reason}
    for field in TRACKED:
        if field not in opening:
            first = next((c for c in changes if c.field == field), None)
            opening[field] = first.old if first is not None else current[field]
    reason, priority, status = opening["pending_reason"], opening["priority"], opening["status"]
    if priority is None or status is None:  # the ticket has both from its creation row on
        raise ValueError(f"ticket {t.id}: its history has no opening priority or status")
    return TicketHistory(
        opened_at=opened_at,
        priority=Priority(priority),
        status=TicketStatus(status),
        pending_reason=PendingReason(reason) if reason else None,
        changes=tuple(changes),
        responded_at=t.responded_at,
    )


def since(history: TicketHistory, start: datetime) -> TicketHistory:
    """The history as seen from ``start`` on (a group's OLA starts when the ticket reaches it):
    the values at ``start`` become the opening ones; a public update before it does not count."""
    if start <= history.opened_at:
        return history
    values: dict[str, Any] = {
        "priority": history.priority,
        "status": history.status,
        "pending_reason": history.pending_reason,
    }
    later: list[Change] = []
    for change in history.changes:
        if change.at <= start:
            values[change.field] = change.new
        else:
            later.append(change)
    responded = history.responded_at
    return TicketHistory(
        opened_at=start,
        priority=values["priority"],
        status=values["status"],
        pending_reason=values["pending_reason"],
        changes=tuple(later),
        responded_at=responded if responded is not None and responded >= start else None,
    )


def readings(
    facts: TicketFacts, agreements: Applicable, now: datetime, *, explain: bool = False
) -> list[tuple[int, ClockReading]]:
    """Every clock of the ticket: each applicable agreement x metric that has a target."""
    return [(agreement_id, reading) for agreement_id, reading, _ in _clocks(facts, agreements, now, explain)]


def _clocks(
    facts: TicketFacts, agreements: Applicable, now: datetime, explain: bool
) -> Iterator[tuple[int, ClockReading, list[Phase]]]:
    by_group = agreements.by_group_only(facts.service_id, facts.group_id)
    from_group: TicketHistory | None = None
    for agreement_id in agreements.for_ticket(facts.service_id, facts.group_id):
        terms = agreements.terms[agreement_id]
        history = facts.history
        if agreement_id in by_group and facts.group_since is not None:
            if from_group is None:
                from_group = since(facts.history, facts.group_since)
            history = from_group
        for metric in Metric:
            if explain:
                reading = compute(history, terms, metric, now, explain=True)
                if reading is not None:
                    yield agreement_id, reading, []
            elif (found := read_with_phases(history, terms, metric, now)) is not None:
                yield agreement_id, found[0], found[1]


def _row(
    ticket_id: int, agreement_id: int, r: ClockReading, phases: list[Phase], now: datetime
) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "agreement_id": agreement_id,
        "metric": r.metric.value,
        "priority": r.priority.value,
        "state": r.state.value,
        "running": r.stopped_at is None and not r.paused,
        "target_seconds": r.target_seconds,
        "elapsed_seconds": r.elapsed_seconds,
        "paused_seconds": r.paused_seconds,
        "due_at": r.due_at,
        "warn_at": r.warning_at,
        "stopped_at": r.stopped_at,
        "computed_at": now,
        "phases": [list(p) for p in compact(phases)],
    }


def refresh(
    s: Session, ticket_ids: Sequence[int], now: datetime, agreements: Applicable | None = None
) -> int:
    """Recompute and store the clocks of ``ticket_ids`` from their history (after a write to
    them); returns how many clocks were written."""
    if not ticket_ids:
        return 0
    agreements = agreements if agreements is not None else load_agreements(s)
    rows = [
        _row(facts.id, agreement_id, r, phases, now)
        for facts in histories(s, ticket_ids)
        for agreement_id, r, phases in _clocks(facts, agreements, now, False)
    ]
    for start in range(0, len(ticket_ids), CHUNK):
        s.execute(
            delete(TicketClock).where(TicketClock.ticket_id.in_(list(ticket_ids[start : start + CHUNK])))
        )
    for start in range(0, len(rows), CHUNK):
        s.execute(insert(TicketClock.__table__), rows[start : start + CHUNK])
    soonest: dict[int, datetime | None] = dict.fromkeys(ticket_ids)
    for row in rows:
        _keep_soonest(soonest, row["ticket_id"], row["running"], row["due_at"])
    _store_soonest_due(s, soonest)
    return len(rows)


def refresh_all_open(s: Session, now: datetime) -> int:
    """After the agreements' coverage changed: every open ticket's clocks, from history."""
    s.execute(delete(TicketClock))
    s.execute(update(Ticket).where(Ticket.sla_due_at.is_not(None)).values(sla_due_at=None))
    open_ids = list(
        s.scalars(select(Ticket.id).where(Ticket.status.not_in([TicketStatus.RESOLVED, TicketStatus.CLOSED])))
    )
    return refresh(s, open_ids, now)


_METRICS = {m.value: m for m in Metric}


def recompute_all(s: Session, now: datetime, agreements: Applicable | None = None) -> int:
    """After a calendar, a target or a warning level changed: every stored clock re-measured
    from its stored phases (no history is read), then each ticket's soonest due instant.

    Each clock costs a few calendar lookups per phase. Only the clocks whose state, target, due
    or warning instant came out different are written (with the business time used as of now),
    and only their tickets' soonest due instants: a new holiday next month rewrites the clocks
    it moves, not every clock of the desk. Returns how many clocks were re-measured."""
    agreements = agreements if agreements is not None else load_agreements(s)
    now_us = to_micros(now)
    rows = s.execute(
        select(
            TicketClock.id,
            TicketClock.ticket_id,
            TicketClock.agreement_id,
            TicketClock.metric,
            TicketClock.phases,
            TicketClock.state,
            TicketClock.running,
            TicketClock.target_seconds,
            TicketClock.due_at,
            TicketClock.warn_at,
        )
    ).all()
    changed: list[tuple[Any, ...]] = []
    gone: list[int] = []
    touched: set[int] = set()
    soonest: dict[int, datetime | None] = {}
    measured = 0
    for clock_id, ticket_id, agreement_id, metric, raw, state, running, target, due_at, warn_at in rows:
        soonest.setdefault(ticket_id, None)
        terms = agreements.terms.get(agreement_id)
        # Stored phases are measured as they are read: [start, end, mode, "P2"] rows (a priority
        # string finds the same target as the enum), so no objects are built per row.
        m = measure(raw, terms, _METRICS[metric], now_us) if terms and raw else None
        if m is None:  # the agreement is gone, or sets no target for the ticket's priority now
            gone.append(clock_id)
            touched.add(ticket_id)
            continue
        measured += 1
        due = None if m.due is None else from_micros(m.due)
        warn = None if m.warning is None else from_micros(m.warning)
        is_running = m.mode == 0
        _keep_soonest(soonest, ticket_id, is_running, due)
        if (state, bool(running), target, due_at, warn_at) == (
            m.state.value,
            is_running,
            m.target // 1_000_000,
            due,
            warn,
        ):
            continue
        touched.add(ticket_id)
        changed.append(
            (
                clock_id,
                m.state.value,
                is_running,
                m.target // 1_000_000,
                m.elapsed / 1_000_000,
                m.paused / 1_000_000,
                due,
                warn,
            )
        )
    update_by_key(
        s.connection(),
        TicketClock.__table__,
        "id",
        ("state", "running", "target_seconds", "elapsed_seconds", "paused_seconds", "due_at", "warn_at"),
        changed,
        {"computed_at": now},
    )
    for start in range(0, len(gone), CHUNK):
        s.execute(delete(TicketClock).where(TicketClock.id.in_(gone[start : start + CHUNK])))
    dues = [(ticket_id, soonest[ticket_id]) for ticket_id in touched]
    update_by_key(s.connection(), Ticket.__table__, "id", ("sla_due_at",), dues)
    return measured


def _keep_soonest(
    soonest: dict[int, datetime | None], ticket_id: int, running: bool, due: datetime | None
) -> None:
    if running and due is not None:
        current = soonest.get(ticket_id)
        if current is None or due < current:
            soonest[ticket_id] = due


def _store_soonest_due(s: Session, soonest: dict[int, datetime | None]) -> None:
    """``tickets.sla_due_at`` = the soonest due instant of the ticket's running clocks, written
    by primary key (one executemany) only where it changed."""
    ids = list(soonest)
    stale: list[tuple[int, datetime | None]] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for ticket_id, current in s.execute(select(Ticket.id, Ticket.sla_due_at).where(Ticket.id.in_(chunk))):
            if current != soonest[ticket_id]:
                stale.append((ticket_id, soonest[ticket_id]))
    update_by_key(s.connection(), Ticket.__table__, "id", ("sla_due_at",), stale)


def band(state: ClockState | str, due_at: datetime | None, warn_at: datetime | None, now: datetime) -> str:
    """breached / at-risk / ok for a stored clock, read at ``now`` (no recompute needed)."""
    if str(state) == ClockState.BREACHED or (due_at is not None and due_at <= now):
        return "breached"
    if str(state) == ClockState.WARNING or (warn_at is not None and warn_at <= now):
        return "at-risk"
    return "ok"
