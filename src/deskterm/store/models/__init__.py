"""All models, imported here so that ``Base.metadata`` knows every table."""

from deskterm.store.models.access import AgentAccount, AgentRole, DeskSetting  # noqa: F401
from deskterm.store.models.audit import AuditEntry
from deskterm.store.models.catalogue import CIRelationship, ConfigurationItem, Service, ServiceCI
from deskterm.store.models.change import Cab, Change
from deskterm.store.models.counter import RefCounter
from deskterm.store.models.event import Event, EventRule, EventSetting
from deskterm.store.models.handover import CsatResponse, Handover, HandoverItem
from deskterm.store.models.people import Agent, Contact, Group, GroupMember
from deskterm.store.models.problem import (
    KnownError,
    KnownErrorCI,
    KnownErrorIncident,
    KnownErrorService,
    Problem,
    ProblemIncident,
)
from deskterm.store.models.sla import (
    Agreement,
    AgreementGroup,
    AgreementService,
    EscalationFiring,
    EscalationRule,
    SipItem,
    SlaCalendar,
    TicketClock,
)
from deskterm.store.models.ticket import Note, Ticket

__all__ = [
    "Agent",
    "Agreement",
    "AgreementGroup",
    "AgreementService",
    "AuditEntry",
    "CIRelationship",
    "Cab",
    "Change",
    "ConfigurationItem",
    "Contact",
    "CsatResponse",
    "EscalationFiring",
    "EscalationRule",
    "Event",
    "EventRule",
    "EventSetting",
    "Group",
    "GroupMember",
    "Handover",
    "HandoverItem",
    "KnownError",
    "KnownErrorCI",
    "KnownErrorIncident",
    "KnownErrorService",
    "Note",
    "Problem",
    "ProblemIncident",
    "RefCounter",
    "Service",
    "ServiceCI",
    "SipItem",
    "SlaCalendar",
    "Ticket",
    "TicketClock",
]
