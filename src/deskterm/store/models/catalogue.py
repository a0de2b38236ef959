"""The service catalogue and the CMS: services, configuration items and their relationships."""

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deskterm.domain.core.vocabulary import CIRelation, CIStatus, Criticality, LifecycleStatus
from deskterm.store.base import Base
from deskterm.store.models.people import Agent, Group
from deskterm.store.types import str_enum


class Service(Base):
    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    business_description: Mapped[str | None] = mapped_column(Text)
    technical_description: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    support_group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    lifecycle_status: Mapped[LifecycleStatus] = mapped_column(
        str_enum(LifecycleStatus), default=LifecycleStatus.OPERATIONAL
    )
    criticality: Mapped[Criticality] = mapped_column(str_enum(Criticality), default=Criticality.MEDIUM)

    owner: Mapped[Agent | None] = relationship()
    support_group: Mapped[Group | None] = relationship()
    cis: Mapped[list["ConfigurationItem"]] = relationship(
        secondary="service_cis", back_populates="services", order_by="ConfigurationItem.name"
    )


class ConfigurationItem(Base):
    __tablename__ = "configuration_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    ci_type: Mapped[str] = mapped_column(String(40))
    status: Mapped[CIStatus] = mapped_column(str_enum(CIStatus), default=CIStatus.ACTIVE)
    owner_group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))

    owner_group: Mapped[Group | None] = relationship()
    services: Mapped[list[Service]] = relationship(
        secondary="service_cis", back_populates="cis", order_by=Service.name
    )


class ServiceCI(Base):
    """The technical view of the catalogue: which CIs deliver a service."""

    __tablename__ = "service_cis"

    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    ci_id: Mapped[int] = mapped_column(ForeignKey("configuration_items.id"), primary_key=True, index=True)


class CIRelationship(Base):
    """``source relation target``, e.g. ``mail-db runs-on db-host-1``."""

    __tablename__ = "ci_relationships"
    __table_args__ = (
        UniqueConstraint("source_id", "relation", "target_id"),
        CheckConstraint("source_id <> target_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("configuration_items.id"))
    relation: Mapped[CIRelation] = mapped_column(str_enum(CIRelation))
    target_id: Mapped[int] = mapped_column(ForeignKey("configuration_items.id"), index=True)

    source: Mapped[ConfigurationItem] = relationship(foreign_keys=[source_id])
    target: Mapped[ConfigurationItem] = relationship(foreign_keys=[target_id])
