"""Shift handovers (the outgoing agent's record of a shift, with notes overall and per item,
signed off and acknowledged) and customer satisfaction survey answers."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deskterm.store.base import Base, UTCDateTime
from deskterm.store.models.people import Agent


class Handover(Base):
    """One shift's handover: a draft while notes are written, then signed off (its digest
    frozen as it was handed over), then acknowledged by the incoming agent."""

    __tablename__ = "handovers"
    __table_args__ = (UniqueConstraint("shift_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_name: Mapped[str] = mapped_column(String(40))
    shift_start: Mapped[datetime] = mapped_column(UTCDateTime())
    shift_end: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    outgoing_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    digest: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    outgoing: Mapped[Agent | None] = relationship(foreign_keys=[outgoing_id])
    acknowledged_by: Mapped[Agent | None] = relationship(foreign_keys=[acknowledged_by_id])
    items: Mapped[list["HandoverItem"]] = relationship(
        back_populates="handover", order_by="HandoverItem.id", cascade="all, delete-orphan"
    )


class HandoverItem(Base):
    """The outgoing agent's note on one record of the digest (a ticket, change, problem...)."""

    __tablename__ = "handover_items"
    __table_args__ = (UniqueConstraint("handover_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id"))
    ref: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    handover: Mapped[Handover] = relationship(back_populates="items")
    author: Mapped[Agent] = relationship()


class CsatResponse(Base):
    """A caller's answer to the satisfaction survey due when their ticket was resolved."""

    __tablename__ = "csat_responses"
    __table_args__ = (Index("ix_csat_responses_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    caller_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(10))  # phone | meeting | online
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    recorded_by: Mapped[Agent] = relationship()
