"""Small builders for service tests: callers, groups, agents, tickets and what the store recorded.

Groups, agents and role grants are added through a unit of work directly (quicker than a team
file); everything else goes through the public services with validated commands.
"""

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from deskterm.domain.core.vocabulary import Tier
from deskterm.services.catalogue import catalogue
from deskterm.services.core.commands import (
    AddCI,
    AddContact,
    AddNote,
    AddService,
    LogIncident,
    UpdateTicket,
    validate,
)
from deskterm.services.core.context import Desk
from deskterm.services.core.views import CIView, ContactView, NoteView, ServiceView, TicketView
from deskterm.services.people import people
from deskterm.services.tickets import tickets
from deskterm.store.models import Agent, AuditEntry, Group, Ticket
from deskterm.store.models.access import AgentRole


def contact(desk: Desk, name: str = "Wang Wei", **kw: Any) -> ContactView:
    return people.add_contact(desk, validate(AddContact, name=name, **kw))


def group(desk: Desk, name: str, *, tier: Tier = Tier.T2, members: tuple[str, ...] = ()) -> int:
    """A support group with ``members`` (agent logins that must exist already)."""
    with desk.writing() as uow:
        grp = Group(name=name, tier=tier)
        if members:
            grp.members = list(uow.session.scalars(select(Agent).where(Agent.login.in_(members))))
            assert len(grp.members) == len(members), f"unknown member in {members}"
        uow.session.add(grp)
        uow.session.flush()
        return grp.id


def agent(desk: Desk, login: str, *, groups: tuple[str, ...] = (), active: bool = True) -> int:
    """An agent without an OS account (as an admin would add a colleague), in ``groups``."""
    with desk.writing() as uow:
        new = Agent(
            login=login,
            display_name=login.title(),
            cost_per_hour=Decimal("40"),
            active=active,
            created_at=uow.now,
        )
        if groups:
            new.groups = list(uow.session.scalars(select(Group).where(Group.name.in_(groups))))
            assert len(new.groups) == len(groups), f"unknown group in {groups}"
        uow.session.add(new)
        uow.session.flush()
        return new.id


def grant(desk: Desk, login: str, *roles: str) -> None:
    """Give ``login`` roles directly (as a team file would): for tests whose agent needs one."""
    with desk.writing() as uow:
        a = uow.session.scalar(select(Agent).where(Agent.login == login))
        assert a is not None, f"no agent {login}"
        held = set(uow.session.scalars(select(AgentRole.role).where(AgentRole.agent_id == a.id)))
        uow.session.add_all(AgentRole(agent_id=a.id, role=r) for r in roles if r not in held)


def join(desk: Desk, login: str, group_name: str) -> None:
    with desk.writing() as uow:
        a = uow.session.scalar(select(Agent).where(Agent.login == login))
        g = uow.session.scalar(select(Group).where(Group.name == group_name))
        assert a is not None and g is not None
        a.groups.append(g)


def set_active(desk: Desk, login: str, active: bool) -> None:
    with desk.writing() as uow:
        a = uow.session.scalar(select(Agent).where(Agent.login == login))
        assert a is not None
        a.active = active


def service(desk: Desk, name: str, **kw: Any) -> ServiceView:
    return catalogue.add_service(desk, validate(AddService, name=name, **kw))


def ci(desk: Desk, name: str, ci_type: str = "server", **kw: Any) -> CIView:
    return catalogue.add_ci(desk, validate(AddCI, name=name, ci_type=ci_type, **kw))


def log(
    desk: Desk,
    title: str = "Mail is down",
    caller: str = "Wang Wei",
    impact: str = "medium",
    urgency: str = "medium",
    **kw: Any,
) -> TicketView:
    cmd = validate(LogIncident, title=title, caller=caller, impact=impact, urgency=urgency, **kw)
    return tickets.log_incident(desk, cmd)


def update(desk: Desk, ref: str, **kw: Any) -> TicketView:
    return tickets.update_ticket(desk, validate(UpdateTicket, ref=ref, **kw))


def note(desk: Desk, ref: str, body: str = "looked into it", **kw: Any) -> NoteView:
    return tickets.add_note(desk, validate(AddNote, ref=ref, body=body, **kw))


def audit_rows(desk: Desk, ref: str) -> list[tuple[str, str | None, str | None, int | None]]:
    """(field, old, new, version) of every audit row of one ticket, in the order written."""
    with desk.reading() as s:
        ticket_id = s.scalar(select(Ticket.id).where(Ticket.ref == ref))
        rows = s.execute(
            select(AuditEntry.field, AuditEntry.old, AuditEntry.new, AuditEntry.version)
            .where(AuditEntry.record_kind == "ticket", AuditEntry.record_id == ticket_id)
            .order_by(AuditEntry.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def audit_count(desk: Desk) -> int:
    with desk.reading() as s:
        return len(s.scalars(select(AuditEntry.id)).all())
