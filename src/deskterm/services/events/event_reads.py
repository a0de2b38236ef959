"""Reading events: the console's list (by severity, source and CI), one event with its history,
the revision that tells the console something changed, and the facets to filter by."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select

from deskterm.domain.core.refs import RefError, RefKind, parse_ref
from deskterm.domain.core.vocabulary import TicketStatus
from deskterm.domain.events.events import Severity, Significance
from deskterm.services.core import lookup
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput, NotFound
from deskterm.services.events.event_batch import REVISION
from deskterm.store.models import ConfigurationItem, RefCounter, Service, ServiceCI, Ticket
from deskterm.store.models import Event as EventRecord

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
