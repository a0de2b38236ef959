"""Roles granted to agents, the accounts that establish who an agent is, and desk settings.

Kept apart from ``people`` because they are about access, not about the people: an agent's
roles (``agent_roles``), the OS accounts, database roles and SSH keys that act as the agent
(``agent_accounts``, each account unique per kind so one account is never two agents), and
desk-wide facts such as "a team has been applied" (``desk_settings``).
"""

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from deskterm.store.base import Base


class AgentRole(Base):
    __tablename__ = "agent_roles"

    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class AgentAccount(Base):
    """``kind`` is ``os`` (an OS account name), ``db`` (a PostgreSQL login role) or ``ssh``."""

    __tablename__ = "agent_accounts"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(800))


class DeskSetting(Base):
    __tablename__ = "desk_settings"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
