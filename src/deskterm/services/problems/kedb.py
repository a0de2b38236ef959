"""The known error database: search as the agent types, read, retire, apply to an incident.

Search ranks in the domain (``domain.kedb``). The index of active known errors is built once
per database and kept while a cheap fingerprint query (count, newest change) says it is
current, so each keystroke costs one indexed query and a look-up in memory, also with
thousands of known errors. Another process's new known error changes the fingerprint.
"""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from deskterm.domain.core.permissions import Action
from deskterm.domain.core.refs import RefError, RefKind, parse_ref
from deskterm.domain.core.vocabulary import Channel, TicketKind
from deskterm.domain.problems.kedb import KedbIndex, KnownErrorDoc, keyword_list
from deskterm.domain.problems.problem import KnownErrorStatus, ProblemStatus
from deskterm.services.core import access, lookup
from deskterm.services.core.commands import UpdateTicket
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput, NotFound
from deskterm.services.core.views import AuditView, View
from deskterm.services.problems import problem_records, problems
from deskterm.services.problems.kedb_index import CACHE, LOCK, KnownErrorHit, forget_index
from deskterm.services.tickets import tickets
from deskterm.store.models import (
    AuditEntry,
    KnownError,
    KnownErrorIncident,
    ProblemIncident,
    Ticket,
)


class KnownErrorView(View):
    ref: str
    title: str
    status: KnownErrorStatus
    symptom: str
    root_cause: str
    workaround: str
    keywords: list[str]
    services: list[str]
    cis: list[str]
    problem: str | None
    problem_status: ProblemStatus | None
    incidents: list[str]
    created_at: datetime
    updated_at: datetime
    created_by: str
    version: int
    history: list[AuditView]


class Applied(View):
    ticket: str
    known_error: str
    problem: str | None  # the KE's open problem, now linked to the incident too
    notified: bool
    ticket_version: int


def find(s: Session, ref: str, *, for_update: bool = False) -> KnownError:
    """The known error ``ref``; ``for_update`` locks it, so that racing edits happen one by one."""
    try:
        parsed = parse_ref(ref)
    except RefError as exc:
        raise InvalidInput(str(exc), field="ref") from None
    if parsed.kind is not RefKind.KE:
        raise InvalidInput(f"{parsed} is not a known error; known error refs start with KE", field="ref")
    stmt = select(KnownError).where(KnownError.ref == str(parsed))
    found = s.scalar(stmt.with_for_update() if for_update else stmt)
    if found is None:
        raise NotFound(f"there is no known error {parsed}; deskterm kedb search WORDS finds them")
    return found


def known_error_exists(desk: Desk, ref: str) -> str:
    with desk.reading() as s:
        return find(s, ref).ref


def _fingerprint(s: Session) -> tuple[object, ...]:
    row = s.execute(
        select(
            func.count(KnownError.id),
            func.max(KnownError.updated_at),
            func.max(KnownError.id),
            func.sum(KnownError.version),
        )
    ).one()
    return tuple(row)


def _index(desk: Desk) -> tuple[KedbIndex, dict[str, KnownErrorHit]]:
    key = desk.settings.db
    with desk.reading() as s:
        mark = _fingerprint(s)
        with LOCK:
            cached = CACHE.get(key)
        if cached is not None and cached[0] == mark:
            return cached[1], cached[2]
        rows = s.scalars(
            select(KnownError)
            .where(KnownError.status == KnownErrorStatus.ACTIVE)
            .options(
                selectinload(KnownError.services),
                selectinload(KnownError.cis),
                selectinload(KnownError.problem),
            )
            .order_by(KnownError.id)
        ).all()
        docs, cards = [], {}
        for ke in rows:
            services = [x.name for x in ke.services]
            cis = [x.name for x in ke.cis]
            docs.append(
                KnownErrorDoc(
                    ref=ke.ref,
                    title=ke.title,
                    symptom=ke.symptom,
                    root_cause=ke.root_cause,
                    workaround=ke.workaround,
                    keywords=ke.keywords,
                    services=frozenset(services),
                    cis=frozenset(cis),
                )
            )
            cards[ke.ref] = KnownErrorHit(
                ref=ke.ref,
                title=ke.title,
                symptom=ke.symptom,
                workaround=ke.workaround,
                keywords=ke.keywords,
                services=services,
                cis=cis,
                problem=ke.problem.ref if ke.problem else None,
            )
    index = KedbIndex.build(docs)
    with LOCK:
        CACHE[key] = (mark, index, cards)
    return index, cards


def search(
    desk: Desk,
    text: str,
    *,
    service: str | None = None,
    ci: str | None = None,
    limit: int = 8,
    typing: bool = False,
) -> list[KnownErrorHit]:
    """Active known errors for ``text``, best first; those of the same service or CI rank higher.
    ``typing`` treats the last word as unfinished (it matches as a prefix too)."""
    if not 1 <= limit <= 200:
        raise InvalidInput("limit must be between 1 and 200", field="limit")
    if not (text or "").strip():
        return []
    index, cards = _index(desk)
    hits = index.search(text, service=service, ci=ci, limit=limit, typing=typing)
    return [
        cards[h.ref].model_copy(
            update={
                "score": h.score,
                "matched": h.matched,
                "same_service": h.same_service,
                "same_ci": h.same_ci,
            }
        )
        for h in hits
    ]


def list_known_errors(
    desk: Desk, *, include_retired: bool = False, service: str | None = None, limit: int = 200
) -> list[KnownErrorHit]:
    with desk.reading() as s:
        stmt = select(KnownError).options(
            selectinload(KnownError.services), selectinload(KnownError.cis), selectinload(KnownError.problem)
        )
        if not include_retired:
            stmt = stmt.where(KnownError.status == KnownErrorStatus.ACTIVE)
        if service:
            svc = lookup.service(s, service)
            stmt = stmt.where(KnownError.services.any(id=svc.id))
        rows = s.scalars(stmt.order_by(KnownError.id).limit(limit)).all()
        return [
            KnownErrorHit(
                ref=k.ref,
                title=k.title,
                symptom=k.symptom,
                workaround=k.workaround,
                keywords=k.keywords,
                services=[x.name for x in k.services],
                cis=[x.name for x in k.cis],
                problem=k.problem.ref if k.problem else None,
            )
            for k in rows
        ]


def _view(s: Session, ke: KnownError) -> KnownErrorView:
    s.flush()
    s.refresh(ke, ["services", "cis", "problem", "created_by"])
    incidents = list(
        s.scalars(
            select(Ticket.ref)
            .join(KnownErrorIncident, KnownErrorIncident.ticket_id == Ticket.id)
            .where(KnownErrorIncident.known_error_id == ke.id)
            .order_by(Ticket.id)
        )
    )
    history = s.scalars(
        select(AuditEntry)
        .where(AuditEntry.record_kind == problem_records.KE_RECORD, AuditEntry.record_id == ke.id)
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.id)
    ).all()
    return KnownErrorView(
        ref=ke.ref,
        title=ke.title,
        status=ke.status,
        symptom=ke.symptom,
        root_cause=ke.root_cause,
        workaround=ke.workaround,
        keywords=keyword_list(ke.keywords),
        services=[x.name for x in ke.services],
        cis=[x.name for x in ke.cis],
        problem=ke.problem.ref if ke.problem else None,
        problem_status=ke.problem.status if ke.problem else None,
        incidents=incidents,
        created_at=ke.created_at,
        updated_at=ke.updated_at,
        created_by=ke.created_by.login,
        version=ke.version,
        history=[AuditView.of(e) for e in history],
    )


def get_known_error(desk: Desk, ref: str) -> KnownErrorView:
    with desk.reading() as s:
        return _view(s, find(s, ref))


def set_status(desk: Desk, ref: str, status: KnownErrorStatus) -> KnownErrorView:
    """Retire a known error whose cause is gone (it leaves the search), or bring one back."""
    with desk.writing() as uow:
        access.require(uow, Action.KEDB_PUBLISH)
        ke = find(uow.session, ref, for_update=True)  # a racing desk then sees the new status: a no-op
        if ke.status is not status:
            old = ke.status
            ke.status = status
            ke.version += 1
            ke.updated_at = uow.now
            uow.audit(problem_records.KE_RECORD, ke.id, ke.ref, "status", old.value, status.value, ke.version)
        view = _view(uow.session, ke)
    forget_index()
    return view


def apply_known_error(
    desk: Desk,
    ke_ref: str,
    ticket_ref: str,
    *,
    notify_caller: bool = False,
    channel: Channel | None = None,
    expected_version: int | None = None,
) -> Applied:
    """Apply a known error to an incident in one transaction: link them, record the workaround
    on the incident, link the incident to the KE's open problem, and with ``notify_caller``
    send the workaround to the caller as a public update."""
    with desk.writing() as uow:
        access.require(uow, Action.TICKET_WRITE)  # the desk applies workarounds: ticket work
        s = uow.session
        ke = find(s, ke_ref)
        if ke.status is not KnownErrorStatus.ACTIVE:
            raise InvalidInput(f"{ke.ref} is retired; search the KEDB for a current known error", field="ref")
        t = lookup.ticket(s, ticket_ref, for_update=True)
        if t.kind is not TicketKind.INCIDENT:
            raise InvalidInput(
                f"{t.ref} is a service request; known errors apply to incidents", field="ticket"
            )
        if not t.status.is_open:
            raise InvalidInput(
                f"{t.ref} is {t.status.value}; reopen it first to apply a workaround", field="ticket"
            )
        if s.get(KnownErrorIncident, (ke.id, t.id)) is not None:
            raise InvalidInput(f"{ke.ref} was already applied to {t.ref}", field="ref")
        tickets.apply_update(
            desk, uow, t, UpdateTicket(ref=t.ref, expected_version=expected_version, workaround=ke.workaround)
        )
        s.add(
            KnownErrorIncident(
                known_error_id=ke.id, ticket_id=t.id, applied_at=uow.now, applied_by_id=uow.actor.id
            )
        )
        uow.audit(tickets.RECORD, t.id, t.ref, "known error", None, ke.ref, t.version)
        uow.audit(problem_records.KE_RECORD, ke.id, ke.ref, "applied to", None, t.ref, ke.version)
        linked_problem = None
        p = ke.problem
        if p is not None and p.status.is_open and s.get(ProblemIncident, (p.id, t.id)) is None:
            problems.link_in(desk, uow, p, t)
            linked_problem = p.ref
        if notify_caller:
            body = f"There is a known workaround for this issue ({ke.ref}):\n{ke.workaround}"
            tickets.append_note(uow, t, body, public=True, channel=channel, minutes=0)
        s.flush()
        return Applied(
            ticket=t.ref,
            known_error=ke.ref,
            problem=linked_problem,
            notified=notify_caller,
            ticket_version=t.version,
        )


def known_errors_of_ticket(desk: Desk, ref: str) -> list[str]:
    with desk.reading() as s:
        t = lookup.ticket(s, ref)
        return list(
            s.scalars(
                select(KnownError.ref)
                .join(KnownErrorIncident, KnownErrorIncident.known_error_id == KnownError.id)
                .where(KnownErrorIncident.ticket_id == t.id)
                .order_by(KnownError.id)
            )
        )
