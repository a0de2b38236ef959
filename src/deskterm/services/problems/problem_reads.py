"""Reading problems: one problem with its incidents, known errors and history, the list, and the
problems an incident is linked to.

Kept apart from the writes because the list and the detail view need their own queries (counts
of linked and still open incidents, the known errors of many problems at once); the writes only
call :func:`problem_view` to answer with the problem as it now stands.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from deskterm.domain.core.vocabulary import TicketStatus
from deskterm.domain.problems import problem as rules
from deskterm.domain.problems.problem import ProblemStatus
from deskterm.services.core import lookup
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput
from deskterm.services.core.views import AuditView
from deskterm.services.problems.problem_records import RECORD, find
from deskterm.services.problems.problem_views import LinkedIncident, ProblemRow, ProblemView
from deskterm.store.models import (
    AuditEntry,
    ConfigurationItem,
    KnownError,
    Problem,
    ProblemIncident,
    Service,
    Ticket,
)


def _known_error_refs(s: Session, problem_ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if not problem_ids:
        return out
    rows = s.execute(
        select(KnownError.problem_id, KnownError.ref)
        .where(KnownError.problem_id.in_(problem_ids))
        .order_by(KnownError.id)
    )
    for pid, ref in rows:
        if pid is not None:  # always: it is one of problem_ids
            out.setdefault(pid, []).append(ref)
    return out


def _incident_counts(s: Session, problem_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    if not problem_ids:
        return {}
    open_statuses = [st for st in TicketStatus if st.is_open]
    rows = s.execute(
        select(
            ProblemIncident.problem_id,
            func.count(),
            func.count().filter(Ticket.status.in_(open_statuses)),
        )
        .join(Ticket, Ticket.id == ProblemIncident.ticket_id)
        .where(ProblemIncident.problem_id.in_(problem_ids))
        .group_by(ProblemIncident.problem_id)
    )
    return {pid: (int(total), int(still_open)) for pid, total, still_open in rows}


def _row_fields(p: Problem, counts: tuple[int, int], kes: list[str]) -> dict[str, Any]:
    return {
        "ref": p.ref,
        "title": p.title,
        "status": p.status,
        "priority": p.priority,
        "service": p.service.name if p.service else None,
        "ci": p.ci.name if p.ci else None,
        "group": p.group.name if p.group else None,
        "assignee": p.assignee.login if p.assignee else None,
        "incidents": counts[0],
        "open_incidents": counts[1],
        "known_error": kes[-1] if kes else None,
        "fixing_change": p.fixing_change_ref,
        "opened_at": p.opened_at,
        "updated_at": p.updated_at,
        "version": p.version,
    }


def problem_view(s: Session, p: Problem) -> ProblemView:
    s.flush()
    s.refresh(p, ["service", "ci", "group", "assignee", "created_by"])
    linked_rows = s.execute(
        select(Ticket, ProblemIncident.linked_at)
        .join(ProblemIncident, ProblemIncident.ticket_id == Ticket.id)
        .where(ProblemIncident.problem_id == p.id)
        .options(selectinload(Ticket.caller))
        .order_by(Ticket.id)
    ).all()
    linked = [
        LinkedIncident(
            ref=t.ref,
            title=t.title,
            status=t.status,
            pending_reason=t.pending_reason,
            priority=t.priority,
            caller=t.caller.name,
            linked_at=at,
        )
        for t, at in linked_rows
    ]
    kes = _known_error_refs(s, [p.id]).get(p.id, [])
    history = s.scalars(
        select(AuditEntry)
        .where(AuditEntry.record_kind == RECORD, AuditEntry.record_id == p.id)
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.id)
    ).all()
    still_open = sum(1 for i in linked if i.status.is_open)
    return ProblemView(
        **_row_fields(p, (len(linked), still_open), kes),
        description=p.description,
        impact=p.impact,
        urgency=p.urgency,
        root_cause=p.root_cause,
        workaround=p.workaround,
        resolution=p.resolution,
        resolved_at=p.resolved_at,
        closed_at=p.closed_at,
        created_by=p.created_by.login,
        allowed_next=rules.allowed_next(p.status),
        linked=linked,
        known_errors=kes,
        history=[AuditView.of(e) for e in history],
    )


def get_problem(desk: Desk, ref: str) -> ProblemView:
    with desk.reading() as s:
        return problem_view(s, find(s, ref))


def problem_exists(desk: Desk, ref: str) -> str:
    """The canonical ref of an existing problem (for ``:PRB-3`` jumps)."""
    with desk.reading() as s:
        return find(s, ref).ref


def list_problems(
    desk: Desk,
    *,
    statuses: Sequence[ProblemStatus] = (),
    open_only: bool = False,
    text: str | None = None,
    service: str | None = None,
    limit: int = 200,
) -> list[ProblemRow]:
    """Problems, most urgent first, then the newest; ``text`` matches ref, title, service or CI."""
    if not 1 <= limit <= 10_000:
        raise InvalidInput("limit must be between 1 and 10000", field="limit")
    with desk.reading() as s:
        stmt = select(Problem).options(
            selectinload(Problem.service),
            selectinload(Problem.ci),
            selectinload(Problem.group),
            selectinload(Problem.assignee),
        )
        wanted = list(statuses) or ([st for st in ProblemStatus if st.is_open] if open_only else [])
        if wanted:
            stmt = stmt.where(Problem.status.in_(wanted))
        if service:
            stmt = stmt.where(Problem.service_id == lookup.service(s, service).id)
        for word in (text or "").split():
            like = f"%{word.lower()}%"
            stmt = stmt.where(
                or_(
                    func.lower(Problem.ref).like(like),
                    func.lower(Problem.title).like(like),
                    Problem.service.has(func.lower(Service.name).like(like)),
                    Problem.ci.has(func.lower(ConfigurationItem.name).like(like)),
                )
            )
        stmt = stmt.order_by(Problem.priority, Problem.opened_at.desc(), Problem.id.desc()).limit(limit)
        found = list(s.scalars(stmt))
        ids = [p.id for p in found]
        counts = _incident_counts(s, ids)
        kes = _known_error_refs(s, ids)
        return [ProblemRow(**_row_fields(p, counts.get(p.id, (0, 0)), kes.get(p.id, []))) for p in found]


def problems_of_ticket(desk: Desk, ref: str) -> list[str]:
    """The problems an incident is linked to, for its detail screen."""
    with desk.reading() as s:
        t = lookup.ticket(s, ref)
        return list(
            s.scalars(
                select(Problem.ref)
                .join(ProblemIncident, ProblemIncident.problem_id == Problem.id)
                .where(ProblemIncident.ticket_id == t.id)
                .order_by(Problem.id)
            )
        )
