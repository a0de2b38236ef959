"""How demo tickets behave (weights and durations, in seconds) and the small records the
generator plans them with."""

import itertools
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from deskterm.demo.wording import TITLES
from deskterm.domain.core.vocabulary import (
    Channel,
    Criticality,
    Level,
    PendingReason,
    Priority,
    ResolutionCode,
    TicketKind,
    TicketStatus,
    Tier,
)

DOMAIN = "corp.example"
WINDOW = 30 * 86400  # tickets are opened over the last 30 days
MIN_AGE = 600  # no ticket is younger than ten minutes, so every history has room
SLACK = 60  # the last step of a history is at least a minute before now
DAY = 86400
HOUR = 3600
UTC_OFFSET = 8 * HOUR  # the demo company works in China Standard Time

S = TicketStatus
K = TicketKind
L = Level


# --------------------------------------------------------------------------------------------
# How tickets behave: weights and durations (seconds)
# --------------------------------------------------------------------------------------------

STATUSES = [S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.PENDING, S.RESOLVED, S.CLOSED]
# by age (days): how likely each final status is; older tickets are mostly closed
BY_AGE: list[tuple[float, list[float]]] = [
    (0.5, [30, 20, 25, 10, 15, 0]),
    (3, [5, 10, 25, 15, 35, 10]),
    (7, [1, 3, 8, 10, 23, 55]),
    (float("inf"), [0.3, 0.7, 2, 4, 3, 90]),
]
REASONS = list(PendingReason)
REASON_WEIGHTS = [45, 25, 15, 15]
LEVELS = [L.HIGH, L.MEDIUM, L.LOW]
LEVEL_COMBOS = [(i, u) for i in LEVELS for u in LEVELS]
# how often an incident on a service of this criticality has high, medium, low impact
IMPACT_BY_CRITICALITY = {
    Criticality.CRITICAL: (25, 45, 30),
    Criticality.HIGH: (15, 45, 40),
    Criticality.MEDIUM: (8, 42, 50),
    Criticality.LOW: (3, 30, 67),
}
INC_CODES = [
    ResolutionCode.FIXED, ResolutionCode.WORKAROUND, ResolutionCode.KNOWN_ERROR, ResolutionCode.CHANGE,
    ResolutionCode.NO_FAULT, ResolutionCode.USER_ERROR, ResolutionCode.DUPLICATE, ResolutionCode.CANCELLED,
]  # fmt: skip
INC_CODE_WEIGHTS = [48, 12, 5, 5, 10, 12, 5, 3]
REQ_CODES = [ResolutionCode.FULFILLED, ResolutionCode.CANCELLED]
REQ_CODE_WEIGHTS = [92, 8]
INC_CHANNELS = [Channel.PHONE, Channel.EMAIL, Channel.SELF_SERVICE, Channel.WALK_IN, Channel.EVENT]
INC_CHANNEL_WEIGHTS = [36, 30, 18, 7, 9]
REQ_CHANNELS = [Channel.SELF_SERVICE, Channel.EMAIL, Channel.PHONE, Channel.WALK_IN]
REQ_CHANNEL_WEIGHTS = [50, 30, 15, 5]
NOTE_COUNTS = [0, 1, 2, 3, 4]
NOTE_COUNT_WEIGHTS = [20, 30, 25, 15, 10]
# per priority rank: time to first response, and time worked to resolution
RESPOND = {1: (120, 900), 2: (300, 1800), 3: (600, 2 * HOUR), 4: (1200, 4 * HOUR), 5: (1800, 8 * HOUR)}
WORK = {
    1: (1800, 4 * HOUR),
    2: (HOUR, 8 * HOUR),
    3: (2 * HOUR, DAY),
    4: (4 * HOUR, 3 * DAY),
    5: (8 * HOUR, 5 * DAY),
}
PICKUP = (60, HOUR)  # assigned -> in-progress
PENDING_FOR = (HOUR, 2 * DAY)
CLOSE_AFTER = (DAY, 3 * DAY)  # resolved -> closed (the caller confirms or the desk auto-closes)
# the share of each local hour of day at which calls arrive
HOUR_WEIGHTS = [
    0.04, 0.03, 0.03, 0.03, 0.03, 0.05, 0.1, 0.3, 0.8, 1.0, 1.0, 0.9,
    0.6, 0.8, 1.0, 1.0, 0.9, 0.8, 0.5, 0.3, 0.2, 0.15, 0.08, 0.05,
]  # fmt: skip

# the order in which update_ticket audits the fields of one change
FIELD_ORDER = ("workaround", "major", "levels", "parent", "group", "assignee", "status")


def cum(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


BY_AGE_CUM = [(limit, cum(w)) for limit, w in BY_AGE]


def is_chinese(value: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in value)


def ascii_name(value: str) -> str:
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


class Svc:
    __slots__ = ("ci_ids", "group_id", "id", "impact_weights", "incidents", "name", "requests")

    def __init__(self, sid: int, name: str, group_id: int, criticality: Criticality) -> None:
        self.id, self.name, self.group_id = sid, name, group_id
        self.impact_weights = IMPACT_BY_CRITICALITY[criticality]
        self.ci_ids: list[int] = []
        self.incidents, self.requests = TITLES.get(name, ([], []))


class Plan:
    """A ticket before it is made: when it opens, what it is, what it must end as."""

    __slots__ = (
        "age",
        "code",
        "id",
        "kind",
        "levels",
        "parent",
        "reason",
        "ref",
        "resolution",
        "resolve_in",
        "resolved_at",
        "resolver",
        "role",
        "service",
        "status",
        "title",
    )

    def __init__(self, age: int, kind: TicketKind, role: str = "") -> None:
        self.age, self.kind, self.role = age, kind, role
        self.parent: Plan | None = None
        self.resolve_in: int | None = None
        self.status: TicketStatus | None = None
        self.reason: PendingReason | None = None
        self.levels: tuple[Level, Level] | None = None
        self.title: str | None = None
        self.service: Svc | None = None
        self.id = 0
        self.ref = ""
        self.resolved_at: int | None = None
        self.code: ResolutionCode | None = None
        self.resolution: str | None = None
        self.resolver = 0


class State:
    """A ticket while its history is simulated; times are epoch seconds."""

    __slots__ = (
        "assignee",
        "closed_at",
        "group",
        "impact",
        "last_at",
        "major",
        "parent",
        "pending_reason",
        "priority",
        "reopen_count",
        "resolution",
        "resolution_code",
        "resolved_at",
        "responded_at",
        "status",
        "tier",
        "urgency",
        "version",
        "workaround",
    )

    def __init__(self) -> None:
        self.status = S.NEW
        self.group: int | None = None
        self.tier = Tier.T1
        self.assignee: int | None = None
        self.impact = L.MEDIUM
        self.urgency = L.MEDIUM
        self.priority = Priority.P3
        self.major = False
        self.parent: Plan | None = None
        self.workaround: str | None = None
        self.pending_reason: PendingReason | None = None
        self.resolution_code: ResolutionCode | None = None
        self.resolution: str | None = None
        self.responded_at: int | None = None
        self.resolved_at: int | None = None
        self.closed_at: int | None = None
        self.reopen_count = 0
        self.version = 1
        self.last_at = 0


Step = tuple[int, int, dict[str, Any]]  # (at or duration, actor id, changes)


def dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
