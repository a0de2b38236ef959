"""Use cases on people: the acting agent, agents and groups, callers (contacts)."""

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from deskterm.domain.core.permissions import Action
from deskterm.services.core import access
from deskterm.services.core.commands import AddContact
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import Conflict
from deskterm.services.core.views import AgentView, ContactView, GroupView
from deskterm.store.models import Agent, Contact, Group


def whoami(desk: Desk) -> AgentView:
    """The agent this OS account acts as (enrolled on first use); read-only, so a viewer sees it."""
    actor_id = desk.actor_id
    with desk.reading() as s:
        agent = s.scalar(select(Agent).options(selectinload(Agent.groups)).where(Agent.id == actor_id))
        assert agent is not None
        return AgentView.of(agent)


def list_agents(desk: Desk) -> list[AgentView]:
    with desk.reading() as s:
        rows = s.scalars(select(Agent).options(selectinload(Agent.groups)).order_by(Agent.login))
        return [AgentView.of(a) for a in rows]


def list_groups(desk: Desk) -> list[GroupView]:
    with desk.reading() as s:
        rows = s.scalars(
            select(Group)
            .options(selectinload(Group.members), selectinload(Group.lead))
            .order_by(Group.tier, Group.name)
        )
        return [GroupView.of(g) for g in rows]


def add_contact(desk: Desk, cmd: AddContact) -> ContactView:
    """A new caller; an e-mail another caller has (in any case) is refused with exit 5."""
    with desk.writing() as uow:
        access.require(uow, Action.CONTACT_WRITE)
        if cmd.email:
            same = uow.session.scalar(
                select(Contact)
                .where(func.lower(Contact.email) == cmd.email.strip().lower())
                .order_by(Contact.id)
                .limit(1)
            )
            if same is not None:
                raise Conflict(
                    f"{same.name} (#{same.id}) already has the e-mail {same.email}; log calls for "
                    f"#{same.id}, or give the new caller another e-mail"
                )
        contact = Contact(
            name=cmd.name,
            email=cmd.email,
            phone=cmd.phone,
            organisation=cmd.organisation,
            vip=cmd.vip,
            created_at=uow.now,
        )
        uow.session.add(contact)
        uow.session.flush()
        uow.audit("contact", contact.id, None, "created", None, contact.name)
        return ContactView.of(contact)


def find_contacts(desk: Desk, text: str = "", limit: int = 50) -> list[ContactView]:
    """Callers whose name, email or phone contains ``text``."""
    with desk.reading() as s:
        stmt = select(Contact).order_by(Contact.name, Contact.id).limit(limit)
        if text.strip():
            pattern = f"%{text.strip().lower()}%"
            stmt = stmt.where(
                or_(
                    func.lower(Contact.name).like(pattern),
                    func.lower(Contact.email).like(pattern),
                    Contact.phone.like(pattern),
                )
            )
        return [ContactView.of(c) for c in s.scalars(stmt)]
