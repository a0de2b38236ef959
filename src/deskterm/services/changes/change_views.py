"""Change management's inputs (pydantic commands) and outputs (pydantic views).

``responsible`` is one text naming who builds, tests and implements (e.g.
``build: ana; test: bo; implementation: cy``); ``implementer`` is the agent login that does
the work in the window and is checked for double booking. ``relationships`` are CHG refs;
the single word ``none`` states that the change relates to no other change (the 7th R).
"""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from deskterm.domain.changes.change import (
    ApprovalLevel,
    CabOutcome,
    CabRule,
    ChangeOutcome,
    ChangeState,
    ChangeType,
    VoteDecision,
)
from deskterm.domain.changes.schedule import CollisionKind
from deskterm.domain.core.vocabulary import Level, Priority
from deskterm.services.core.commands import Body, Command, Name, OptionalName, Title


class RaiseChange(Command):
    """An RFC. Only ``title`` is required to save a draft; submitting needs the 7 Rs and plans."""

    type: ChangeType = ChangeType.NORMAL
    title: Title
    description: Body = ""
    raised_by: OptionalName = None  # defaults to the acting agent's login
    reason: Body | None = None
    expected_return: Body | None = None
    risks: Body | None = None
    resources: Body | None = None
    responsible: Body | None = None
    relationships: list[str] = Field(default_factory=list)
    impact: Level = Level.MEDIUM
    urgency: Level = Level.MEDIUM
    business_risk: Level = Level.MEDIUM
    financial: Level = Level.LOW
    scope: Level = Level.LOW
    cis: list[Name] = Field(default_factory=list)
    services: list[Name] = Field(default_factory=list)
    planned_start: datetime | None = None
    planned_end: datetime | None = None
    implementer: str | None = None
    implementation_plan: Body | None = None
    backout_plan: Body | None = None
    test_plan: Body | None = None
    template: OptionalName = None

    @model_validator(mode="after")
    def _window(self) -> "RaiseChange":
        _check_window(self.planned_start, self.planned_end)
        return self


class UpdateChange(Command):
    """Fields to change while the change is in draft or assessment; only fields given are touched.

    ``relationships``/``cis``/``services`` replace the whole list when given. Planned windows
    are set with :func:`deskterm.services.changes.changes.schedule`, which recomputes collisions.
    """

    type: ChangeType | None = None
    title: Title | None = None
    description: Body | None = None
    raised_by: OptionalName = None
    reason: Body | None = None
    expected_return: Body | None = None
    risks: Body | None = None
    resources: Body | None = None
    responsible: Body | None = None
    relationships: list[str] | None = None
    impact: Level | None = None
    urgency: Level | None = None
    business_risk: Level | None = None
    financial: Level | None = None
    scope: Level | None = None
    cis: list[Name] | None = None
    services: list[Name] | None = None
    implementer: str | None = None
    implementation_plan: Body | None = None
    backout_plan: Body | None = None
    test_plan: Body | None = None
    template: OptionalName = None


def _check_window(start: datetime | None, end: datetime | None) -> None:
    if (start is None) != (end is None):
        raise ValueError("a planned window needs both a start and an end")
    if start is not None and end is not None:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("planned times must carry a time zone (e.g. 2026-12-01T22:00+01:00)")
        if end <= start:
            raise ValueError("the planned end must be after the planned start")


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class CollisionView(View):
    """One warning: ``other`` is the other change's ref or the window's name."""

    kind: CollisionKind
    other: str
    explanation: str


class ChangeSummary(View):
    """One card on the board, one line of a list, one bar on the calendar."""

    ref: str
    title: str
    type: ChangeType
    priority: Priority
    state: ChangeState
    outcome: ChangeOutcome | None
    approval_level: ApprovalLevel
    planned_start: datetime | None
    planned_end: datetime | None
    implementer: str | None
    authorised: bool
    collision_count: int
    collision_text: list[str] = Field(default_factory=list)  # one short line per collision
    cis: list[str] = Field(default_factory=list)
    version: int


class VoteView(View):
    voter: str
    decision: VoteDecision
    comment: str
    at: datetime


class ReviewView(View):
    outcome: ChangeOutcome
    lessons: str
    benefits_realised: bool | None
    within_cost: bool | None
    reviewer: str
    at: datetime


class TimelineEntry(View):
    at: datetime
    actor: str
    field: str
    old: str | None
    new: str | None


class ChangeDetail(ChangeSummary):
    """Everything about one change: the 7 Rs, plans, assessment, CAB, collisions, outage, history."""

    description: str
    raised_by: str | None
    reason: str | None
    expected_return: str | None
    risks: str | None
    resources: str | None
    responsible: str | None
    relationships: list[str]  # CHG refs; empty with ``no_relationship`` = "none" stated
    no_relationship: bool
    impact: Level
    urgency: Level
    business_risk: Level
    financial: Level
    scope: Level
    risk: Level  # the overall risk from the three factors
    services: list[str]
    template: str | None
    implementation_plan: str | None
    backout_plan: str | None
    test_plan: str | None
    missing: list[str]  # what still blocks leaving draft (empty = complete)
    cab: str | None
    cab_rule: CabRule | None
    cab_manager: str | None
    cab_outcome: CabOutcome | None  # the members' recommendation so far
    votes: list[VoteView]
    decided_by: str | None
    decision_comment: str | None
    collisions: list[CollisionView]
    outage_services: list[str]  # services fed by the change's CIs through the relationships
    incidents: list[str]  # incidents linked as caused by this change
    review: ReviewView | None
    review_required: bool
    actual_start: datetime | None
    actual_end: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    timeline: list[TimelineEntry]
    allowed_moves: list[ChangeState]


class WindowOccurrence(View):
    """A blackout, or one occurrence of a weekly maintenance window, in UTC."""

    kind: str  # "blackout" | "maintenance"
    name: str
    target: str | None  # the CI or service of a maintenance window
    start: datetime
    end: datetime


class CabView(View):
    name: str
    manager: str
    members: list[str]
    rule: CabRule
    emergency: bool
    agenda: int  # changes awaiting this CAB


class ChangeKpi(View):
    """The ITIL change KPIs over [start, end)."""

    start: datetime
    end: datetime
    closed: int  # changes closed in the period
    met_quality: int  # closed successful (without issues)
    met_time: int  # implemented within the planned window
    met_cost: int  # review said within cost
    met_all: int
    benefits_expected: int  # closed changes that stated a return
    benefits_realised: int  # ... whose review says the benefits were realised
    disruptions: int  # incidents opened in the period linked as caused by a change
    unauthorised: int  # changes implemented in the period without authorisation
    backlog: int  # open changes (not closed, rejected or cancelled) at the end of the period
    backlog_avg_age_days: float
    backlog_oldest_age_days: float
    backlog_oldest: str | None
    previous_disruptions: int  # the same figures over the period just before, to show reduction
    previous_unauthorised: int
    previous_backlog: int
