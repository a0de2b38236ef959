"""Reads behind access decisions: an agent's granted roles, what they lead and own, the accounts
that map to an agent, and whether a team has been applied to this desk."""

from sqlalchemy import exists, select, text
from sqlalchemy.orm import Session

from deskterm.store.models import Group, Service
from deskterm.store.models.access import AgentAccount, AgentRole, DeskSetting

TEAM_SETTING = "team_applied_at"


def granted_roles(s: Session, agent_id: int) -> list[str]:
    return list(
        s.scalars(select(AgentRole.role).where(AgentRole.agent_id == agent_id).order_by(AgentRole.role))
    )


def leads_group(s: Session, agent_id: int) -> bool:
    return bool(s.scalar(select(exists().where(Group.lead_id == agent_id))))


def owns_service(s: Session, agent_id: int) -> bool:
    return bool(s.scalar(select(exists().where(Service.owner_id == agent_id))))


def agent_for_account(s: Session, kind: str, name: str) -> int | None:
    return s.scalar(select(AgentAccount.agent_id).where(AgentAccount.kind == kind, AgentAccount.name == name))


def accounts(s: Session, agent_id: int, kind: str) -> list[str]:
    return list(
        s.scalars(
            select(AgentAccount.name)
            .where(AgentAccount.agent_id == agent_id, AgentAccount.kind == kind)
            .order_by(AgentAccount.id)
        )
    )


def holders(s: Session, role: str) -> list[int]:
    return list(
        s.scalars(select(AgentRole.agent_id).where(AgentRole.role == role).order_by(AgentRole.agent_id))
    )


def is_team_desk(s: Session) -> bool:
    return s.get(DeskSetting, TEAM_SETTING) is not None


def session_user(s: Session) -> str | None:
    """PostgreSQL's authenticated login role (``session_user``); None on SQLite."""
    if s.get_bind().dialect.name != "postgresql":
        return None
    user = s.scalar(text("SELECT session_user"))
    return None if user is None else str(user)


def schema_owner(s: Session) -> str | None:
    """The role that owns the migrated schema (it ran the migrations); None on SQLite."""
    if s.get_bind().dialect.name != "postgresql":
        return None
    owner_sql = "SELECT tableowner FROM pg_tables WHERE tablename = 'alembic_version'"
    owner = s.scalar(text(owner_sql + " AND schemaname = current_schema()"))
    return None if owner is None else str(owner)
