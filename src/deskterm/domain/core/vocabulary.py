"""The words of the domain, as StrEnums whose values are what users type and see.

Values are lowercase and hyphenated so that the CLI, the database and JSON agree.
"""

from enum import StrEnum


class Level(StrEnum):
    """Impact and urgency share one three-step scale (ITIL: 影响度 紧急度)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Priority(StrEnum):
    """P1 is the most urgent; the order of members is the order of urgency."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"
    P5 = "P5"

    @property
    def rank(self) -> int:
        return int(self.value[1])


class TicketKind(StrEnum):
    INCIDENT = "incident"
    REQUEST = "request"

    @property
    def prefix(self) -> str:
        return "INC" if self is TicketKind.INCIDENT else "REQ"


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WALK_IN = "walk-in"
    SELF_SERVICE = "self-service"
    EVENT = "event"


class TicketStatus(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in-progress"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self not in (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class PendingReason(StrEnum):
    """Why a ticket waits; the SLA agreements decide which of these stop the clock."""

    CUSTOMER = "customer"
    SUPPLIER = "supplier"
    PROBLEM = "problem"
    CHANGE = "change"


class ResolutionCode(StrEnum):
    FIXED = "fixed"
    WORKAROUND = "workaround"
    KNOWN_ERROR = "known-error"
    CHANGE = "change"
    NO_FAULT = "no-fault-found"
    USER_ERROR = "user-error"
    DUPLICATE = "duplicate"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


class LifecycleStatus(StrEnum):
    """The service portfolio statuses (已许可 已设计 已开发 已构建 已测试 已发布 可操作), then retired."""

    APPROVED = "approved"
    DESIGNED = "designed"
    DEVELOPED = "developed"
    BUILT = "built"
    TESTED = "tested"
    RELEASED = "released"
    OPERATIONAL = "operational"
    RETIRED = "retired"


class Criticality(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class CIStatus(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    MAINTENANCE = "maintenance"
    RETIRED = "retired"


class CIRelation(StrEnum):
    """Typed CI relationships; impact analysis walks them up to services."""

    DEPENDS_ON = "depends-on"
    RUNS_ON = "runs-on"
    PART_OF = "part-of"


class Tier(StrEnum):
    """Support lines: the service desk is tier 1, specialists tiers 2 and 3."""

    T1 = "1"
    T2 = "2"
    T3 = "3"


class NoteVisibility(StrEnum):
    INTERNAL = "internal"
    PUBLIC = "public"
