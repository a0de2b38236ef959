"""Change management rules: RFC types and states, transitions per type, the 7 Rs, risk and approval.

ITIL evaluates every change with the 7 Rs (raised by, reason, return, risks, resources,
responsible, relationship) and sets the approval level from the business risk, the financial
implication and the scope of the change. Everything here is pure and configurable by table.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from deskterm.domain.core.vocabulary import Level


class ChangeType(StrEnum):
    STANDARD = "standard"
    NORMAL = "normal"
    EMERGENCY = "emergency"


class ChangeState(StrEnum):
    """The board's columns, in workflow order, then the two dead ends."""

    DRAFT = "draft"
    ASSESSMENT = "assessment"
    AUTHORISATION = "authorisation"
    SCHEDULED = "scheduled"
    IMPLEMENTING = "implementing"
    REVIEW = "review"
    CLOSED = "closed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        """Open changes are the backlog and take part in collision detection."""
        return self not in FINISHED


FINISHED = frozenset({ChangeState.CLOSED, ChangeState.REJECTED, ChangeState.CANCELLED})

#: Before implementation starts: fields may still be edited in these.
EDITABLE = frozenset({ChangeState.DRAFT, ChangeState.ASSESSMENT})


class ChangeOutcome(StrEnum):
    SUCCESSFUL = "successful"
    SUCCESSFUL_WITH_ISSUES = "successful-with-issues"
    FAILED = "failed"
    BACKED_OUT = "backed-out"


class ApprovalLevel(StrEnum):
    """Who authorises: standard changes are pre-approved; the rest by level of risk."""

    PRE_APPROVED = "pre-approved"
    CHANGE_MANAGER = "change-manager"
    CAB = "cab"
    MANAGEMENT = "management"
    EMERGENCY_CAB = "emergency-cab"

    @property
    def needs_votes(self) -> bool:
        return self in (ApprovalLevel.CAB, ApprovalLevel.MANAGEMENT, ApprovalLevel.EMERGENCY_CAB)


class VoteDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    ABSTAIN = "abstain"


class CabRule(StrEnum):
    """How the members' votes combine into the CAB's recommendation."""

    ANY = "any"
    ALL = "all"
    MAJORITY = "majority"


class CabOutcome(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class TransitionError(ValueError):
    """A move the workflow of this change type does not allow."""


_S = ChangeState
_COMMON: frozenset[tuple[ChangeState, ChangeState]] = frozenset(
    {
        (_S.DRAFT, _S.ASSESSMENT),
        (_S.DRAFT, _S.CANCELLED),
        (_S.ASSESSMENT, _S.DRAFT),
        (_S.ASSESSMENT, _S.CANCELLED),
        (_S.ASSESSMENT, _S.REJECTED),
        (_S.SCHEDULED, _S.IMPLEMENTING),
        (_S.SCHEDULED, _S.CANCELLED),
        (_S.IMPLEMENTING, _S.REVIEW),
        (_S.IMPLEMENTING, _S.CLOSED),
        (_S.REVIEW, _S.CLOSED),
    }
)
_AUTHORISED: frozenset[tuple[ChangeState, ChangeState]] = frozenset(
    {
        (_S.ASSESSMENT, _S.AUTHORISATION),
        (_S.AUTHORISATION, _S.ASSESSMENT),
        (_S.AUTHORISATION, _S.SCHEDULED),
        (_S.AUTHORISATION, _S.REJECTED),
        (_S.AUTHORISATION, _S.CANCELLED),
        (_S.SCHEDULED, _S.AUTHORISATION),
    }
)

#: The allowed moves per type. Standard changes are pre-approved: no authorisation step.
#: Emergency changes may start implementing from authorisation (authorised retrospectively).
TRANSITIONS: Mapping[ChangeType, frozenset[tuple[ChangeState, ChangeState]]] = {
    ChangeType.STANDARD: _COMMON | {(_S.ASSESSMENT, _S.SCHEDULED)},
    ChangeType.NORMAL: _COMMON | _AUTHORISED,
    ChangeType.EMERGENCY: _COMMON | _AUTHORISED | {(_S.AUTHORISATION, _S.IMPLEMENTING)},
}


def allowed_moves(change_type: ChangeType, state: ChangeState) -> list[ChangeState]:
    """Where a change of this type may go from ``state``, in board order."""
    moves = TRANSITIONS[ChangeType(change_type)]
    return [to for to in ChangeState if (ChangeState(state), to) in moves]


def check_transition(change_type: ChangeType, state: ChangeState, to: ChangeState) -> None:
    """Raise :class:`TransitionError` naming the moves that are allowed instead."""
    if (ChangeState(state), ChangeState(to)) in TRANSITIONS[ChangeType(change_type)]:
        return
    options = ", ".join(s.value for s in allowed_moves(change_type, state)) or "nowhere (it is finished)"
    raise TransitionError(
        f"a {ChangeType(change_type).value} change cannot move from {ChangeState(state).value} "
        f"to {ChangeState(to).value}; from {ChangeState(state).value} it can go to {options}"
    )


#: The fields a change needs before it leaves draft: the 7 Rs, then the plans.
#: Keys are the names users see (and the CLI options); values the attribute read.
REQUIRED_FIELDS: tuple[tuple[str, str], ...] = (
    ("raised by", "raised_by"),
    ("reason", "reason"),
    ("return", "expected_return"),
    ("risks", "risks"),
    ("resources", "resources"),
    ("responsible", "responsible"),
    ("relationship", "relationship"),
    ("implementation plan", "implementation_plan"),
    ("backout plan", "backout_plan"),
    ("test plan", "test_plan"),
)


@dataclass(frozen=True)
class Rfc:
    """What the completeness check reads. ``relationship`` is the relationship to other
    changes: a list of refs, or the word ``none`` given explicitly (``has_no_relationship``)."""

    change_type: ChangeType
    raised_by: str | None = None
    reason: str | None = None
    expected_return: str | None = None
    risks: str | None = None
    resources: str | None = None
    responsible: str | None = None
    relationships: tuple[str, ...] = ()
    has_no_relationship: bool = False
    implementation_plan: str | None = None
    backout_plan: str | None = None
    test_plan: str | None = None
    template: str | None = None
    cis: tuple[str, ...] = ()
    services: tuple[str, ...] = ()


def missing_fields(rfc: Rfc) -> list[str]:
    """The names of what is still empty, in the order of the 7 Rs then the plans.

    A standard change also needs its template; every change needs at least one CI or service.
    """
    missing: list[str] = []
    for label, attr in REQUIRED_FIELDS:
        if attr == "relationship":
            if not rfc.relationships and not rfc.has_no_relationship:
                missing.append(label)
            continue
        value = getattr(rfc, attr)
        if value is None or not str(value).strip():
            missing.append(label)
    if not rfc.cis and not rfc.services:
        missing.append("CI or service")
    if ChangeType(rfc.change_type) is ChangeType.STANDARD and not (rfc.template or "").strip():
        missing.append("template")
    return missing


class RiskRulesError(ValueError):
    """A configured risk table that is incomplete or names an unknown level."""


_POINTS = {Level.LOW: 1, Level.MEDIUM: 2, Level.HIGH: 3}


@dataclass(frozen=True)
class RiskRules:
    """Business risk + financial implication + scope, each low/medium/high (1/2/3 points),
    summed (3..9) and read against ``bands``: the first band whose ``up_to`` holds the score
    gives the approval level. ``high_floor`` is the least level when any factor is high."""

    bands: tuple[tuple[int, ApprovalLevel], ...] = (
        (4, ApprovalLevel.CHANGE_MANAGER),
        (6, ApprovalLevel.CAB),
        (9, ApprovalLevel.MANAGEMENT),
    )
    high_floor: ApprovalLevel = ApprovalLevel.CAB
    points: Mapping[Level, int] = field(default_factory=lambda: dict(_POINTS))

    def score(self, business_risk: Level, financial: Level, scope: Level) -> int:
        return sum(self.points[Level(x)] for x in (business_risk, financial, scope))

    def risk(self, business_risk: Level, financial: Level, scope: Level) -> Level:
        """The overall risk label shown on the change: low (3-4), medium (5-6), high (7-9)."""
        score = self.score(business_risk, financial, scope)
        return Level.LOW if score <= 4 else Level.MEDIUM if score <= 6 else Level.HIGH

    def approval_level(
        self, change_type: ChangeType, business_risk: Level, financial: Level, scope: Level
    ) -> ApprovalLevel:
        change_type = ChangeType(change_type)
        if change_type is ChangeType.STANDARD:
            return ApprovalLevel.PRE_APPROVED
        if change_type is ChangeType.EMERGENCY:
            return ApprovalLevel.EMERGENCY_CAB
        score = self.score(business_risk, financial, scope)
        level = next((lvl for top, lvl in self.bands if score <= top), self.bands[-1][1])
        if Level.HIGH in (Level(business_risk), Level(financial), Level(scope)):
            order = list(ApprovalLevel)
            if order.index(level) < order.index(self.high_floor):
                level = self.high_floor
        return level

    @classmethod
    def from_config(cls, raw: Mapping[str, object]) -> "RiskRules":
        """Build from ``{"bands": {"change-manager": 4, "cab": 6, "management": 9},
        "high_floor": "cab"}``; the last band must reach 9 so every score has a level."""
        bands_raw = raw.get("bands", {})
        if not isinstance(bands_raw, Mapping) or not bands_raw:
            raise RiskRulesError("risk rules: 'bands' must map approval levels to the highest score")
        bands: list[tuple[int, ApprovalLevel]] = []
        for name, top in bands_raw.items():
            try:
                level = ApprovalLevel(str(name))
            except ValueError:
                raise RiskRulesError(
                    f"risk rules: unknown approval level {name!r}; use change-manager, cab or management"
                ) from None
            if not isinstance(top, int) or not 3 <= top <= 9:
                raise RiskRulesError(f"risk rules: band {name} must be a score between 3 and 9")
            bands.append((top, level))
        bands.sort()
        if bands[-1][0] < 9:
            raise RiskRulesError("risk rules: the highest band must reach score 9")
        floor = raw.get("high_floor", ApprovalLevel.CAB.value)
        try:
            high_floor = ApprovalLevel(str(floor))
        except ValueError:
            raise RiskRulesError(f"risk rules: unknown high_floor {floor!r}") from None
        return cls(bands=tuple(bands), high_floor=high_floor)


DEFAULT_RISK_RULES = RiskRules()


def cab_outcome(rule: CabRule, votes: Mapping[str, VoteDecision], voters: int) -> CabOutcome:
    """The CAB's recommendation from the votes cast so far.

    ``voters`` is the number of members entitled to vote on this change (its raiser and
    implementer excluded). Abstentions count towards nobody: ``all`` needs every other
    eligible member to approve, ``majority`` more than half of those who do not abstain,
    ``any`` one approval (and is rejected only when everyone voted without approving).
    """
    decisions = list(votes.values())
    approve = decisions.count(VoteDecision.APPROVE)
    reject = decisions.count(VoteDecision.REJECT)
    abstain = decisions.count(VoteDecision.ABSTAIN)
    counted = max(voters - abstain, 0)
    rule = CabRule(rule)
    if voters <= 0:
        return CabOutcome.PENDING
    if rule is CabRule.ANY:
        if approve:
            return CabOutcome.APPROVED
        return CabOutcome.REJECTED if len(decisions) >= voters else CabOutcome.PENDING
    if rule is CabRule.ALL:
        if reject:
            return CabOutcome.REJECTED
        if approve and approve >= counted:
            return CabOutcome.APPROVED
        return CabOutcome.REJECTED if counted == 0 else CabOutcome.PENDING
    # majority of those who do not abstain
    if counted == 0:
        return CabOutcome.REJECTED
    if approve * 2 > counted:
        return CabOutcome.APPROVED
    if reject * 2 >= counted:
        return CabOutcome.REJECTED
    return CabOutcome.PENDING


#: Outcomes after which a post-implementation review is required before closing.
REVIEW_REQUIRED_OUTCOMES = frozenset({ChangeOutcome.FAILED, ChangeOutcome.BACKED_OUT})


def review_required(change_type: ChangeType, outcome: ChangeOutcome | None) -> bool:
    """ITIL: review failed, backed-out and emergency changes before closing them."""
    return ChangeType(change_type) is ChangeType.EMERGENCY or (
        outcome is not None and ChangeOutcome(outcome) in REVIEW_REQUIRED_OUTCOMES
    )
