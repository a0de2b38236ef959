"""All models, imported here so that ``Base.metadata`` knows every table."""

from deskterm.store.models.audit import AuditEntry
from deskterm.store.models.catalogue import CIRelationship, ConfigurationItem, Service, ServiceCI
from deskterm.store.models.counter import RefCounter
from deskterm.store.models.people import Agent, Contact, Group, GroupMember
from deskterm.store.models.ticket import Note, Ticket

__all__ = [
    "Agent",
    "AuditEntry",
    "CIRelationship",
    "ConfigurationItem",
    "Contact",
    "Group",
    "GroupMember",
    "Note",
    "RefCounter",
    "Service",
    "ServiceCI",
    "Ticket",
]
