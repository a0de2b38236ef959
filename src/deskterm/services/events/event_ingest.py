"""One ingest run: each batch in one transaction (de-duplicate, correlate, open and update
incidents), the events written in bulk, with the console told when something new arrived."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Integer, bindparam, insert, select, update
from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from deskterm.domain.core.permissions import Action
from deskterm.domain.core.vocabulary import Channel, TicketKind, TicketStatus, Tier
from deskterm.domain.events.events import (
    Alert,
    Correlator,
    Event,
    RuleSet,
    Significance,
    correlation_key,
    impact_urgency,
    incident_title,
    most_critical,
    open_alert,
    repeat,
)
from deskterm.services.core import access, races
from deskterm.services.core.context import Desk, UnitOfWork
from deskterm.services.core.errors import ConcurrentInsert
from deskterm.services.events.event_batch import (
    _UPDATE_COLUMNS,
    CALLER,
    COUNTER,
    DEFER_BATCHES,
    REVISION,
    IngestSummary,
    _Catalog,
    _executemany,
    _NewIncident,
    _Row,
    take_numbers,
)
from deskterm.services.events.event_recovery import Recoveries
from deskterm.services.sla import clocks
from deskterm.services.tickets import tickets
from deskterm.store.models import AuditEntry, Contact, Group, Ticket
from deskterm.store.models import Event as EventRecord
from deskterm.store.queries.tickets import OPEN_STATUSES


@dataclass
class _Ingest(Recoveries):
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
        for _ in range(races.RACE_ATTEMPTS - 1):
            try:
                return self._write(batch, IngestSummary())
            except (IntegrityError, ConcurrentInsert):  # another ingest took a new fingerprint first
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
                    e.count.label("seen_count"),  # not r.count: a Row is a Sequence, with a count()
                    e.first_seen,
                    e.last_seen,
                    Ticket.status,
                )
                .outerjoin(Ticket, Ticket.id == e.ticket_id)
                .where(e.active_key.in_(wanted[start : start + 900]))
            ):
                alert = Alert(
                    r.fingerprint,
                    r.severity,
                    r.significance,
                    r.message,
                    r.seen_count,
                    r.first_seen,
                    r.last_seen,
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
                select(Ticket.id, e.ci_id, e.node, e.last_seen)
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
        self.correlator.renumber(mapping)
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
            refs: dict[int | None, str] = {
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
