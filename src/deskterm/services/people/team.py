"""The team as code: agents and groups from one TOML file (``deskterm team apply | export``).

``apply`` validates the whole file first (syntax, every field, every login a group names, no
account acting as two agents) and changes nothing on any error, naming the entry and the
field. Agents and groups on the desk but not in the file stay, unless ``prune``: then agents
are deactivated (their tickets stay theirs) and groups removed. ``dry_run`` runs the very same
code and rolls it back, so what it prints is exactly what applying would do.

Applying a team turns a personal desk into a team desk: from then on nobody is enrolled
automatically and each agent is established by an account the file lists. So that an admin
cannot lock the desk, the file must leave the one applying it an active admin.
"""

import tomllib
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any, Literal, TypeVar

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from deskterm.domain.core.permissions import GRANTED, Action, ordered
from deskterm.domain.core.vocabulary import Tier
from deskterm.services.core import access, races
from deskterm.services.core.context import Desk, UnitOfWork
from deskterm.services.core.errors import ConcurrentInsert, Conflict, InvalidInput
from deskterm.services.people import agents
from deskterm.store.models import Agent, Group
from deskterm.store.models.access import DeskSetting
from deskterm.store.queries import access as q

T = TypeVar("T")


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgentDef(_Entry):
    login: str = Field(min_length=1, max_length=64, pattern=r"^\S+$")
    name: str = Field(min_length=1, max_length=120)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    cost_per_hour: Decimal = Field(default=Decimal("0"), ge=0)
    roles: list[str] = []  # none: an ordinary agent
    os_accounts: list[str] = []
    db_roles: list[str] = []
    ssh_keys: list[str] = []
    active: bool = True


class GroupDef(_Entry):
    name: str = Field(min_length=1, max_length=80)
    tier: Literal[1, 2, 3] = 1
    lead: str | None = None
    members: list[str] = []
    description: str | None = Field(default=None, max_length=500)


class TeamFile(_Entry):
    agent: list[AgentDef] = []
    group: list[GroupDef] = []


class TeamApplySummary(BaseModel):
    added: list[str]
    changed: list[str]
    removed: list[str]
    dry_run: bool


class _DryRun(Exception):
    def __init__(self, summary: TeamApplySummary) -> None:
        self.summary = summary


def _where(exc: ValidationError, raw: dict[str, Any]) -> str:
    err = exc.errors()[0]
    loc = list(err["loc"])
    label = ""
    if len(loc) >= 2 and isinstance(loc[1], int) and loc[0] in ("agent", "group"):
        entries = raw.get(str(loc[0]), [])
        entry = entries[loc[1]] if loc[1] < len(entries) and isinstance(entries[loc[1]], dict) else {}
        key = entry.get("login" if loc[0] == "agent" else "name")
        label = f"[[{loc[0]}]] {key!r}" if key else f"[[{loc[0]}]] number {loc[1] + 1}"
        loc = loc[2:]
    field = ".".join(str(p) for p in loc)
    return f"{label} field {field}: {err['msg']}" if label else f"{field}: {err['msg']}"


def parse(text: str, source: str = "the file") -> TeamFile:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{source} is not valid TOML ({exc}); nothing was changed") from None
    try:
        return TeamFile.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(f"{source}: {_where(exc, raw)}; nothing was changed") from None


def _check(s: Session, team: TeamFile, source: str, prune: bool) -> None:
    """Everything the file refers to, before anything is written: or the first problem, named."""

    def fail(what: str) -> InvalidInput:
        return InvalidInput(f"{source}: {what}; nothing was changed")

    logins: set[str] = set()
    seen: dict[tuple[str, str], str] = {}
    for a in team.agent:
        if a.login.lower() in logins:
            raise fail(f"[[agent]] {a.login!r} field login: defined twice")
        logins.add(a.login.lower())
        for r in a.roles:
            if r.strip().lower() not in GRANTED:
                grantable = ", ".join(ordered(GRANTED))
                raise fail(
                    f"[[agent]] {a.login!r} field roles: {r!r} is not a role an admin grants ({grantable})"
                )
        for kind, attr in agents.ACCOUNT_KINDS.items():
            for account in getattr(a, attr):
                other = seen.get((kind, account.strip()))
                if other is not None:
                    raise fail(f"[[agent]] {a.login!r} field {attr}: {account!r} is listed for {other!r} too")
                seen[(kind, account.strip())] = a.login
                owner_id = q.agent_for_account(s, kind, account.strip())
                if owner_id is not None:
                    owner = s.get(Agent, owner_id)
                    if owner is not None and owner.login.lower() not in {x.login.lower() for x in team.agent}:
                        raise fail(
                            f"[[agent]] {a.login!r} field {attr}: {account!r} acts as {owner.login} "
                            "on this desk"
                        )
    known = logins | {x.lower() for x in s.scalars(select(Agent.login))} if not prune else logins
    names: set[str] = set()
    for g in team.group:
        if g.name.lower() in names:
            raise fail(f"[[group]] {g.name!r} field name: defined twice")
        names.add(g.name.lower())
        for field, values in (("lead", [g.lead] if g.lead else []), ("members", g.members)):
            for login in values:
                if login.lower() not in known:
                    raise fail(
                        f"[[group]] {g.name!r} field {field}: no agent {login!r} in the file or on the desk"
                    )


def _lockout(desk: Desk, s: Session, team: TeamFile) -> None:
    """Refuse a file after which whoever applies it could no longer act as an admin."""
    role = q.session_user(s)
    if role is not None and role == q.schema_owner(s):
        return  # the schema owner stays the desk's owner whatever the file says
    for a in team.agent:
        if not a.active or "admin" not in [r.lower() for r in a.roles]:
            continue
        if (role is not None and role in a.db_roles) or (
            desk.identity.named and desk.identity.login in a.os_accounts
        ):
            return
    how = f'db_roles = ["{role}"]' if role is not None else f'os_accounts = ["{desk.identity.login}"]'
    raise InvalidInput(
        f"after this file nobody you act as would be an admin: add {how} to an active agent with the "
        "role admin, or you lock yourself out; nothing was changed"
    )


def apply(
    desk: Desk, text: str, source: str = "the file", *, dry_run: bool = False, prune: bool = False
) -> TeamApplySummary:
    team = parse(text, source)

    def attempt() -> TeamApplySummary:  # again when another desk applied the same rows first
        with desk.writing() as uow:
            access.require(uow, Action.DEFINITIONS_APPLY)
            _check(uow.session, team, source, prune)
            _lockout(desk, uow.session, team)
            summary = _write(uow, team, prune, dry_run)
            if dry_run:
                raise _DryRun(summary)
            return summary

    try:
        summary = races.once(attempt)
    except _DryRun as done:
        return done.summary
    desk.forget_actor()  # the desk may now be a team desk: establish the agent anew
    return summary


def _write(uow: UnitOfWork, team: TeamFile, prune: bool, dry_run: bool) -> TeamApplySummary:
    s = uow.session
    added: list[str] = []
    changed: list[str] = []
    removed: list[str] = []
    by_login = {a.login.lower(): a for a in s.scalars(select(Agent))}
    for d in team.agent:
        a = by_login.get(d.login.lower())
        if a is None:
            a = _racing(partial(agents.new_agent, uow, d.login))
            by_login[d.login.lower()] = a
            added.append(f"agent {d.login}")
            fresh = True
        else:
            fresh = False
        fields = agents.AgentFields(
            display_name=d.name,
            email=d.email or "",
            phone=d.phone or "",
            cost_per_hour=d.cost_per_hour,
            roles=d.roles,
            os_accounts=d.os_accounts,
            db_roles=d.db_roles,
            ssh_keys=d.ssh_keys,
        )
        touched = agents.apply_fields(uow, a, fields, f"[[agent]] {d.login!r}")
        touched |= agents.set_field(uow, a, "active", d.active)
        if touched and not fresh:
            changed.append(f"agent {a.login}")
    listed = {d.login.lower() for d in team.agent}
    if prune:
        for login, a in sorted(by_login.items()):
            if login not in listed and a.active:
                agents.set_field(uow, a, "active", False)
                removed.append(f"agent {a.login} (deactivated; their tickets stay)")
    s.flush()
    groups = {g.name.lower(): g for g in s.scalars(select(Group).options(selectinload(Group.members)))}
    for gd in team.group:
        g = groups.get(gd.name.lower())
        fresh = g is None
        if g is None:
            g = _racing(partial(agents.new_group, uow, gd.name, Tier(str(gd.tier))))
            added.append(f"group {gd.name}")
        lead = by_login[gd.lead.lower()] if gd.lead else None
        touched = agents.set_group(
            uow, g, tier=Tier(str(gd.tier)), lead=lead, description=gd.description or ""
        )
        touched |= agents.set_members(uow, g, [by_login[m.lower()] for m in gd.members])
        if touched and not fresh:
            changed.append(f"group {g.name}")
    if prune:
        wanted = {gd.name.lower() for gd in team.group}
        for name, g in sorted(groups.items()):
            if name not in wanted:
                _remove_group(uow, g)
                removed.append(f"group {g.name}")
    if s.get(DeskSetting, q.TEAM_SETTING) is None:
        s.add(DeskSetting(name=q.TEAM_SETTING, value=uow.now.isoformat()))
        uow.audit("desk", 0, None, "team desk", None, "a team was applied: accounts now establish each agent")
    s.flush()
    return TeamApplySummary(added=added, changed=changed, removed=removed, dry_run=dry_run)


def _racing(create: Callable[[], T]) -> T:
    """A create of what this apply's first read did not find: a duplicate now means another desk
    applied it in between (PostgreSQL reads each statement afresh), so the apply runs again."""
    try:
        return create()
    except Conflict as exc:
        raise ConcurrentInsert(exc.message) from None


def _remove_group(uow: UnitOfWork, g: Group) -> None:
    s = uow.session
    uow.audit("group", g.id, g.name, "removed", g.name, None)
    g.members = []
    try:
        with s.begin_nested():
            s.delete(g)
            s.flush()
    except IntegrityError:
        raise InvalidInput(
            f"the group {g.name!r} still has tickets, agreements or services; move them to another "
            "group or keep it in the file; nothing was changed"
        ) from None


def export(desk: Desk) -> str:
    """The desk's team as a file ``apply`` takes back unchanged."""
    with desk.reading() as s:
        out: dict[str, list[dict[str, Any]]] = {"agent": [], "group": []}
        for a in s.scalars(select(Agent).order_by(Agent.login)):
            d = agents.detail(s, a)
            entry: dict[str, Any] = {"login": d.login, "name": d.display_name}
            if d.email:
                entry["email"] = d.email
            if d.phone:
                entry["phone"] = d.phone
            cost = d.cost_per_hour
            entry["cost_per_hour"] = int(cost) if cost == cost.to_integral_value() else float(cost)
            entry["roles"] = d.roles
            for attr in ("os_accounts", "db_roles", "ssh_keys"):
                if getattr(d, attr):
                    entry[attr] = getattr(d, attr)
            if not d.active:
                entry["active"] = False
            out["agent"].append(entry)
        rows = s.scalars(
            select(Group).options(selectinload(Group.members)).order_by(Group.tier, func.lower(Group.name))
        )
        for g in rows:
            ge: dict[str, Any] = {"name": g.name, "tier": int(g.tier.value)}
            if g.lead is not None:
                ge["lead"] = g.lead.login
            ge["members"] = [m.login for m in g.members]
            if g.description:
                ge["description"] = g.description
            out["group"].append(ge)
        return tomli_w.dumps(out)
