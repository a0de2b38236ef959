"""Event management: ingest (filter, de-duplicate, correlate, open and resolve incidents), list, show.

Ingest works in batches (``BATCH`` events, one transaction each, never a commit per event):
the batch's active alerts are read with one query by fingerprint, the open incidents its
events may join with one query over the correlation window, then every event is applied in
memory (``domain.events``) and the result written with a few executemany statements. New
incidents are created like ``tickets.log_incident`` creates them (refs from the counter, audit
rows, SLA clocks), channel ``event``; a recovery resolves or notes them through
``tickets.apply_update`` / ``tickets.append_note``, so the ticket rules stay in one place.

Audit: the incidents' rows are audited as every ticket write is; for the events themselves the
audit trail records each link to an incident (the event row keeps count, first and last seen).
Two ingests running at once on PostgreSQL may meet on the same new fingerprint: the unique
active key refuses the second batch, which is then retried once with fresh state.
"""

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import Integer, bindparam, func, insert, select, update
from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from deskterm.domain.core.permissions import Action
from deskterm.domain.core.refs import RefError, RefKind, parse_ref
from deskterm.domain.core.vocabulary import (
    Channel,
    Criticality,
    ResolutionCode,
    TicketKind,
    TicketStatus,
    Tier,
)
from deskterm.domain.events import alertmanager
from deskterm.domain.events.events import (
    Alert,
    Correlator,
    Event,
    EventError,
    RecoveryAction,
    RuleSet,
    Severity,
    Significance,
    correlation_key,
    impact_urgency,
    incident_title,
    most_critical,
    on_recovery,
    open_alert,
    repeat,
)
from deskterm.domain.tickets import incident
from deskterm.services.core import access, lookup
from deskterm.services.core.commands import UpdateTicket
from deskterm.services.core.context import Desk, UnitOfWork
from deskterm.services.core.errors import InvalidInput, NotFound
from deskterm.services.events import event_rules
from deskterm.services.sla import clocks
from deskterm.services.tickets import tickets
from deskterm.store.base import UTCDateTime
from deskterm.store.models import (
    AuditEntry,
    ConfigurationItem,
    Contact,
    Group,
    RefCounter,
    Service,
    ServiceCI,
    Ticket,
)
from deskterm.store.models import Event as EventRecord
from deskterm.store.queries.tickets import OPEN_STATUSES

BATCH = 4000  # events per transaction: the write lock is held ~0.3 s, agents barely notice
MAX_WAIT_SECONDS = 1.0  # a slow stream (a pipe from a monitor) is written at least this often
DEFER_BATCHES = 5
COUNTER = "EVT"
REVISION = "EVTREV"
CALLER = "Event monitoring"
MAX_ERRORS = 1000
InputFormat = Literal["deskterm", "alertmanager"]
FORMATS: tuple[str, ...] = ("deskterm", "alertmanager")


class IngestSummary(BaseModel):
    """What an ingest did. ``read`` counts every line (or alert) read, malformed ones included."""

    read: int = 0
    malformed: int = 0
    dropped: int = 0
    recorded: int = 0
    deduplicated: int = 0
    correlated: int = 0
    incidents_opened: int = 0
    incidents_resolved: int = 0
    notes: int = 0
    cleared: int = 0
    unmatched_recoveries: int = 0
    opened: list[str] = []
    resolved: list[str] = []
    errors: list[str] = []

    def merge(self, other: "IngestSummary") -> "IngestSummary":
        data: dict[str, Any] = {}
        for name, value in self:
            extra = getattr(other, name)
            data[name] = (value + extra)[:MAX_ERRORS] if name == "errors" else value + extra
        return IngestSummary(**data)


# -- reading the input -----------------------------------------------------------------------


def _json_problem(exc: json.JSONDecodeError) -> str:
    return f"not JSON ({exc.msg} at column {exc.colno})"


def parse_lines(lines: Iterable[str], fmt: str, now: datetime) -> Iterator[tuple[int, Event | EventError]]:
    """``(line number, event or the reason it is malformed)`` for every event in the input."""
    if fmt == "deskterm":
        for number, line in enumerate(lines, 1):
            text = line.strip()
            if not text:
                continue
            try:
                yield number, _deskterm_event(text, now)
            except EventError as exc:
                yield number, exc
        return
    if fmt != "alertmanager":
        raise InvalidInput(f"input format {fmt!r} is not known; use one of {', '.join(FORMATS)}")
    yield from _alertmanager(list(lines), now)


def _deskterm_event(text: str, now: datetime) -> Event:
    from deskterm.domain.events.events import make_event

    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EventError(_json_problem(exc)) from None
    return make_event(raw, now)


def _payload(number: int, payload: object, now: datetime) -> Iterator[tuple[int, Event | EventError]]:
    try:
        items = alertmanager.parse_payload(payload, now)
    except EventError as exc:
        yield number, exc
        return
    for item in items:
        yield number, item


def _alertmanager(lines: list[str], now: datetime) -> Iterator[tuple[int, Event | EventError]]:
    """One webhook payload (pretty-printed or not), or one payload per line."""
    text = "\n".join(line.rstrip("\r\n") for line in lines)
    if not text.strip():
        return
    try:
        whole = json.loads(text)
    except json.JSONDecodeError as exc:
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        try:
            json.loads(lines[first])
        except json.JSONDecodeError:  # one document, broken: one error where it breaks
            yield exc.lineno, EventError(_json_problem(exc))
            return
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                payload = json.loads(line)
            except json.JSONDecodeError as line_exc:
                yield number, EventError(_json_problem(line_exc))
                continue
            yield from _payload(number, payload, now)
        return
    for payload in whole if isinstance(whole, list) else [whole]:
        yield from _payload(1, payload, now)


# -- what the desk knows about nodes -----------------------------------------------------------


@dataclass
class _Catalog:
    """CIs by name, their services, and the services' criticality and support group."""

    ci_by_name: dict[str, tuple[int, int | None]]
    services_of: dict[int, tuple[int, ...]]
    criticality: dict[int, Criticality]
    support_group: dict[int, int | None]
    tiers: dict[int, Tier]

    @classmethod
    def load(cls, s: Session) -> "_Catalog":
        cis = {
            name.lower(): (cid, group)
            for cid, name, group in s.execute(
                select(ConfigurationItem.id, ConfigurationItem.name, ConfigurationItem.owner_group_id)
            )
        }
        services_of: dict[int, list[int]] = defaultdict(list)
        for sid, cid in s.execute(select(ServiceCI.service_id, ServiceCI.ci_id)):
            services_of[cid].append(sid)
        crit: dict[int, Criticality] = {}
        support: dict[int, int | None] = {}
        for sid, criticality, group in s.execute(
            select(Service.id, Service.criticality, Service.support_group_id)
        ):
            crit[sid], support[sid] = criticality, group
        tiers = {gid: tier for gid, tier in s.execute(select(Group.id, Group.tier))}
        order = list(Criticality)
        return cls(
            cis,
            {c: tuple(sorted(v, key=lambda x: order.index(crit[x]))) for c, v in services_of.items()},
            crit,
            support,
            tiers,
        )

    def ci(self, node: str) -> int | None:
        found = self.ci_by_name.get(node.lower())
        return found[0] if found else None

    def services(self, ci_id: int | None) -> tuple[int, ...]:
        return self.services_of.get(ci_id, ()) if ci_id is not None else ()


# -- the rows of one batch ---------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Row:
    """An alert being written: its domain state and where it lives in the table."""

    alert: Alert
    source: str
    node: str
    check: str
    ci_id: int | None
    id: int = 0  # the EVT number; 0 until this batch takes one
    stored: bool = False
    ticket_id: int | None = None  # negative: an incident this batch opens
    ticket_open: bool = True
    opened_ticket: bool = False
    cleared_at: datetime | None = None
    linked: bool = False  # joined an incident in this batch (audited)
    repeats: int = 0  # since the row was last written: added to the stored count
    promoted: bool = False  # its significance rose since it was last written

    @property
    def ref(self) -> str:
        return f"EVT-{self.id}"


@dataclass(slots=True)
class _NewIncident:
    event: Event
    row: _Row
    ci_id: int | None
    services: tuple[int, ...]
    id: int = 0
    ref: str = ""


def take_numbers(s: Session, name: str, count: int) -> int:
    """Reserve ``count`` numbers of the counter ``name`` in one statement; returns the last."""
    top = s.execute(
        update(RefCounter)
        .where(RefCounter.name == name)
        .values(value=RefCounter.value + count)
        .returning(RefCounter.value)
    ).scalar()
    if top is None:
        s.add(RefCounter(name=name, value=count))
        s.flush()
        top = count
    return int(top)


_UPDATE_COLUMNS = (
    "active_key",
    "severity",
    "significance",
    "message",
    "ticket_id",
    "opened_ticket",
    "first_seen",
    "last_seen",
    "cleared_at",
)


@dataclass
class _Ingest:
    desk: Desk
    rules: RuleSet
    catalog: _Catalog
    summary: IngestSummary
    correlator: Correlator = field(init=False)
    _caller_id: int | None = None
    _mapping: dict[int, int] = field(default_factory=dict)
    agreements: clocks.Applicable | None = None
    _span: tuple[datetime, datetime] | None = None
    known: dict[str, _Row | None] = field(default_factory=dict)
    deferred: dict[int, _Row] = field(default_factory=dict)
    _batches: int = 0

    def __post_init__(self) -> None:
        self.correlator = Correlator(window=self.rules.window)

    # -- one batch, one transaction --------------------------------------------------------

    def write(self, batch: list[tuple[Event, Significance]]) -> None:
        try:
            self._write(batch, IngestSummary())
        except IntegrityError:  # another ingest took a new fingerprint first: once more, fresh
            self.correlator, self._span = Correlator(window=self.rules.window), None
            self._caller_id, self.known = None, {}
            self._write(batch, IngestSummary())

    def _write(self, batch: list[tuple[Event, Significance]], counts: IngestSummary) -> None:
        with self.desk.writing() as uow:
            access.require(uow, Action.EVENT_INGEST)
            s = uow.session
            if s.get_bind().dialect.name == "sqlite":
                s.execute(sql("PRAGMA cache_size = -65536"))
            take_numbers(s, REVISION, 1)  # the console's "something new arrived" token
            self._mapping = {}
            active = self.known
            unknown = {ev.fingerprint for ev, _ in batch} - active.keys()
            found = self._active(s, unknown)
            for fp in unknown:
                active[fp] = found.get(fp)
            times = [ev.time for ev, _ in batch]
            self._anchors(s, min(times) - self.rules.window, max(times) + self.rules.window)
            touched: dict[int, _Row] = {}
            pending: list[_NewIncident] = []
            recovered: dict[int, list[_Row]] = defaultdict(list)
            for ev, significance in batch:
                row = active.get(ev.fingerprint)
                if ev.is_recovery:
                    if row is None:
                        counts.unmatched_recoveries += 1
                        continue
                    row.cleared_at = ev.time
                    active[ev.fingerprint] = None
                    touched[id(row)] = row
                    counts.cleared += 1
                    if row.ticket_id is not None and row.ticket_open:
                        recovered[row.ticket_id].append(row)
                    continue
                ci_id = self.catalog.ci(ev.node)
                if row is None:
                    row = _Row(open_alert(ev, significance), ev.source, ev.node, ev.check, ci_id)
                    active[ev.fingerprint] = row
                    counts.recorded += 1
                else:
                    before = row.alert.significance
                    row.alert = repeat(row.alert, ev, significance)
                    row.repeats += 1
                    row.promoted = row.promoted or row.alert.significance is not before
                    counts.deduplicated += 1
                touched[id(row)] = row
                self._correlate(ev, row, pending, counts)
            rows = list(touched.values())
            fresh = [r for r in rows if not r.stored]
            if fresh:
                top = take_numbers(s, COUNTER, len(fresh))
                for offset, r in enumerate(fresh):
                    r.id = top - len(fresh) + 1 + offset
            if pending:
                self._open_incidents(uow, pending, counts)
            self._store(uow, self._due(rows))
            if recovered:
                self._recover(uow, recovered, counts)
        self.summary = self.summary.merge(counts)

    def _active(self, s: Session, fingerprints: set[str]) -> dict[str, _Row]:
        """The active alerts of these fingerprints, with whether their incident is still open."""
        e = EventRecord
        found: dict[str, _Row] = {}
        wanted = list(fingerprints)
        for start in range(0, len(wanted), 900):
            for r in s.execute(
                select(
                    e.id,
                    e.fingerprint,
                    e.source,
                    e.node,
                    e.check,
                    e.severity,
                    e.significance,
                    e.message,
                    e.ci_id,
                    e.ticket_id,
                    e.opened_ticket,
                    e.count,
                    e.first_seen,
                    e.last_seen,
                    Ticket.status,
                )
                .outerjoin(Ticket, Ticket.id == e.ticket_id)
                .where(e.active_key.in_(wanted[start : start + 900]))
            ):
                alert = Alert(
                    r.fingerprint, r.severity, r.significance, r.message, r.count, r.first_seen, r.last_seen
                )
                found[r.fingerprint] = _Row(
                    alert,
                    r.source,
                    r.node,
                    r.check,
                    r.ci_id,
                    id=r.id,
                    stored=True,
                    ticket_id=r.ticket_id,
                    ticket_open=r.status is None or TicketStatus(r.status).is_open,
                    opened_ticket=r.opened_ticket,
                )
        return found

    def _anchors(self, s: Session, low: datetime, high: datetime) -> None:
        """Open incidents with events seen in the batch's window: what new events may join.

        Read once per stretch of time: what this ingest writes is added as it goes, so a later
        batch reads only the part of its window no earlier batch covered."""
        e = EventRecord
        spans = [(low, high)]
        if self._span is not None:
            seen_low, seen_high = self._span
            spans = [(a, b) for a, b in ((low, min(high, seen_low)), (max(low, seen_high), high)) if a < b]
            self._span = (min(low, seen_low), max(high, seen_high))
        else:
            self._span = (low, high)
        for a, b in spans:
            for ticket_id, ci_id, node, seen in s.execute(
                select(e.ticket_id, e.ci_id, e.node, e.last_seen)
                .join(Ticket, Ticket.id == e.ticket_id)
                .where(e.last_seen >= a, e.last_seen <= b, Ticket.status.in_(OPEN_STATUSES))
            ):
                key = correlation_key(ci_id, node)
                self.correlator.add(ticket_id, key, self.catalog.services(ci_id), seen)

    def _correlate(self, ev: Event, row: _Row, pending: list[_NewIncident], counts: IngestSummary) -> None:
        """Attach a warning or exception to an open incident, or open one for an exception."""
        significance = row.alert.significance
        key = correlation_key(row.ci_id, row.node)
        services = self.catalog.services(row.ci_id)
        if row.ticket_id is not None and row.ticket_open:
            self.correlator.add(row.ticket_id, key, services, ev.time)
            return
        if significance is Significance.INFORMATIONAL:
            return
        found = self.correlator.find(key, services, ev.time)
        if found is None and significance is Significance.EXCEPTION:
            new = _NewIncident(ev, row, row.ci_id, services)
            pending.append(new)
            found = -len(pending)
            row.opened_ticket = True
        elif found is not None:
            counts.correlated += 1
        if found is not None:
            row.ticket_id, row.ticket_open, row.linked = found, True, True
            self.correlator.add(found, key, services, ev.time)

    # -- incidents -------------------------------------------------------------------------

    def _caller(self, s: Session, now: datetime) -> int:
        """The contact event incidents are logged for: the monitoring itself."""
        if self._caller_id is None:
            found = s.scalar(select(Contact.id).where(Contact.name == CALLER).order_by(Contact.id).limit(1))
            if found is None:
                contact = Contact(name=CALLER, organisation="IT operations", vip=False, created_at=now)
                s.add(contact)
                s.flush()
                found = contact.id
            self._caller_id = found
        return self._caller_id

    def _open_incidents(self, uow: UnitOfWork, pending: list[_NewIncident], counts: IngestSummary) -> None:
        """Log one incident per exception that joined none, as ``tickets.log_incident`` does."""
        s, now = uow.session, uow.now
        caller = self._caller(s, now)
        top = take_numbers(s, TicketKind.INCIDENT.prefix, len(pending))
        created: list[Ticket] = []
        for offset, new in enumerate(pending):
            ev = new.event
            service_id = new.services[0] if new.services else None
            criticality = most_critical(self.catalog.criticality[x] for x in new.services)
            impact, urgency = impact_urgency(criticality, ev.severity)
            owner = self.catalog.ci_by_name.get(ev.node.lower(), (0, None))[1]
            group_id = owner or (self.catalog.support_group.get(service_id) if service_id else None)
            number = top - len(pending) + 1 + offset
            message = ev.message.strip()
            description = (
                f"Opened by event management from {new.row.ref}: {ev.source} reports {ev.check} "
                f"{ev.severity.value} on {ev.node} at {ev.time:%Y-%m-%d %H:%M:%S} UTC."
                + (f"\n\n{message}" if message else "")
            )
            t = Ticket(
                ref=f"INC-{number}",
                kind=TicketKind.INCIDENT,
                number=number,
                title=incident_title(ev),
                description=description,
                caller_id=caller,
                channel=Channel.EVENT,
                category="Event",
                service_id=service_id,
                ci_id=new.ci_id,
                impact=impact,
                urgency=urgency,
                priority=self.desk.matrix.priority(impact, urgency),
                status=TicketStatus.NEW,
                group_id=group_id,
                tier=self.catalog.tiers.get(group_id, Tier.T1) if group_id else Tier.T1,
                major=False,
                opened_at=now,
                updated_at=now,
                created_by_id=uow.actor.id,
                reopen_count=0,
                version=1,
            )
            created.append(t)
        s.add_all(created)
        s.flush()
        group_names = {gid: name for gid, name in s.execute(select(Group.id, Group.name))} if created else {}
        mapping: dict[int, int] = {}
        for offset, (new, t) in enumerate(zip(pending, created, strict=True)):
            new.id, new.ref = t.id, t.ref
            mapping[-(offset + 1)] = t.id
            for name, value in (
                ("created", t.ref),
                ("status", t.status.value),
                ("priority", t.priority.value),
                ("group", group_names.get(t.group_id) if t.group_id else None),
            ):
                if value is not None:
                    uow.audit("ticket", t.id, t.ref, name, None, value, 1)
            counts.incidents_opened += 1
            counts.opened.append(t.ref)
        self._remap(mapping)
        s.flush()
        clocks.refresh(s, [t.id for t in created], now, self.agreements)

    def _remap(self, mapping: dict[int, int]) -> None:
        """Placeholders (negative ids) of this batch's new incidents become their real ids."""
        for index in (self.correlator.by_key, self.correlator.by_service):
            for k, (ticket_id, seen) in list(index.items()):  # type: ignore[attr-defined]
                if ticket_id < 0:
                    index[k] = (mapping[ticket_id], seen)  # type: ignore[index]
        self._mapping = mapping

    def _real(self, ticket_id: int | None) -> int | None:
        if ticket_id is not None and ticket_id < 0:
            return self._mapping[ticket_id]
        return ticket_id

    # -- writing the events ----------------------------------------------------------------

    def _due(self, rows: list[_Row]) -> list[_Row]:
        """What this batch writes. A repeat that changes nothing but the count, the times and the
        latest message waits (at most ``DEFER_BATCHES`` batches, and never past the end of the
        ingest): a noisy alert is then written once per few batches, not once per batch. New
        alerts, recoveries and links to incidents are always written in their own batch."""
        self._batches += 1
        now: list[_Row] = []
        for r in rows:
            if r.stored and not r.linked and not r.promoted and r.cleared_at is None:
                self.deferred[r.id] = r
            else:
                self.deferred.pop(r.id, None)
                now.append(r)
        if self._batches % DEFER_BATCHES == 0:
            now.extend(self.deferred.values())
            self.deferred = {}
        return now

    def flush(self) -> None:
        """Write the repeats still waiting (the end of an ingest)."""
        if self.deferred:
            with self.desk.writing() as uow:
                access.require(uow, Action.EVENT_INGEST)
                take_numbers(uow.session, REVISION, 1)
                self._store(uow, list(self.deferred.values()))
            self.deferred = {}

    def _store(self, uow: UnitOfWork, rows: list[_Row]) -> None:
        """Updates first (a cleared alert frees its fingerprint), then the new rows."""
        s, now = uow.session, uow.now
        table = EventRecord.__table__
        changed, fresh = [], []
        for r in rows:
            r.ticket_id = self._real(r.ticket_id)
            a = r.alert
            values = {
                "active_key": None if r.cleared_at is not None else a.fingerprint,
                "severity": a.severity,
                "significance": a.significance,
                "message": a.message,
                "ticket_id": r.ticket_id,
                "opened_ticket": r.opened_ticket,
                "count": a.count,
                "first_seen": a.first_seen,
                "last_seen": a.last_seen,
                "cleared_at": r.cleared_at,
            }
            if not r.stored:
                values.update(
                    id=r.id,
                    fingerprint=a.fingerprint,
                    source=r.source,
                    node=r.node,
                    check=r.check,
                    ci_id=r.ci_id,
                )
                fresh.append(values)
            else:
                del values["count"]
                changed.append(
                    {"row_id": r.id, "repeats": r.repeats, **{f"new_{k}": v for k, v in values.items()}}
                )
        if changed:
            stmt = (
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values(
                    {
                        **{c: bindparam(f"new_{c}") for c in _UPDATE_COLUMNS},
                        "count": table.c.count + bindparam("repeats"),
                    }
                )
            )
            types = {f"new_{c}": table.c[c].type for c in _UPDATE_COLUMNS}
            _executemany(s, stmt, changed, {**types, "row_id": Integer(), "repeats": Integer()})
        if fresh:
            _executemany(s, insert(table), fresh, {c.key: c.type for c in table.c})
        linked = [r for r in rows if r.linked and r.ticket_id is not None]
        if linked:
            refs = {
                tid: ref
                for tid, ref in s.execute(
                    select(Ticket.id, Ticket.ref).where(Ticket.id.in_({r.ticket_id for r in linked}))
                )
            }
            audit = [
                {
                    "at": now,
                    "actor_id": uow.actor.id,
                    "record_kind": "event",
                    "record_id": r.id,
                    "record_ref": r.ref,
                    "field": "incident",
                    "old": None,
                    "new": refs.get(r.ticket_id),
                    "version": None,
                }
                for r in linked
            ]
            s.connection().execute(insert(AuditEntry.__table__), audit)
            self._tell(uow, [r for r in linked if not r.opened_ticket])
        for r in rows:
            r.stored, r.repeats, r.linked, r.promoted = True, 0, False, False

    def _tell(self, uow: UnitOfWork, joined: list[_Row]) -> None:
        """One internal note per incident and batch naming the alerts that joined it, so the
        agent working it sees them in the worklog."""
        by_ticket: dict[int, list[_Row]] = defaultdict(list)
        for r in joined:
            if r.ticket_id is not None:
                by_ticket[r.ticket_id].append(r)
        if not by_ticket:
            return
        found = uow.session.scalars(
            select(Ticket).where(Ticket.id.in_(list(by_ticket)), Ticket.status.in_(OPEN_STATUSES))
        )
        for t in found:
            rows = by_ticket[t.id]
            what = ", ".join(f"{r.ref} ({r.node} {r.check} {r.alert.severity.value})" for r in rows[:10])
            more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
            tickets.append_note(
                uow,
                t,
                f"Event management: correlated to this incident: {what}{more}.",
                public=False,
                channel=None,
                minutes=0,
            )

    # -- recoveries ------------------------------------------------------------------------

    def _recover(self, uow: UnitOfWork, recovered: dict[int, list[_Row]], counts: IngestSummary) -> None:
        """Per incident, once per batch: resolve it, or tell the agent who has it (a few queries
        for all the batch's incidents)."""
        s = uow.session
        e = EventRecord
        by_ticket = {self._real(k): rows for k, rows in recovered.items()}
        ids = [i for i in by_ticket if i is not None]
        found = {t.id: t for t in s.scalars(select(Ticket).where(Ticket.id.in_(ids)).with_for_update())}
        still = {
            tid: n
            for tid, n in s.execute(
                select(e.ticket_id, func.count())
                .where(
                    e.ticket_id.in_(ids),
                    e.active_key.is_not(None),
                    e.significance == Significance.EXCEPTION,
                )
                .group_by(e.ticket_id)
            )
        }
        opened = set(
            s.scalars(select(e.ticket_id).where(e.ticket_id.in_(ids), e.opened_ticket.is_(True)).distinct())
        )
        resolving: list[tuple[Ticket, str]] = []
        for ticket_id in ids:
            t, rows = found.get(ticket_id), by_ticket[ticket_id]
            if t is None:
                continue
            active = int(still.get(ticket_id, 0))
            action = on_recovery(
                opened_by_event=ticket_id in opened,
                taken_over=t.assignee_id is not None or t.status is not TicketStatus.NEW,
                incident_open=t.status.is_open,
                still_active=active,
            )
            what = ", ".join(f"{r.ref} ({r.node} {r.check})" for r in rows[:10])
            if len(rows) > 10:
                what += f" and {len(rows) - 10} more"
            if action is RecoveryAction.RESOLVE:
                resolving.append((t, f"Event management: the monitored condition cleared: {what}."))
            elif action is RecoveryAction.NOTE:
                cleared = max(r.cleared_at for r in rows if r.cleared_at is not None)
                remaining = f"; {active} correlated alert(s) still active" if active else ""
                tickets.append_note(
                    uow,
                    t,
                    f"Event management: recovery at {cleared:%Y-%m-%d %H:%M:%S} UTC of {what}{remaining}. "
                    "The incident was left open because an agent has it; resolve it when you are satisfied.",
                    public=False,
                    channel=None,
                    minutes=0,
                )
                counts.notes += 1
            elif not t.status.is_open:
                self.correlator.forget(t.id)
        if resolving:
            self._resolve(uow, resolving, counts)

    def _resolve(self, uow: UnitOfWork, items: list[tuple[Ticket, str]], counts: IngestSummary) -> None:
        """Resolve untouched event incidents: the same checks, fields and audit rows as
        ``tickets.update_ticket`` with status resolved, and one clock refresh for all. An
        incident someone made a parent goes through ``tickets.apply_update`` (children too)."""
        s, now = uow.session, uow.now
        ids = [t.id for t, _ in items]
        parents = set(
            s.scalars(
                select(Ticket.parent_id).where(Ticket.parent_id.in_(ids), Ticket.status.in_(OPEN_STATUSES))
            )
        )
        done: list[int] = []
        for t, text in items:
            if t.id in parents:
                tickets.apply_update(
                    self.desk,
                    uow,
                    t,
                    UpdateTicket(
                        ref=t.ref,
                        status=TicketStatus.RESOLVED,
                        resolution_code=ResolutionCode.FIXED,
                        resolution=text,
                    ),
                )
            else:
                move = incident.check_transition(
                    t.status,
                    TicketStatus.RESOLVED,
                    resolution_code=ResolutionCode.FIXED,
                    resolution=text,
                    has_assignee=t.assignee_id is not None,
                )
                t.version += 1
                for name, new in (
                    ("status", move.status),
                    ("pending_reason", None),
                    ("resolution_code", move.resolution_code),
                    ("resolution", move.resolution),
                ):
                    old = getattr(t, name)
                    if old != new:
                        setattr(t, name, new)
                        uow.audit("ticket", t.id, t.ref, name, _plain(old), _plain(new), t.version)
                t.resolved_at = t.updated_at = now
                if t.responded_at is None:
                    t.responded_at = now
                done.append(t.id)
            counts.incidents_resolved += 1
            counts.resolved.append(t.ref)
            self.correlator.forget(t.id)
        if done:
            s.flush()
            clocks.refresh(s, done, now, self.agreements)


def _executemany(
    s: Session, stmt: Any, rows: list[dict[str, Any]], types: dict[str, TypeEngine[Any]]
) -> None:
    """Run ``stmt`` for every row through the driver's executemany, each value converted by the
    bind processor of its column type (the very conversion SQLAlchemy applies): thousands of rows
    per batch make Core's per-row parameter machinery cost more than the database's work."""
    conn = s.connection()
    dialect = conn.dialect
    compiled = stmt.compile(dialect=dialect, column_keys=list(rows[0]))
    names = list(compiled.positiontup or []) if compiled.positional else list(compiled.binds)
    columns: list[list[Any]] = []
    for name in names:  # column by column: map() runs each converter without a Python loop
        values = [row[name] for row in rows]
        convert = _converter(types[name], dialect)
        columns.append(list(map(convert, values)) if convert is not None else values)
    params: list[Any] = list(zip(*columns, strict=True))
    if not compiled.positional:
        params = [dict(zip(names, values, strict=True)) for values in params]
    conn.exec_driver_sql(compiled.string, params)


_SAMPLE = datetime(2026, 11, 24, 9, 30, 1, 5, tzinfo=UTC)


def _sqlite_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r} refused: timestamps must be aware UTC")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _converter(kind: TypeEngine[Any], dialect: Any) -> Callable[[Any], Any] | None:
    """The column type's bind processor; for aware-UTC datetimes on SQLite a C-speed one that
    writes the very same text (checked against SQLAlchemy's own on a sample, else not used)."""
    convert = kind.dialect_impl(dialect).bind_processor(dialect)
    if (
        isinstance(kind, UTCDateTime)
        and dialect.name == "sqlite"
        and convert is not None
        and convert(_SAMPLE) == _sqlite_utc(_SAMPLE)
        and convert(None) is None
    ):
        return _sqlite_utc
    return convert


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def ingest(
    desk: Desk,
    lines: Iterable[str],
    *,
    fmt: str = "deskterm",
    label: str = "",
    batch_size: int = BATCH,
    on_error: Callable[[str], None] | None = None,
) -> IngestSummary:
    """Read events from ``lines`` and apply them in batches; a malformed line is reported (with
    its number, through ``on_error`` and in the summary) and skipped, every other line is kept.

    A batch is written when it holds ``batch_size`` events, when an event arrives a second or
    more after the batch's first (so a slow pipe is not held back), and at the end."""
    if fmt not in FORMATS:
        raise InvalidInput(f"input format {fmt!r} is not known; use one of {', '.join(FORMATS)}")
    if not 1 <= batch_size <= 50_000:
        raise InvalidInput("the batch size must be between 1 and 50000 events")
    access.check(desk, Action.EVENT_INGEST)
    with desk.reading() as s:
        rules = event_rules.load(s)
        catalog = _Catalog.load(s)
        agreements = clocks.load_agreements(s)
    run = _Ingest(desk, rules, catalog, IngestSummary(), agreements=agreements)
    read = malformed = dropped = 0
    errors: list[str] = []
    batch: list[tuple[Event, Significance]] = []
    started = time.monotonic()
    prefix = f"{label}: " if label else ""
    for number, item in parse_lines(lines, fmt, desk.clock.now()):
        read += 1
        if isinstance(item, EventError):
            malformed += 1
            message = f"{prefix}line {number}: {item}"
            if len(errors) < MAX_ERRORS:
                errors.append(message)
            if on_error is not None:
                on_error(message)
            continue
        significance = rules.classify(item)
        if significance is None:
            dropped += 1
            continue
        if not batch:
            started = time.monotonic()
        batch.append((item, significance))
        if len(batch) >= batch_size or time.monotonic() - started >= MAX_WAIT_SECONDS:
            run.write(batch)
            batch = []
    if batch:
        run.write(batch)
    run.flush()
    return run.summary.merge(IngestSummary(read=read, malformed=malformed, dropped=dropped, errors=errors))


# -- reading events ----------------------------------------------------------------------------


class EventRow(BaseModel):
    ref: str
    severity: Severity
    significance: Significance
    state: str
    source: str
    node: str
    check: str
    ci: str | None
    count: int
    first_seen: datetime
    last_seen: datetime
    incident: str | None
    message: str


class EventView(EventRow):
    fingerprint: str
    cleared_at: datetime | None
    opened_incident: bool
    incident_status: TicketStatus | None
    incident_title: str | None
    services: list[str]


def _row_query() -> Any:
    e = EventRecord
    return (
        select(
            e.id,
            e.severity,
            e.significance,
            e.active_key,
            e.source,
            e.node,
            e.check,
            ConfigurationItem.name.label("ci"),
            e.count,
            e.first_seen,
            e.last_seen,
            Ticket.ref.label("incident"),
            e.message,
        )
        .outerjoin(ConfigurationItem, ConfigurationItem.id == e.ci_id)
        .outerjoin(Ticket, Ticket.id == e.ticket_id)
    )


def _row(r: Any) -> EventRow:
    return EventRow(
        ref=f"EVT-{r.id}",
        severity=r.severity,
        significance=r.significance,
        state="active" if r.active_key is not None else "cleared",
        source=r.source,
        node=r.node,
        check=r.check,
        ci=r.ci,
        count=r.count,
        first_seen=r.first_seen,
        last_seen=r.last_seen,
        incident=r.incident,
        message=r.message,
    )


def list_events(
    desk: Desk,
    *,
    severities: Iterable[Severity] = (),
    source: str | None = None,
    ci: str | None = None,
    since: datetime | None = None,
    active_only: bool = False,
    limit: int = 200,
) -> list[EventRow]:
    """The most recently seen events first."""
    if not 1 <= limit <= 10_000:
        raise InvalidInput("limit must be between 1 and 10000")
    e = EventRecord
    stmt = _row_query()
    wanted = list(severities)
    if wanted:
        stmt = stmt.where(e.severity.in_(wanted))
    if source:
        stmt = stmt.where(func.lower(e.source) == source.strip().lower())
    if since is not None:
        stmt = stmt.where(e.last_seen >= since)
    if active_only:
        stmt = stmt.where(e.active_key.is_not(None))
    with desk.reading() as s:
        if ci:
            stmt = stmt.where(e.ci_id == lookup.ci(s, ci).id)
        rows = s.execute(stmt.order_by(e.last_seen.desc(), e.id.desc()).limit(limit))
        return [_row(r) for r in rows]


def _number(ref: str) -> int:
    try:
        parsed = parse_ref(ref)
    except RefError as exc:
        raise InvalidInput(str(exc)) from None
    if parsed.kind is not RefKind.EVT:
        raise InvalidInput(f"{parsed} is not an event; event refs look like EVT-12")
    return parsed.number


def get_event(desk: Desk, ref: str) -> EventView:
    number = _number(ref)
    e = EventRecord
    with desk.reading() as s:
        r = s.execute(
            _row_query()
            .add_columns(
                e.fingerprint,
                e.cleared_at,
                e.opened_ticket,
                e.ci_id,
                Ticket.status.label("incident_status"),
                Ticket.title.label("incident_title"),
            )
            .where(e.id == number)
        ).one_or_none()
        if r is None:
            raise NotFound(f"there is no event EVT-{number}; deskterm event list shows the latest")
        services = (
            list(
                s.scalars(
                    select(Service.name)
                    .join(ServiceCI, ServiceCI.service_id == Service.id)
                    .where(ServiceCI.ci_id == r.ci_id)
                    .order_by(Service.name)
                )
            )
            if r.ci_id is not None
            else []
        )
        base = _row(r).model_dump()
        return EventView(
            **base,
            fingerprint=r.fingerprint,
            cleared_at=r.cleared_at,
            opened_incident=r.opened_ticket,
            incident_status=r.incident_status,
            incident_title=r.incident_title,
            services=services,
        )


def revision(desk: Desk) -> int:
    """Moves whenever an ingest wrote events: the console reads again only then."""
    with desk.reading() as s:
        return int(s.scalar(select(RefCounter.value).where(RefCounter.name == REVISION)) or 0)


class Facets(BaseModel):
    """What the console's filters cycle through."""

    sources: list[str]
    cis: list[str]


def facets(desk: Desk) -> Facets:
    e = EventRecord
    with desk.reading() as s:
        sources = list(s.scalars(select(e.source).distinct().order_by(e.source)))
        cis = list(
            s.scalars(
                select(ConfigurationItem.name)
                .where(ConfigurationItem.id.in_(select(e.ci_id).where(e.ci_id.is_not(None)).distinct()))
                .order_by(ConfigurationItem.name)
            )
        )
    return Facets(sources=sources, cis=cis)


def since_hours(hours: float, now: datetime) -> datetime:
    return now - timedelta(hours=hours)
