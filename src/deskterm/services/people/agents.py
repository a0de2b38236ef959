"""Agents and groups, one by one: add, update, deactivate, membership; and ``whoami``.

These are the CLI's and the admin screen's commands; ``team apply`` does the same from a file
(:mod:`deskterm.services.people.team`) through the same helpers, so a role or account change is
audited alike whichever way it came. Every function here needs the admin role.
"""

from collections.abc import Iterable, Sequence
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from deskterm.domain.core.permissions import GRANTED, Action, Role, ordered
from deskterm.domain.core.text import single_line
from deskterm.domain.core.vocabulary import Tier
from deskterm.services.core import access, lookup, races
from deskterm.services.core.context import Desk, UnitOfWork
from deskterm.services.core.errors import Conflict, InvalidInput
from deskterm.services.core.views import GroupView, View
from deskterm.store.models import Agent, Group
from deskterm.store.models.access import AgentAccount, AgentRole
from deskterm.store.queries import access as q

ACCOUNT_KINDS = {"os": "os_accounts", "db": "db_roles", "ssh": "ssh_keys"}


class AgentDetail(View):
    login: str
    display_name: str
    email: str | None
    phone: str | None
    cost_per_hour: Decimal
    active: bool
    roles: list[str]  # granted ones; whoami shows the effective ones
    groups: list[str]
    os_accounts: list[str]
    db_roles: list[str]
    ssh_keys: list[str]


class WhoamiView(View):
    login: str
    display_name: str
    active: bool
    roles: list[str]
    groups: list[str]
    desk: str  # "personal" or "team"
    established_by: str


class AgentFields(BaseModel):
    """What an admin sets on an agent; None leaves a field as it is (on update)."""

    display_name: str | None = None
    email: str | None = None
    phone: str | None = None
    cost_per_hour: Decimal | None = None
    roles: list[str] | None = None
    os_accounts: list[str] | None = None
    db_roles: list[str] | None = None
    ssh_keys: list[str] | None = None


def detail(s: Session, a: Agent) -> AgentDetail:
    return AgentDetail(
        login=a.login,
        display_name=a.display_name,
        email=a.email,
        phone=a.phone,
        cost_per_hour=a.cost_per_hour,
        active=a.active,
        roles=q.granted_roles(s, a.id),
        groups=[g.name for g in a.groups],
        os_accounts=q.accounts(s, a.id, "os"),
        db_roles=q.accounts(s, a.id, "db"),
        ssh_keys=q.accounts(s, a.id, "ssh"),
    )


def check_roles(roles: Iterable[str], where: str) -> list[str]:
    out: list[str] = []
    for r in roles:
        name = r.strip().lower()
        if name not in GRANTED:
            known = ", ".join(ordered(GRANTED))
            raise InvalidInput(f"{where}: {r!r} is not a role an admin grants; use {known}", field="roles")
        if name not in out:
            out.append(name)
    return out


def set_roles(uow: UnitOfWork, a: Agent, roles: Sequence[str]) -> bool:
    """Replace the granted roles; audited as one row (old and new lists)."""
    s = uow.session
    old = q.granted_roles(s, a.id)
    new = sorted(set(roles))
    if old == new:
        return False
    s.execute(delete(AgentRole).where(AgentRole.agent_id == a.id))
    s.add_all(AgentRole(agent_id=a.id, role=r) for r in new)
    uow.audit("agent", a.id, a.login, "roles", ", ".join(old) or None, ", ".join(new) or None)
    return True


def set_accounts(uow: UnitOfWork, a: Agent, kind: str, names: Sequence[str]) -> bool:
    """Replace the accounts of one kind; an account already acting as another agent conflicts."""
    s = uow.session
    old = q.accounts(s, a.id, kind)
    new = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if old == new:
        return False
    for name in new:
        other = q.agent_for_account(s, kind, name)
        if other is not None and other != a.id:
            owner = s.get(Agent, other)
            raise Conflict(
                f"{ACCOUNT_KINDS[kind]} {name!r} already acts as {owner.login if owner else other}; "
                f"remove it there first",
                field=ACCOUNT_KINDS[kind],
            )
    s.execute(delete(AgentAccount).where(AgentAccount.agent_id == a.id, AgentAccount.kind == kind))
    s.flush()
    s.add_all(AgentAccount(agent_id=a.id, kind=kind, name=n) for n in new)
    label = ACCOUNT_KINDS[kind]
    uow.audit("agent", a.id, a.login, label, ", ".join(old) or None, ", ".join(new) or None)
    return True


def set_field(uow: UnitOfWork, a: Agent, name: str, value: object) -> bool:
    old = getattr(a, name)
    if old == value:
        return False
    setattr(a, name, value)
    uow.audit("agent", a.id, a.login, name, old, value)
    return True


def apply_fields(uow: UnitOfWork, a: Agent, fields: AgentFields, where: str) -> bool:
    changed = False
    if fields.display_name is not None:
        name = single_line(fields.display_name)
        if not name or len(name) > 120:
            raise InvalidInput(f"{where}: name is 1 to 120 characters", field="name")
        changed |= set_field(uow, a, "display_name", name)
    for attr in ("email", "phone"):
        value = getattr(fields, attr)
        if value is not None:
            changed |= set_field(uow, a, attr, single_line(value) or None)
    if fields.cost_per_hour is not None:
        if fields.cost_per_hour < 0:
            raise InvalidInput(f"{where}: cost_per_hour is 0 or more", field="cost_per_hour")
        changed |= set_field(uow, a, "cost_per_hour", Decimal(fields.cost_per_hour).quantize(Decimal("0.01")))
    if fields.roles is not None:
        changed |= set_roles(uow, a, check_roles(fields.roles, where))
    for kind, attr in ACCOUNT_KINDS.items():
        names = getattr(fields, attr)
        if names is not None:
            changed |= set_accounts(uow, a, kind, names)
    return changed


def check_login(login: str) -> str:
    login = login.strip()
    if not login or len(login) > 64 or any(c.isspace() for c in login):
        raise InvalidInput(f"the login {login!r} must be 1 to 64 characters without spaces", field="login")
    return login


def new_agent(uow: UnitOfWork, login: str) -> Agent:
    s = uow.session
    if s.scalar(select(Agent.id).where(func.lower(Agent.login) == login.lower())) is not None:
        raise Conflict(f"an agent {login!r} exists already; change it with deskterm agent update {login}")
    a = Agent(login=login, display_name=login, cost_per_hour=Decimal("0"), active=True, created_at=uow.now)
    s.add(a)
    s.flush()
    uow.audit("agent", a.id, a.login, "created", None, login)
    return a


def _done(desk: Desk, s: Session, a: Agent) -> AgentDetail:
    s.flush()
    s.refresh(a, ["groups"])
    desk.forget_actor()  # roles or accounts may have changed who this desk acts as
    return detail(s, a)


def add_agent(desk: Desk, login: str, fields: AgentFields) -> AgentDetail:
    login = check_login(login)
    with desk.writing() as uow:
        access.require(uow, Action.TEAM_MANAGE)
        a = new_agent(uow, login)
        apply_fields(uow, a, fields.model_copy(update={"display_name": fields.display_name or login}), login)
        return _done(desk, uow.session, a)


def update_agent(desk: Desk, login: str, fields: AgentFields) -> AgentDetail:
    with desk.writing() as uow:
        access.require(uow, Action.TEAM_MANAGE)
        a = lookup.agent(uow.session, login)
        apply_fields(uow, a, fields, a.login)
        return _done(desk, uow.session, a)


def set_active(desk: Desk, login: str, active: bool) -> AgentDetail:
    """Deactivate (the agent can no longer act; their tickets stay) or reactivate."""
    with desk.writing() as uow:
        access.require(uow, Action.TEAM_MANAGE)
        a = lookup.agent(uow.session, login)
        if a.id == uow.actor.id and not active:
            raise InvalidInput(f"{a.login} cannot deactivate themselves; another admin has to")
        set_field(uow, a, "active", active)
        return _done(desk, uow.session, a)


def list_agents(desk: Desk) -> list[AgentDetail]:
    with desk.reading() as s:
        rows = s.scalars(select(Agent).options(selectinload(Agent.groups)).order_by(Agent.login))
        return [detail(s, a) for a in rows]


def whoami(desk: Desk) -> WhoamiView:
    """Who this desk acts as, with the roles they act with and how that was established."""
    actor_id = desk.actor_id
    with desk.reading() as s:
        a = s.scalar(select(Agent).options(selectinload(Agent.groups)).where(Agent.id == actor_id))
        assert a is not None
        return WhoamiView(
            login=a.login,
            display_name=a.display_name,
            active=a.active,
            roles=[r.value for r in ordered(access.roles_of(s, a))],
            groups=[g.name for g in a.groups],
            desk="team" if q.is_team_desk(s) else "personal",
            established_by=desk.established_by,
        )


# -- groups -----------------------------------------------------------------------------------


def _tier(value: str | int, where: str) -> Tier:
    try:
        return Tier(str(value))
    except ValueError:
        raise InvalidInput(f"{where}: tier is 1, 2 or 3, not {value!r}", field="tier") from None


def set_group(
    uow: UnitOfWork, g: Group, *, tier: Tier | None, lead: Agent | bool | None, description: str | None
) -> bool:
    """Set what is given (``lead=False`` leaves the lead as it is); audited per field."""
    changed = False
    if tier is not None and tier != g.tier:
        uow.audit("group", g.id, g.name, "tier", g.tier.value, tier.value)
        g.tier, changed = tier, True
    if lead is not False and (lead.id if isinstance(lead, Agent) else None) != g.lead_id:
        new_lead = lead if isinstance(lead, Agent) else None
        uow.audit(
            "group",
            g.id,
            g.name,
            "lead",
            g.lead.login if g.lead else None,
            new_lead.login if new_lead else None,
        )
        g.lead, changed = new_lead, True
    if description is not None and (description or None) != g.description:
        uow.audit("group", g.id, g.name, "description", g.description, description or None)
        g.description, changed = description or None, True
    return changed


def set_members(uow: UnitOfWork, g: Group, members: Sequence[Agent]) -> bool:
    old = [m.login for m in g.members]
    new = sorted({m.login: m for m in members}.values(), key=lambda m: m.login)
    if old == [m.login for m in new]:
        return False
    g.members = list(new)
    uow.audit(
        "group", g.id, g.name, "members", ", ".join(old) or None, ", ".join(m.login for m in new) or None
    )
    return True


def new_group(uow: UnitOfWork, name: str, tier: Tier) -> Group:
    name = single_line(name)
    if not name or len(name) > 80:
        raise InvalidInput("a group name is 1 to 80 characters", field="name")
    s = uow.session
    if s.scalar(select(Group.id).where(func.lower(Group.name) == name.lower())) is not None:
        raise Conflict(f"a group named {name!r} exists already; change it with deskterm group update")
    g = Group(name=name, tier=tier)
    s.add(g)
    s.flush()
    uow.audit("group", g.id, g.name, "created", None, name)
    return g


def add_group(
    desk: Desk, name: str, *, tier: str | int = 1, lead: str | None = None, description: str | None = None
) -> GroupView:
    with desk.writing() as uow:
        access.require(uow, Action.TEAM_MANAGE)
        g = new_group(uow, name, _tier(tier, name))
        boss = lookup.agent(uow.session, lead) if lead else None
        set_group(uow, g, tier=None, lead=boss, description=description)
        uow.session.flush()
        return GroupView.of(g)


def update_group(
    desk: Desk,
    name: str,
    *,
    tier: str | int | None = None,
    lead: str | None = None,
    description: str | None = None,
) -> GroupView:
    """``lead=""`` removes the lead; None leaves it."""
    with desk.writing() as uow:
        access.require(uow, Action.TEAM_MANAGE)
        s = uow.session
        g = lookup.group(s, name)
        boss: Agent | bool | None = False if lead is None else (lookup.agent(s, lead) if lead else None)
        set_group(
            uow, g, tier=_tier(tier, g.name) if tier is not None else None, lead=boss, description=description
        )
        s.flush()
        return GroupView.of(g)


@races.retried
def member(desk: Desk, group_name: str, login: str, *, add: bool) -> GroupView:
    """Add or remove one member; idempotent, also when several desks do it at once."""
    with desk.writing() as uow:
        access.require(uow, Action.TEAM_MANAGE)
        s = uow.session
        g = lookup.group(s, group_name)
        a = lookup.agent(s, login)
        members = [m for m in g.members if m.id != a.id] + ([a] if add else [])
        set_members(uow, g, members)
        s.flush()
        desk.forget_actor()
        return GroupView.of(g)


def has_role(s: Session, agent_id: int, role: Role) -> bool:
    return role.value in q.granted_roles(s, agent_id)
