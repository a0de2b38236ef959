"""What an ingest is made of: its limits and summary, what the desk knows about nodes (services
and CIs), the rows of one batch, ref numbers taken in bulk, and bulk writes at driver speed."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from deskterm.domain.core.vocabulary import Criticality, Tier
from deskterm.domain.events.events import Alert, Event
from deskterm.store.base import UTCDateTime
from deskterm.store.models import ConfigurationItem, Group, RefCounter, Service, ServiceCI

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
