"""Service level management: business calendars, agreements (SLA, OLA, UC) with targets,
escalation rules, the clocks derived for each ticket, and service improvement plan items.

Calendars and agreements are definitions as code (applied from TOML); clocks are a derived
cache of the ticket's history, stored only so that "due within N hours" is an index lookup.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deskterm.store.base import Base, UTCDateTime
from deskterm.store.models.catalogue import Service
from deskterm.store.models.people import Agent, Group


class SlaCalendar(Base):
    __tablename__ = "sla_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    hours: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"mon": ["09:00-12:00", ...], ...}
    holidays: Mapped[list[str]] = mapped_column(JSON)  # ISO dates
    # make-up working days (调休): {"2026-10-10": ["09:00-12:00", ...]}
    workdays: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Agreement(Base):
    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(3))  # SLA | OLA | UC
    calendar_id: Mapped[int] = mapped_column(ForeignKey("sla_calendars.id"))
    warn_at: Mapped[float] = mapped_column(Float)
    pause_on: Mapped[list[str]] = mapped_column(JSON)
    targets: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"P1": {"response": 900, "resolution": 14400}}
    supplier: Mapped[str | None] = mapped_column(String(120))

    calendar: Mapped[SlaCalendar] = relationship()
    services: Mapped[list[Service]] = relationship(secondary="agreement_services", order_by=Service.name)
    groups: Mapped[list[Group]] = relationship(secondary="agreement_groups", order_by=Group.name)


class AgreementService(Base):
    __tablename__ = "agreement_services"

    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True, index=True)


class AgreementGroup(Base):
    __tablename__ = "agreement_groups"

    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True, index=True)


class EscalationRule(Base):
    """At warn or breach of a target: notify, reassign, raise the priority or mark major."""

    __tablename__ = "escalation_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"))
    priority: Mapped[str | None] = mapped_column(String(2))
    metric: Mapped[str | None] = mapped_column(String(12))
    at: Mapped[str] = mapped_column(String(8))  # warn | breach
    action: Mapped[str] = mapped_column(String(16))  # notify | reassign | raise-priority | mark-major
    notify: Mapped[str | None] = mapped_column(String(16))  # group-lead | service-owner
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))

    agreement: Mapped[Agreement | None] = relationship()
    group: Mapped[Group | None] = relationship()


class TicketClock(Base):
    """One clock of one ticket under one agreement, as last derived from its history."""

    __tablename__ = "ticket_clocks"
    __table_args__ = (
        UniqueConstraint("ticket_id", "agreement_id", "metric"),
        Index("ix_ticket_clocks_running_due", "running", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    metric: Mapped[str] = mapped_column(String(12))
    priority: Mapped[str] = mapped_column(String(2))
    state: Mapped[str] = mapped_column(String(10))
    running: Mapped[bool] = mapped_column(Boolean)
    target_seconds: Mapped[int] = mapped_column(Integer)
    elapsed_seconds: Mapped[float] = mapped_column(Float)
    paused_seconds: Mapped[float] = mapped_column(Float)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # [[start_us, end_us | null, mode, priority], ...] (domain.sla.Phase): re-measured without
    # the history when a calendar or a target changes.
    phases: Mapped[list[list[Any]] | None] = mapped_column(JSON)

    agreement: Mapped[Agreement] = relationship()


class EscalationFiring(Base):
    """That a rule fired for a ticket's clock, so that it fires once."""

    __tablename__ = "escalation_firings"
    __table_args__ = (UniqueConstraint("rule_id", "ticket_id", "agreement_id", "metric"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("escalation_rules.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    metric: Mapped[str] = mapped_column(String(12))
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SipItem(Base):
    """A service improvement plan item, often raised from a breach."""

    __tablename__ = "sip_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    owner: Mapped[Agent] = relationship()
    agreement: Mapped[Agreement | None] = relationship()
