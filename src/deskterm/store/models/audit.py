"""The audit trail: append-only, one row per field changed, written with the change itself."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deskterm.store.base import Base, UTCDateTime
from deskterm.store.models.people import Agent


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_record", "record_kind", "record_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    record_kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(Integer)
    record_ref: Mapped[str | None] = mapped_column(String(24))
    field: Mapped[str] = mapped_column(String(40))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int | None] = mapped_column(Integer)
    # sha256 over the row and the previous row's hash (store.audit_chain), set in the writing
    # transaction just before it commits: NULL only inside that transaction.
    chain_hash: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[Agent] = relationship()
