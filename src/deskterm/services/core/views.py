"""What services return: pydantic views, detached from the database, safe to serialise."""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from deskterm.domain.core.vocabulary import (
    Channel,
    CIRelation,
    CIStatus,
    Criticality,
    Level,
    LifecycleStatus,
    NoteVisibility,
    PendingReason,
    Priority,
    ResolutionCode,
    TicketKind,
    TicketStatus,
    Tier,
)
from deskterm.store.models import (
    Agent,
    AuditEntry,
    ConfigurationItem,
    Contact,
    Group,
    Note,
    Service,
    Ticket,
)


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class AgentView(View):
    login: str
    display_name: str
    email: str | None
    phone: str | None
    cost_per_hour: Decimal
    active: bool
    groups: list[str]

    @classmethod
    def of(cls, a: Agent) -> "AgentView":
        return cls(
            login=a.login,
            display_name=a.display_name,
            email=a.email,
            phone=a.phone,
            cost_per_hour=a.cost_per_hour,
            active=a.active,
            groups=[g.name for g in a.groups],
        )


class GroupView(View):
    name: str
    tier: Tier
    lead: str | None
    members: list[str]

    @classmethod
    def of(cls, g: Group) -> "GroupView":
        return cls(
            name=g.name,
            tier=g.tier,
            lead=g.lead.login if g.lead else None,
            members=[m.login for m in g.members],
        )


class ContactView(View):
    id: int
    name: str
    email: str | None
    phone: str | None
    organisation: str | None
    vip: bool

    @classmethod
    def of(cls, c: Contact) -> "ContactView":
        return cls(id=c.id, name=c.name, email=c.email, phone=c.phone, organisation=c.organisation, vip=c.vip)


class ServiceView(View):
    name: str
    owner: str | None
    support_group: str | None
    lifecycle_status: LifecycleStatus
    criticality: Criticality
    business_description: str | None
    technical_description: str | None
    cis: list[str]

    @classmethod
    def of(cls, s: Service) -> "ServiceView":
        return cls(
            name=s.name,
            owner=s.owner.login if s.owner else None,
            support_group=s.support_group.name if s.support_group else None,
            lifecycle_status=s.lifecycle_status,
            criticality=s.criticality,
            business_description=s.business_description,
            technical_description=s.technical_description,
            cis=[c.name for c in s.cis],
        )


class RelationView(View):
    source: str
    relation: CIRelation
    target: str


class CIView(View):
    name: str
    ci_type: str
    status: CIStatus
    owner_group: str | None
    services: list[str]
    relations: list[RelationView] = []

    @classmethod
    def of(cls, ci: ConfigurationItem, relations: list[RelationView] | None = None) -> "CIView":
        return cls(
            name=ci.name,
            ci_type=ci.ci_type,
            status=ci.status,
            owner_group=ci.owner_group.name if ci.owner_group else None,
            services=[s.name for s in ci.services],
            relations=relations or [],
        )


class NoteView(View):
    id: int
    author: str
    visibility: NoteVisibility
    channel: Channel | None
    body: str
    minutes: int
    created_at: datetime

    @classmethod
    def of(cls, n: Note) -> "NoteView":
        return cls(
            id=n.id,
            author=n.author.login,
            visibility=n.visibility,
            channel=n.channel,
            body=n.body,
            minutes=n.minutes,
            created_at=n.created_at,
        )


class AuditView(View):
    at: datetime
    actor: str
    field: str
    old: str | None
    new: str | None
    version: int | None

    @classmethod
    def of(cls, e: AuditEntry) -> "AuditView":
        return cls(at=e.at, actor=e.actor.login, field=e.field, old=e.old, new=e.new, version=e.version)


class TicketRow(View):
    """One line of a queue: what a list needs, nothing more."""

    ref: str
    kind: TicketKind
    title: str
    priority: Priority
    status: TicketStatus
    pending_reason: PendingReason | None
    caller: str
    service: str | None
    group: str | None
    assignee: str | None
    major: bool
    opened_at: datetime
    updated_at: datetime
    version: int
    # False when the assignee was deactivated: the ticket stays theirs until someone takes it
    assignee_active: bool = True


class TicketView(TicketRow):
    """The whole ticket, with its notes and its history."""

    description: str
    channel: Channel
    category: str | None
    ci: str | None
    impact: Level
    urgency: Level
    tier: Tier
    caller_email: str | None
    caller_phone: str | None
    caller_vip: bool
    parent: str | None
    children: list[str]
    workaround: str | None
    resolution_code: ResolutionCode | None
    resolution: str | None
    responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopen_count: int
    created_by: str
    notes: list[NoteView]
    history: list[AuditView]

    @classmethod
    def of(
        cls, t: Ticket, *, children: list[str], notes: list[Note], history: list[AuditEntry]
    ) -> "TicketView":
        return cls(
            ref=t.ref,
            kind=t.kind,
            title=t.title,
            priority=t.priority,
            status=t.status,
            pending_reason=t.pending_reason,
            caller=t.caller.name,
            caller_email=t.caller.email,
            caller_phone=t.caller.phone,
            caller_vip=t.caller.vip,
            service=t.service.name if t.service else None,
            group=t.group.name if t.group else None,
            assignee=t.assignee.login if t.assignee else None,
            assignee_active=t.assignee.active if t.assignee else True,
            major=t.major,
            opened_at=t.opened_at,
            updated_at=t.updated_at,
            version=t.version,
            description=t.description,
            channel=t.channel,
            category=t.category,
            ci=t.ci.name if t.ci else None,
            impact=t.impact,
            urgency=t.urgency,
            tier=t.tier,
            parent=t.parent.ref if t.parent else None,
            children=children,
            workaround=t.workaround,
            resolution_code=t.resolution_code,
            resolution=t.resolution,
            responded_at=t.responded_at,
            resolved_at=t.resolved_at,
            closed_at=t.closed_at,
            reopen_count=t.reopen_count,
            created_by=t.created_by.login,
            notes=[NoteView.of(n) for n in notes],
            history=[AuditView.of(e) for e in history],
        )
