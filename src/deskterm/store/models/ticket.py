"""Tickets (incidents and service requests) and their notes (the worklog)."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deskterm.domain.core.vocabulary import (
    Channel,
    Level,
    NoteVisibility,
    PendingReason,
    Priority,
    ResolutionCode,
    TicketKind,
    TicketStatus,
    Tier,
)
from deskterm.store.base import Base, UTCDateTime
from deskterm.store.models.catalogue import ConfigurationItem, Service
from deskterm.store.models.people import Agent, Contact, Group
from deskterm.store.types import str_enum


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("kind", "number"),
        Index("ix_tickets_queue", "status", "priority", "opened_at"),
        Index("ix_tickets_assignee_status", "assignee_id", "status"),
        Index("ix_tickets_group_status", "group_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[TicketKind] = mapped_column(str_enum(TicketKind))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    caller_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    category: Mapped[str | None] = mapped_column(String(80))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), index=True)
    ci_id: Mapped[int | None] = mapped_column(ForeignKey("configuration_items.id"), index=True)
    impact: Mapped[Level] = mapped_column(str_enum(Level, 6))
    urgency: Mapped[Level] = mapped_column(str_enum(Level, 6))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, 2))
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus))
    pending_reason: Mapped[PendingReason | None] = mapped_column(str_enum(PendingReason))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    tier: Mapped[Tier] = mapped_column(str_enum(Tier, 1), default=Tier.T1)
    major: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    workaround: Mapped[str | None] = mapped_column(Text)
    resolution_code: Mapped[ResolutionCode | None] = mapped_column(str_enum(ResolutionCode))
    resolution: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The soonest due instant of the ticket's running SLA clocks, kept by services.clocks.
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    caller: Mapped[Contact] = relationship()
    service: Mapped[Service | None] = relationship()
    ci: Mapped[ConfigurationItem | None] = relationship()
    group: Mapped[Group | None] = relationship()
    assignee: Mapped[Agent | None] = relationship(foreign_keys=[assignee_id])
    created_by: Mapped[Agent] = relationship(foreign_keys=[created_by_id])
    parent: Mapped["Ticket | None"] = relationship(remote_side=[id])


class Note(Base):
    """A worklog entry; a public note is a customer notification sent through ``channel``."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    visibility: Mapped[NoteVisibility] = mapped_column(str_enum(NoteVisibility, 8))
    channel: Mapped[Channel | None] = mapped_column(str_enum(Channel))
    body: Mapped[str] = mapped_column(Text)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    author: Mapped[Agent] = relationship()
