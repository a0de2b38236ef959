"""Change management: RFCs, their CIs, services, related changes and caused incidents, CAB
votes, the CABs themselves, and the blackout and maintenance windows of the forward schedule.

Collisions are not stored: they are derived on read from the open changes' windows, so they
can never go stale when a window, a relationship or an implementer changes.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deskterm.domain.changes.change import (
    ApprovalLevel,
    CabRule,
    ChangeOutcome,
    ChangeState,
    ChangeType,
    VoteDecision,
)
from deskterm.domain.core.vocabulary import Level, Priority
from deskterm.store.base import Base, UTCDateTime
from deskterm.store.models.catalogue import ConfigurationItem, Service
from deskterm.store.models.people import Agent
from deskterm.store.models.ticket import Ticket
from deskterm.store.types import str_enum


class Cab(Base):
    """A change advisory board: its members vote, its change manager has the final word."""

    __tablename__ = "cabs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    rule: Mapped[CabRule] = mapped_column(str_enum(CabRule, 10))
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)

    manager: Mapped[Agent] = relationship()
    members: Mapped[list[Agent]] = relationship(secondary="cab_members", order_by=Agent.login)


class CabMember(Base):
    __tablename__ = "cab_members"

    cab_id: Mapped[int] = mapped_column(ForeignKey("cabs.id"), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), primary_key=True, index=True)


class Change(Base):
    """A request for change (RFC) with the 7 Rs, its assessment, window, plans and review."""

    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_state_start", "state", "planned_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(24), unique=True)
    number: Mapped[int] = mapped_column(Integer)
    change_type: Mapped[ChangeType] = mapped_column(str_enum(ChangeType, 10))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[ChangeState] = mapped_column(str_enum(ChangeState, 14))
    outcome: Mapped[ChangeOutcome | None] = mapped_column(str_enum(ChangeOutcome, 24))
    # the 7 Rs (the relationship is the change_relations rows, or no_relationship)
    raised_by: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    expected_return: Mapped[str | None] = mapped_column(Text)
    risks: Mapped[str | None] = mapped_column(Text)
    resources: Mapped[str | None] = mapped_column(Text)
    responsible: Mapped[str | None] = mapped_column(Text)
    no_relationship: Mapped[bool] = mapped_column(Boolean, default=False)
    # assessment
    impact: Mapped[Level] = mapped_column(str_enum(Level, 6))
    urgency: Mapped[Level] = mapped_column(str_enum(Level, 6))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, 2))
    business_risk: Mapped[Level] = mapped_column(str_enum(Level, 6))
    financial: Mapped[Level] = mapped_column(str_enum(Level, 6))
    scope: Mapped[Level] = mapped_column(str_enum(Level, 6))
    approval_level: Mapped[ApprovalLevel] = mapped_column(str_enum(ApprovalLevel, 16))
    template: Mapped[str | None] = mapped_column(String(120))
    # plans and window
    implementation_plan: Mapped[str | None] = mapped_column(Text)
    backout_plan: Mapped[str | None] = mapped_column(Text)
    test_plan: Mapped[str | None] = mapped_column(Text)
    planned_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    planned_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    actual_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    actual_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    implementer_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    # authorisation
    cab_id: Mapped[int | None] = mapped_column(ForeignKey("cabs.id"), index=True)
    authorised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    decision_comment: Mapped[str | None] = mapped_column(Text)
    # post-implementation review
    review_outcome: Mapped[ChangeOutcome | None] = mapped_column(str_enum(ChangeOutcome, 24))
    review_lessons: Mapped[str | None] = mapped_column(Text)
    benefits_realised: Mapped[bool | None] = mapped_column(Boolean)
    within_cost: Mapped[bool | None] = mapped_column(Boolean)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    # bookkeeping
    created_by_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    implementer: Mapped[Agent | None] = relationship(foreign_keys=[implementer_id])
    cab: Mapped[Cab | None] = relationship()
    decided_by: Mapped[Agent | None] = relationship(foreign_keys=[decided_by_id])
    reviewed_by: Mapped[Agent | None] = relationship(foreign_keys=[reviewed_by_id])
    created_by: Mapped[Agent] = relationship(foreign_keys=[created_by_id])
    cis: Mapped[list[ConfigurationItem]] = relationship(
        secondary="change_cis", order_by=ConfigurationItem.name
    )
    services: Mapped[list[Service]] = relationship(secondary="change_services", order_by=Service.name)
    related: Mapped[list["Change"]] = relationship(
        secondary="change_relations",
        primaryjoin="Change.id == ChangeRelation.change_id",
        secondaryjoin="Change.id == ChangeRelation.related_id",
        order_by="Change.id",
    )
    incidents: Mapped[list[Ticket]] = relationship(secondary="change_incidents", order_by=Ticket.id)


class ChangeCI(Base):
    __tablename__ = "change_cis"

    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id"), primary_key=True)
    ci_id: Mapped[int] = mapped_column(ForeignKey("configuration_items.id"), primary_key=True, index=True)


class ChangeService(Base):
    __tablename__ = "change_services"

    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True, index=True)


class ChangeRelation(Base):
    """The 7th R: this change relates to another (stored once, from the change that names it)."""

    __tablename__ = "change_relations"

    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id"), primary_key=True)
    related_id: Mapped[int] = mapped_column(ForeignKey("changes.id"), primary_key=True, index=True)


class ChangeIncident(Base):
    """An incident caused by a change: the disruptions KPI counts these."""

    __tablename__ = "change_incidents"

    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True, index=True)


class ChangeVote(Base):
    """One CAB member's vote on one change; voting again replaces it (the audit keeps both)."""

    __tablename__ = "change_votes"
    __table_args__ = (UniqueConstraint("change_id", "voter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id"))
    voter_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    decision: Mapped[VoteDecision] = mapped_column(str_enum(VoteDecision, 8))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    voter: Mapped[Agent] = relationship()


class ChangeTemplate(Base):
    """A pre-approved standard change: the 7 Rs and plans every change from it starts with."""

    __tablename__ = "change_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"reason": ..., "cis": [...], ...}


class BlackoutWindow(Base):
    """No changes in here (year end, a product launch); applied from the windows TOML."""

    __tablename__ = "blackout_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MaintenanceWindow(Base):
    """A weekly window in which a CI (or every CI of a service) may be changed."""

    __tablename__ = "maintenance_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    ci_id: Mapped[int | None] = mapped_column(ForeignKey("configuration_items.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), index=True)
    days: Mapped[list[str]] = mapped_column(JSON)  # ["sat", "sun"]
    hours: Mapped[str] = mapped_column(String(11))  # "22:00-02:00"
    timezone: Mapped[str] = mapped_column(String(64))

    ci: Mapped[ConfigurationItem | None] = relationship()
    service: Mapped[Service | None] = relationship()
