"""Agents, support groups (tiers 1-3) and their membership, and callers (contacts)."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deskterm.domain.core.vocabulary import Tier
from deskterm.store.base import Base, UTCDateTime
from deskterm.store.types import str_enum


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    cost_per_hour: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    os_uid: Mapped[int | None] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    groups: Mapped[list["Group"]] = relationship(
        secondary="group_members", back_populates="members", order_by="Group.name"
    )


class Group(Base):
    """A support group: the service desk (tier 1), technical or application teams (2, 3)."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    tier: Mapped[Tier] = mapped_column(str_enum(Tier, 1))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    description: Mapped[str | None] = mapped_column(String(500))

    lead: Mapped[Agent | None] = relationship(foreign_keys=[lead_id])
    members: Mapped[list[Agent]] = relationship(
        secondary="group_members", back_populates="groups", order_by=Agent.login
    )


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), primary_key=True, index=True)


class Contact(Base):
    """A caller: the user who contacts the service desk."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    organisation: Mapped[str | None] = mapped_column(String(120))
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
