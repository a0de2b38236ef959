"""Use cases on the service catalogue and the CMS: services, CIs and CI relationships."""

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from deskterm.domain.core.permissions import Action
from deskterm.domain.core.vocabulary import CIRelation
from deskterm.services.core import access, lookup
from deskterm.services.core.commands import AddCI, AddService
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import Conflict, InvalidInput
from deskterm.services.core.views import CIView, RelationView, ServiceView
from deskterm.store.models import CIRelationship, ConfigurationItem, Service


def _exists(s: Session, model: type[Service] | type[ConfigurationItem], name: str) -> bool:
    try:
        (lookup.service if model is Service else lookup.ci)(s, name)
    except Exception:
        return False
    return True


def add_service(desk: Desk, cmd: AddService) -> ServiceView:
    with desk.writing() as uow:
        access.require(uow, Action.CATALOGUE_WRITE)
        s = uow.session
        if _exists(s, Service, cmd.name):
            raise Conflict(f"a service named {cmd.name!r} exists already; pick another name")
        svc = Service(
            name=cmd.name,
            owner_id=lookup.agent(s, cmd.owner).id if cmd.owner else None,
            support_group_id=lookup.group(s, cmd.support_group).id if cmd.support_group else None,
            criticality=cmd.criticality,
            lifecycle_status=cmd.lifecycle_status,
            business_description=cmd.business_description,
            technical_description=cmd.technical_description,
        )
        s.add(svc)
        s.flush()
        uow.audit("service", svc.id, svc.name, "created", None, svc.name)
        s.refresh(svc)
        return ServiceView.of(svc)


def list_services(desk: Desk) -> list[ServiceView]:
    with desk.reading() as s:
        rows = s.scalars(
            select(Service)
            .options(
                selectinload(Service.cis), selectinload(Service.owner), selectinload(Service.support_group)
            )
            .order_by(Service.name)
        )
        return [ServiceView.of(x) for x in rows]


def add_ci(desk: Desk, cmd: AddCI) -> CIView:
    with desk.writing() as uow:
        access.require(uow, Action.CATALOGUE_WRITE)
        s = uow.session
        if _exists(s, ConfigurationItem, cmd.name):
            raise Conflict(f"a CI named {cmd.name!r} exists already; pick another name")
        services = [lookup.service(s, name) for name in cmd.services]
        item = ConfigurationItem(
            name=cmd.name,
            ci_type=cmd.ci_type,
            owner_group_id=lookup.group(s, cmd.owner_group).id if cmd.owner_group else None,
        )
        item.services = services
        s.add(item)
        s.flush()
        uow.audit("ci", item.id, item.name, "created", None, item.name)
        for svc in services:
            uow.audit("ci", item.id, item.name, "service", None, svc.name)
        s.refresh(item, ["services"])  # in catalogue order, as show_ci and list_cis give them
        return _ci_view(s, item)


def _ci_view(s: Session, item: ConfigurationItem) -> CIView:
    rels = s.scalars(
        select(CIRelationship)
        .where(or_(CIRelationship.source_id == item.id, CIRelationship.target_id == item.id))
        .options(selectinload(CIRelationship.source), selectinload(CIRelationship.target))
        .order_by(CIRelationship.id)
    )
    return CIView.of(
        item,
        [RelationView(source=r.source.name, relation=r.relation, target=r.target.name) for r in rels],
    )


def list_cis(desk: Desk, service: str | None = None) -> list[CIView]:
    with desk.reading() as s:
        stmt = (
            select(ConfigurationItem)
            .options(selectinload(ConfigurationItem.services), selectinload(ConfigurationItem.owner_group))
            .order_by(ConfigurationItem.name)
        )
        if service:
            svc = lookup.service(s, service)
            stmt = stmt.where(ConfigurationItem.services.any(Service.id == svc.id))
        return [CIView.of(x) for x in s.scalars(stmt)]


def show_ci(desk: Desk, name: str) -> CIView:
    with desk.reading() as s:
        return _ci_view(s, lookup.ci(s, name))


def relate_cis(desk: Desk, source: str, relation: CIRelation, target: str) -> CIView:
    """Record ``source relation target``; a duplicate or a self-relation is refused."""
    with desk.writing() as uow:
        access.require(uow, Action.CATALOGUE_WRITE)
        s = uow.session
        src, dst = lookup.ci(s, source), lookup.ci(s, target)
        if src.id == dst.id:
            raise InvalidInput(f"{src.name} cannot be related to itself; name two different CIs")
        rel = CIRelationship(source_id=src.id, relation=relation, target_id=dst.id)
        try:
            with s.begin_nested():
                s.add(rel)
                s.flush()
        except IntegrityError:
            raise Conflict(f"{src.name} {relation.value} {dst.name} is recorded already") from None
        uow.audit("ci", src.id, src.name, relation.value, None, dst.name)
        return _ci_view(s, src)
