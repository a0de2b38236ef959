"""Problems (PRB-n) with their linked incidents, and the known error database (KE-n).

The change that removes a problem's cause is kept as a ref (``fixing_change_ref``), not a
foreign key: changes live in their own aggregate, and a ref reads the same in either.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deskterm.domain.core.vocabulary import Level, Priority
from deskterm.domain.problems.problem import KnownErrorStatus, ProblemStatus
from deskterm.store.base import Base, UTCDateTime
from deskterm.store.models.catalogue import ConfigurationItem, Service
from deskterm.store.models.people import Agent, Group
from deskterm.store.types import str_enum


class Problem(Base):
    __tablename__ = "problems"
    __table_args__ = (Index("ix_problems_status_priority", "status", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(24), unique=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProblemStatus] = mapped_column(str_enum(ProblemStatus))
    impact: Mapped[Level] = mapped_column(str_enum(Level, 6))
    urgency: Mapped[Level] = mapped_column(str_enum(Level, 6))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, 2))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), index=True)
    ci_id: Mapped[int | None] = mapped_column(ForeignKey("configuration_items.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    root_cause: Mapped[str | None] = mapped_column(Text)
    workaround: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(Text)
    fixing_change_ref: Mapped[str | None] = mapped_column(String(24))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    service: Mapped[Service | None] = relationship()
    ci: Mapped[ConfigurationItem | None] = relationship()
    group: Mapped[Group | None] = relationship()
    assignee: Mapped[Agent | None] = relationship(foreign_keys=[assignee_id])
    created_by: Mapped[Agent] = relationship(foreign_keys=[created_by_id])


class ProblemIncident(Base):
    """An incident caused by the problem; who linked it and when."""

    __tablename__ = "problem_incidents"

    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True, index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    linked_by_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))


class KnownError(Base):
    """A KEDB entry: what the user sees, why it happens, how to get going again."""

    __tablename__ = "known_errors"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(24), unique=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    symptom: Mapped[str] = mapped_column(Text)
    root_cause: Mapped[str] = mapped_column(Text)
    workaround: Mapped[str] = mapped_column(Text)
    keywords: Mapped[str] = mapped_column(Text, default="")  # comma separated, error codes too
    status: Mapped[KnownErrorStatus] = mapped_column(str_enum(KnownErrorStatus, 8))
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problems.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    problem: Mapped[Problem | None] = relationship()
    created_by: Mapped[Agent] = relationship()
    services: Mapped[list[Service]] = relationship(secondary="known_error_services", order_by=Service.name)
    cis: Mapped[list[ConfigurationItem]] = relationship(
        secondary="known_error_cis", order_by=ConfigurationItem.name
    )


class KnownErrorService(Base):
    __tablename__ = "known_error_services"

    known_error_id: Mapped[int] = mapped_column(ForeignKey("known_errors.id"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True, index=True)


class KnownErrorCI(Base):
    __tablename__ = "known_error_cis"

    known_error_id: Mapped[int] = mapped_column(ForeignKey("known_errors.id"), primary_key=True)
    ci_id: Mapped[int] = mapped_column(ForeignKey("configuration_items.id"), primary_key=True, index=True)


class KnownErrorIncident(Base):
    """A known error applied to an incident: its workaround was recorded there."""

    __tablename__ = "known_error_incidents"

    known_error_id: Mapped[int] = mapped_column(ForeignKey("known_errors.id"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True, index=True)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime())
    applied_by_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
