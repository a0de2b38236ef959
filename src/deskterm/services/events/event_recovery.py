"""Recoveries during an ingest: a resolved event resolves the incident that its problem opened
when no other event of that incident is still active."""

from sqlalchemy import func, select

from deskterm.domain.core.vocabulary import ResolutionCode, TicketStatus
from deskterm.domain.events.events import Correlator, RecoveryAction, Significance, on_recovery
from deskterm.domain.tickets import incident
from deskterm.services.core.commands import UpdateTicket
from deskterm.services.core.context import Desk, UnitOfWork
from deskterm.services.events.event_batch import IngestSummary, _plain, _Row
from deskterm.services.sla import clocks
from deskterm.services.tickets import tickets
from deskterm.store.models import Event as EventRecord
from deskterm.store.models import Ticket
from deskterm.store.queries.tickets import OPEN_STATUSES


class Recoveries:
    """The part of an ingest run that handles recovered events (mixed into the run)."""

    # what the run (``event_ingest._Ingest``) provides
    desk: Desk
    correlator: Correlator
    agreements: clocks.Applicable | None

    def _real(self, ticket_id: int | None) -> int | None:
        raise NotImplementedError

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
