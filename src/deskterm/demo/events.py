"""Demo events for a demo desk: a few hundred alerts over the last hours, with repeats, recoveries,
a storm, and exceptions correlated to incidents the desk already has. Tickets are never added or
changed (the queue stays exactly as ``deskterm demo`` made it): an exception goes only to a CI
that has an open incident, and is attached to it, as correlation would have done."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from deskterm.domain.core.vocabulary import Channel, TicketKind
from deskterm.domain.events.events import Severity, Significance, fingerprint
from deskterm.services.core.context import Desk, UnitOfWork
from deskterm.services.core.errors import InvalidInput
from deskterm.services.events.events import COUNTER, REVISION, take_numbers
from deskterm.store.models import ConfigurationItem, Event, ServiceCI, Ticket
from deskterm.store.queries.tickets import OPEN_STATUSES

SOURCES = ("nagios", "zabbix", "prometheus")
ROUTINE = (
    ("cpu_load", "CPU load {v}% over 5 minutes"),
    ("memory_used", "memory {v}% used"),
    ("disk_free", "/var has {v}% free"),
    ("http_latency", "p95 latency {v}0 ms"),
    ("ntp_offset", "clock offset {v} ms"),
    ("backup_age", "last backup {v} h ago"),
)
EXCEPTIONS = (
    ("service_state", "service stopped unexpectedly"),
    ("http_status", "HTTP 503 from health check"),
    ("disk_free", "/data has 2% free"),
    ("replication_lag", "replica {v} s behind"),
)
OTHER_NODES = tuple(f"web-{i:02d}" for i in range(1, 9)) + tuple(f"pos-sh-{i:03d}" for i in range(1, 6))
HOSTILE = "磁盘空间不足 \x1b[31m[bold]not markup[/] 请检查"


@dataclass
class _Row:
    node: str
    check: str
    source: str
    severity: Severity
    significance: Significance
    message: str
    first: datetime
    last: datetime
    count: int
    ci_id: int | None
    ticket_id: int | None = None
    opened: bool = False
    cleared: datetime | None = None


def seed(desk: Desk, *, seed: int = 1) -> dict[str, int]:
    """Add demo events (only events) to ``desk``; returns what was added."""
    r = random.Random(seed)
    with desk.writing() as uow:
        if uow.session.scalar(select(Event.id).limit(1)) is not None:
            raise InvalidInput("this desk already has events; demo events only go into a desk without any")
        rows = _plan(uow, r)
        _write(uow, rows)
    return {
        "events": len(rows),
        "repeats": sum(x.count - 1 for x in rows),
        "correlated": sum(1 for x in rows if x.ticket_id is not None),
        "cleared": sum(1 for x in rows if x.cleared is not None),
    }


def _plan(uow: UnitOfWork, r: random.Random) -> list[_Row]:
    s, now = uow.session, uow.now
    cis = {cid: name for cid, name in s.execute(select(ConfigurationItem.id, ConfigurationItem.name))}
    services: dict[int, list[int]] = {}
    for sid, cid in s.execute(select(ServiceCI.service_id, ServiceCI.ci_id)):
        services.setdefault(sid, []).append(cid)
    incidents = list(
        s.execute(
            select(Ticket.id, Ticket.ci_id, Ticket.service_id, Ticket.channel)
            .where(
                Ticket.kind == TicketKind.INCIDENT,
                Ticket.status.in_(OPEN_STATUSES),
                Ticket.ci_id.is_not(None),
            )
            .order_by(Ticket.opened_at.desc(), Ticket.id.desc())
            .limit(12)
        )
    )
    rows: list[_Row] = []

    def at(minutes_ago: float) -> datetime:
        return (now - timedelta(minutes=minutes_ago)).replace(microsecond=0)

    ci_names = sorted(cis.items())
    for _ in range(170):  # routine: informational and warnings, many repeating, some recovered
        if ci_names and r.random() < 0.6:
            ci_id, node = r.choice(ci_names)
        else:
            ci_id, node = None, r.choice(OTHER_NODES)
        check, text = r.choice(ROUTINE)
        severity = r.choices((Severity.INFO, Severity.WARNING, Severity.MINOR), (50, 35, 15))[0]
        significance = Significance.INFORMATIONAL if severity is Severity.INFO else Significance.WARNING
        last = at(r.uniform(1, 360))
        count = r.choice((1, 1, 1, 2, 3, 5, 12))
        first = last - timedelta(minutes=r.randint(0, 5) * (count - 1))
        cleared = last + timedelta(minutes=r.randint(2, 30)) if r.random() < 0.3 else None
        if cleared is not None and cleared > now:
            cleared = None
        rows.append(
            _Row(node, check, r.choice(SOURCES), severity, significance, text.format(v=r.randint(2, 98)),
                 first, last, count, ci_id, cleared=cleared)
        )  # fmt: skip
    for tid, ci_id, _sid, channel in incidents[:8]:  # exceptions on the CIs of open incidents
        check, text = r.choice(EXCEPTIONS)
        last = at(r.uniform(2, 90))
        count = r.randint(1, 20)
        rows.append(
            _Row(cis[ci_id], check, r.choice(SOURCES), r.choice((Severity.CRITICAL, Severity.MAJOR)),
                 Significance.EXCEPTION, text.format(v=r.randint(30, 900)), last - timedelta(minutes=count),
                 last, count, ci_id, tid, opened=channel is Channel.EVENT)
        )  # fmt: skip
    storm = next(((tid, sid) for tid, _c, sid, _ch in incidents if sid in services), None)
    if storm is not None:  # a storm: the service's CIs all unreachable within two minutes
        tid, sid = storm
        start = at(25)
        for i, ci_id in enumerate(services[sid] * 3):
            seen = start + timedelta(seconds=7 * i)
            rows.append(
                _Row(cis[ci_id], "ping" if i % 2 else "tcp_connect", "prometheus", Severity.MAJOR,
                     Significance.EXCEPTION, "host unreachable (uplink down)", seen, seen, r.randint(1, 6),
                     ci_id, tid)
            )  # fmt: skip
    by_name = {name: cid for cid, name in cis.items()}
    rows.append(
        _Row("print-srv-01", "spooler", "zabbix", Severity.WARNING, Significance.WARNING, HOSTILE,
             at(3), at(3), 1, by_name.get("print-srv-01"))
    )  # fmt: skip
    return _unique(rows)


def _unique(rows: list[_Row]) -> list[_Row]:
    """One active alert per fingerprint (the table's rule): a repeat becomes a cleared earlier one."""
    seen: set[str] = set()
    for row in sorted(rows, key=lambda x: x.last, reverse=True):
        key = fingerprint(row.source, row.node, row.check)
        if row.cleared is None and key in seen:
            row.cleared = row.last + timedelta(minutes=1)
        elif row.cleared is None:
            seen.add(key)
    return sorted(rows, key=lambda x: x.last)


def _write(uow: UnitOfWork, rows: list[_Row]) -> None:
    s = uow.session
    top = take_numbers(s, COUNTER, len(rows))
    take_numbers(s, REVISION, 1)
    first_id = top - len(rows) + 1
    values = []
    for offset, row in enumerate(rows):
        fp = fingerprint(row.source, row.node, row.check)
        values.append(
            {
                "id": first_id + offset,
                "fingerprint": fp,
                "active_key": fp if row.cleared is None else None,
                "source": row.source,
                "node": row.node,
                "check": row.check,
                "severity": row.severity,
                "significance": row.significance,
                "message": row.message,
                "ci_id": row.ci_id,
                "ticket_id": row.ticket_id,
                "opened_ticket": row.opened,
                "count": row.count,
                "first_seen": row.first,
                "last_seen": row.last,
                "cleared_at": row.cleared,
            }
        )
    s.execute(insert(Event), values)
    refs = {tid: ref for tid, ref in s.execute(select(Ticket.id, Ticket.ref).where(Ticket.id.in_(
        {row.ticket_id for row in rows if row.ticket_id is not None})))}  # fmt: skip
    for offset, row in enumerate(rows):
        if row.ticket_id is not None:
            uow.audit(
                "event", first_id + offset, f"EVT-{first_id + offset}", "incident", None, refs[row.ticket_id]
            )
