"""Problem management's inputs (pydantic commands) and outputs (pydantic views).

They are what the TUI and the CLI hand to the problem services and get back: kept apart from
the services so that a screen or a command can name them without pulling in the queries.
"""

from datetime import datetime

from pydantic import Field, model_validator

from deskterm.domain.core.vocabulary import Level, PendingReason, Priority, ResolutionCode, TicketStatus
from deskterm.domain.problems.problem import ProblemStatus
from deskterm.services.core.commands import Body, Command, OptionalName, Text, Title
from deskterm.services.core.views import AuditView, View


class RaiseProblem(Command):
    """Raise a problem from incidents (reactive) or on its own (proactive)."""

    title: Title
    description: Body = ""
    incidents: tuple[str, ...] = ()
    service: OptionalName = None
    ci: OptionalName = None
    impact: Level = Level.MEDIUM
    urgency: Level = Level.MEDIUM
    group: OptionalName = None
    assignee: str | None = None
    pending: bool = True  # linked open incidents wait for the problem (pending reason problem)


class UpdateProblem(Command):
    """Change fields of a problem; only the fields given are touched."""

    ref: str
    expected_version: int | None = Field(default=None, ge=1)
    status: ProblemStatus | None = None
    title: Title | None = None
    description: Body | None = None
    impact: Level | None = None
    urgency: Level | None = None
    service: str | None = None  # "" clears
    ci: str | None = None  # "" clears
    group: str | None = None  # "" clears
    assignee: str | None = None  # "" clears
    root_cause: Body | None = None
    workaround: Body | None = None
    resolution: Body | None = None
    fixing_change: str | None = None  # a CHG ref; "" clears
    resolve_incidents: bool = False
    resolution_code: ResolutionCode = ResolutionCode.FIXED

    @model_validator(mode="after")
    def _paired(self) -> "UpdateProblem":
        if self.resolve_incidents and self.status is not ProblemStatus.RESOLVED:
            raise ValueError("resolving the incidents goes with --status resolved")
        return self


class RecordKnownError(Command):
    """A known error from a problem (or on its own, e.g. from a vendor's bulletin)."""

    problem: str | None = None
    title: Title | None = None  # the problem's title when not given
    symptom: Text
    root_cause: Body | None = None  # the problem's when not given
    workaround: Body | None = None  # the problem's when not given
    keywords: str = ""
    services: tuple[str, ...] = ()
    cis: tuple[str, ...] = ()


# -- outputs -------------------------------------------------------------------------------


class LinkedIncident(View):
    ref: str
    title: str
    status: TicketStatus
    pending_reason: PendingReason | None
    priority: Priority
    caller: str
    linked_at: datetime


class ProblemRow(View):
    ref: str
    title: str
    status: ProblemStatus
    priority: Priority
    service: str | None
    ci: str | None
    group: str | None
    assignee: str | None
    incidents: int
    open_incidents: int
    known_error: str | None
    fixing_change: str | None
    opened_at: datetime
    updated_at: datetime
    version: int


class ProblemView(ProblemRow):
    description: str
    impact: Level
    urgency: Level
    root_cause: str | None
    workaround: str | None
    resolution: str | None
    resolved_at: datetime | None
    closed_at: datetime | None
    created_by: str
    allowed_next: list[ProblemStatus]
    linked: list[LinkedIncident]
    known_errors: list[str]
    history: list[AuditView]
