"""Events (one row per alert, de-duplicated by fingerprint) and the event rules of the desk."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deskterm.domain.events.events import RuleAction, Severity, Significance
from deskterm.store.base import Base, UTCDateTime
from deskterm.store.models.catalogue import ConfigurationItem
from deskterm.store.models.ticket import Ticket
from deskterm.store.types import str_enum


class Event(Base):
    """An alert: ``EVT-<id>`` (ids come from the EVT ref counter, a range per ingest batch).
    Repeats of the same fingerprint while it is active count up here; ``active_key`` holds the
    fingerprint until a recovery clears it (NULL after), so the unique index allows one active
    alert per fingerprint and any number of cleared ones. Few indexes on purpose: every one
    is paid on each of the thousands of rows an ingest batch writes."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_last_seen", "last_seen", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    fingerprint: Mapped[str] = mapped_column(String(64))
    active_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(64))
    node: Mapped[str] = mapped_column(String(120))
    check: Mapped[str] = mapped_column(String(120))
    severity: Mapped[Severity] = mapped_column(str_enum(Severity, 8))
    significance: Mapped[Significance] = mapped_column(str_enum(Significance, 13))
    message: Mapped[str] = mapped_column(Text, default="")
    ci_id: Mapped[int | None] = mapped_column(ForeignKey("configuration_items.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    opened_ticket: Mapped[bool] = mapped_column(Boolean, default=False)
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    ci: Mapped[ConfigurationItem | None] = relationship()
    ticket: Mapped[Ticket | None] = relationship()

    @property
    def ref(self) -> str:
        return f"EVT-{self.id}"


class EventRule(Base):
    """A filtering and significance rule; applied in ``position`` order, the first match decides."""

    __tablename__ = "event_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    action: Mapped[RuleAction] = mapped_column(str_enum(RuleAction, 13))
    source: Mapped[str | None] = mapped_column(String(120))
    check: Mapped[str | None] = mapped_column(String(120))
    node: Mapped[str | None] = mapped_column(String(120))
    message: Mapped[str | None] = mapped_column(String(500))
    severities: Mapped[list[str]] = mapped_column(JSON, default=list)


class EventSetting(Base):
    """Desk-wide event settings from the rules file, e.g. ``correlation_window``."""

    __tablename__ = "event_settings"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
