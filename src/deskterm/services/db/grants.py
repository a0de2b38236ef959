"""``deskterm db grants``: PostgreSQL roles so that each agent connects as themselves and the
database, not deskterm, keeps history append-only.

A group role (``<database>_agents``) gets only what the app needs: read and write the desk's
tables, use their sequences, no DDL (it owns nothing and gets no CREATE), and on the audit
table INSERT and SELECT only, so an agent at a SQL prompt still cannot rewrite history. Each
active agent's ``db_roles`` become login roles in that group (no password is set here: the
server's authentication decides, e.g. peer, ``~/.pgpass`` or client certificates); inactive
agents' roles leave the group. Who is who (agents, roles, accounts, groups) is written only by
``<database>_admins``, which the login roles of admins join. Run by the schema owner (the
role that ran the migrations), which must be allowed to create roles.
"""

from pydantic import BaseModel
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from deskterm.domain.core.permissions import Action
from deskterm.services.core import access
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput, NotPermitted
from deskterm.store.models import Agent
from deskterm.store.models.access import AgentAccount
from deskterm.store.queries import access as q

AUDIT_TABLE = "audit_entries"
#: Who is who and may do what: written by admins only (an agent cannot grant themselves a role).
ACCESS_TABLES = ("agents", "agent_roles", "agent_accounts", "desk_settings", "groups", "group_members")


class GrantsView(BaseModel):
    group_role: str
    admin_role: str
    login_roles: list[str]
    revoked: list[str]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _role_exists(s: Session, name: str) -> bool:
    return bool(s.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}))


def group_role_name(s: Session, suffix: str = "agents") -> str:
    database = str(s.scalar(text("SELECT current_database()")))
    return f"{database}_{suffix}"[-63:]


def grants(desk: Desk) -> GrantsView:
    with desk.writing() as uow:
        access.require(uow, Action.DEFINITIONS_APPLY)
        s = uow.session
        if s.get_bind().dialect.name != "postgresql":
            raise InvalidInput(
                "db grants is for PostgreSQL desks; a SQLite file is guarded by its file permissions"
            )
        me, owner = q.session_user(s), q.schema_owner(s)
        if me != owner:
            raise NotPermitted(
                f"db grants runs as the schema owner {owner}, not {me}; connect as {owner} and run it again"
            )
        group = group_role_name(s)
        g = _ident(group)
        schema = _ident(str(s.scalar(text("SELECT current_schema()"))))
        if not _role_exists(s, group):
            s.execute(text(f"CREATE ROLE {g} NOLOGIN"))
        s.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {g}"))
        s.execute(text(f"REVOKE CREATE ON SCHEMA {schema} FROM {g}"))
        s.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {g}"))
        s.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {_ident(AUDIT_TABLE)} FROM {g}"))
        # the chain seal is written just after its row, in the same transaction: that one column
        # only (the append-only trigger refuses any change to a row's content or a set seal)
        s.execute(text(f"GRANT UPDATE (chain_hash) ON {_ident(AUDIT_TABLE)} TO {g}"))
        s.execute(text(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {_ident('alembic_version')} FROM {g}"))
        s.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {g}"))
        admins = group_role_name(s, "admins")
        a = _ident(admins)
        if not _role_exists(s, admins):
            s.execute(text(f"CREATE ROLE {a} NOLOGIN IN ROLE {g}"))
        for table in ACCESS_TABLES:
            s.execute(text(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {_ident(table)} FROM {g}"))
            s.execute(text(f"GRANT INSERT, UPDATE, DELETE ON {_ident(table)} TO {a}"))
        rows = s.execute(
            select(AgentAccount.name, Agent.active, Agent.id)
            .join(Agent, Agent.id == AgentAccount.agent_id)
            .where(AgentAccount.kind == "db")
            .order_by(AgentAccount.name)
        ).all()
        logins, revoked = [], []
        admin_ids = set(q.holders(s, "admin"))
        for name, active, agent_id in rows:
            if name == owner:
                continue  # the owner keeps its own rights
            r = _ident(name)
            if active:
                if not _role_exists(s, name):
                    s.execute(text(f"CREATE ROLE {r} LOGIN"))
                s.execute(text(f"GRANT {g} TO {r}"))
                verb = f"GRANT {a} TO {r}" if agent_id in admin_ids else f"REVOKE {a} FROM {r}"
                s.execute(text(verb))
                logins.append(name)
            elif _role_exists(s, name):
                s.execute(text(f"REVOKE {a} FROM {r}"))
                s.execute(text(f"REVOKE {g} FROM {r}"))
                revoked.append(name)
        uow.audit("desk", 0, None, "db grants", None, f"{group}: {', '.join(logins) or 'no login roles'}")
        return GrantsView(group_role=group, admin_role=admins, login_roles=logins, revoked=revoked)
