"""Change rules: transitions per type, the 7 Rs check, risk -> approval level, CAB outcomes."""

from itertools import pairwise, product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskterm.domain.changes.change import (
    DEFAULT_RISK_RULES,
    FINISHED,
    TRANSITIONS,
    ApprovalLevel,
    CabOutcome,
    CabRule,
    ChangeOutcome,
    ChangeState,
    ChangeType,
    Rfc,
    RiskRules,
    RiskRulesError,
    TransitionError,
    VoteDecision,
    allowed_moves,
    cab_outcome,
    check_transition,
    missing_fields,
    review_required,
)
from deskterm.domain.core.vocabulary import Level

S, T = ChangeState, ChangeType
H, M, L = Level.HIGH, Level.MEDIUM, Level.LOW

COMPLETE = Rfc(
    change_type=T.NORMAL,
    raised_by="ana",
    reason="old",
    expected_return="faster",
    risks="some",
    resources="2h",
    responsible="ana",
    has_no_relationship=True,
    implementation_plan="do",
    backout_plan="undo",
    test_plan="check",
    cis=("mail-db",),
)


# --- transitions --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(ChangeType))
def test_the_happy_path_of_every_type_is_allowed(kind: ChangeType) -> None:
    path = [S.DRAFT, S.ASSESSMENT]
    if kind is not T.STANDARD:
        path.append(S.AUTHORISATION)
    path += [S.SCHEDULED, S.IMPLEMENTING, S.REVIEW, S.CLOSED]
    for a, b in pairwise(path):
        check_transition(kind, a, b)


def test_standard_changes_skip_the_cab() -> None:
    assert S.AUTHORISATION not in {to for _, to in TRANSITIONS[T.STANDARD]}
    assert allowed_moves(T.STANDARD, S.ASSESSMENT) == [S.DRAFT, S.SCHEDULED, S.REJECTED, S.CANCELLED]


def test_only_emergency_changes_implement_straight_from_authorisation() -> None:
    check_transition(T.EMERGENCY, S.AUTHORISATION, S.IMPLEMENTING)
    with pytest.raises(TransitionError, match="normal change cannot move from authorisation to implementing"):
        check_transition(T.NORMAL, S.AUTHORISATION, S.IMPLEMENTING)


@pytest.mark.parametrize("kind", list(ChangeType))
@pytest.mark.parametrize("finished", sorted(FINISHED))
def test_finished_changes_go_nowhere(kind: ChangeType, finished: ChangeState) -> None:
    assert allowed_moves(kind, finished) == []
    with pytest.raises(TransitionError, match="nowhere"):
        check_transition(kind, finished, S.DRAFT)


def test_refusal_names_the_moves_allowed() -> None:
    with pytest.raises(TransitionError) as err:
        check_transition(T.NORMAL, S.DRAFT, S.SCHEDULED)
    assert "from draft it can go to assessment, cancelled" in str(err.value)


@pytest.mark.parametrize("kind", list(ChangeType))
def test_no_skipping_implementation(kind: ChangeType) -> None:
    for state in (S.DRAFT, S.ASSESSMENT, S.AUTHORISATION, S.SCHEDULED):
        assert S.CLOSED not in allowed_moves(kind, state)
        assert S.REVIEW not in allowed_moves(kind, state)


def test_every_state_but_the_finished_ones_is_reachable_for_every_type() -> None:
    for kind in ChangeType:
        seen, frontier = {S.DRAFT}, [S.DRAFT]
        while frontier:
            state = frontier.pop()
            for to in allowed_moves(kind, state):
                if to not in seen:
                    seen.add(to)
                    frontier.append(to)
        expected = set(ChangeState) - ({S.AUTHORISATION} if kind is T.STANDARD else set())
        assert seen == expected


# --- the 7 Rs -----------------------------------------------------------------------------------


def test_a_complete_rfc_misses_nothing() -> None:
    assert missing_fields(COMPLETE) == []


def test_an_empty_rfc_misses_everything_in_order() -> None:
    assert missing_fields(Rfc(change_type=T.STANDARD)) == [
        "raised by",
        "reason",
        "return",
        "risks",
        "resources",
        "responsible",
        "relationship",
        "implementation plan",
        "backout plan",
        "test plan",
        "CI or service",
        "template",
    ]


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("reason", "reason"),
        ("expected_return", "return"),
        ("backout_plan", "backout plan"),
        ("responsible", "responsible"),
    ],
)
def test_blank_text_counts_as_missing(field: str, label: str) -> None:
    from dataclasses import replace

    assert missing_fields(replace(COMPLETE, **{field: "   \n"})) == [label]


def test_relationship_is_refs_or_an_explicit_none() -> None:
    from dataclasses import replace

    assert missing_fields(replace(COMPLETE, has_no_relationship=False)) == ["relationship"]
    assert missing_fields(replace(COMPLETE, has_no_relationship=False, relationships=("CHG-1",))) == []


def test_a_service_is_enough_without_a_ci() -> None:
    from dataclasses import replace

    assert missing_fields(replace(COMPLETE, cis=(), services=("Email",))) == []


# --- risk and approval --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("risk", "level"),
    [
        ((L, L, L), ApprovalLevel.CHANGE_MANAGER),
        ((M, L, L), ApprovalLevel.CHANGE_MANAGER),
        ((M, M, L), ApprovalLevel.CAB),
        ((M, M, M), ApprovalLevel.CAB),
        ((H, L, L), ApprovalLevel.CAB),  # any high factor: at least the CAB
        ((H, M, M), ApprovalLevel.MANAGEMENT),
        ((H, H, L), ApprovalLevel.MANAGEMENT),
        ((H, H, H), ApprovalLevel.MANAGEMENT),
    ],
)
def test_normal_change_approval_level(risk: tuple[Level, Level, Level], level: ApprovalLevel) -> None:
    assert DEFAULT_RISK_RULES.approval_level(T.NORMAL, *risk) is level


@pytest.mark.parametrize("risk", list(product(Level, repeat=3)))
def test_standard_is_pre_approved_and_emergency_goes_to_the_ecab(risk: tuple[Level, Level, Level]) -> None:
    assert DEFAULT_RISK_RULES.approval_level(T.STANDARD, *risk) is ApprovalLevel.PRE_APPROVED
    assert DEFAULT_RISK_RULES.approval_level(T.EMERGENCY, *risk) is ApprovalLevel.EMERGENCY_CAB


@given(st.tuples(*[st.sampled_from(list(Level))] * 3), st.integers(0, 2))
def test_raising_a_factor_never_lowers_the_level(risk: tuple[Level, Level, Level], which: int) -> None:
    order = list(ApprovalLevel)
    up = list(risk)
    up[which] = {L: M, M: H, H: H}[up[which]]
    before = DEFAULT_RISK_RULES.approval_level(T.NORMAL, *risk)
    after = DEFAULT_RISK_RULES.approval_level(T.NORMAL, *up)
    assert order.index(after) >= order.index(before)


def test_risk_label() -> None:
    assert DEFAULT_RISK_RULES.risk(L, L, M) is L
    assert DEFAULT_RISK_RULES.risk(M, M, M) is M
    assert DEFAULT_RISK_RULES.risk(H, H, L) is H


def test_rules_are_configurable() -> None:
    strict = RiskRules.from_config({"bands": {"cab": 5, "management": 9}, "high_floor": "management"})
    assert strict.approval_level(T.NORMAL, L, L, L) is ApprovalLevel.CAB
    assert strict.approval_level(T.NORMAL, H, L, L) is ApprovalLevel.MANAGEMENT


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({}, "bands"),
        ({"bands": {"boss": 9}}, "unknown approval level 'boss'"),
        ({"bands": {"cab": 12}}, "between 3 and 9"),
        ({"bands": {"cab": 6}}, "must reach score 9"),
        ({"bands": {"cab": 9}, "high_floor": "nobody"}, "high_floor"),
    ],
)
def test_bad_rules_are_refused_naming_what(raw: dict[str, object], words: str) -> None:
    with pytest.raises(RiskRulesError, match=words):
        RiskRules.from_config(raw)


# --- the CAB ------------------------------------------------------------------------------------

A, R, X = VoteDecision.APPROVE, VoteDecision.REJECT, VoteDecision.ABSTAIN


def votes(*decisions: VoteDecision) -> dict[str, VoteDecision]:
    return {f"m{i}": d for i, d in enumerate(decisions)}


@pytest.mark.parametrize(
    ("rule", "cast", "voters", "expected"),
    [
        (CabRule.ANY, (), 3, CabOutcome.PENDING),
        (CabRule.ANY, (R, R), 3, CabOutcome.PENDING),
        (CabRule.ANY, (R, A), 3, CabOutcome.APPROVED),
        (CabRule.ANY, (R, R, X), 3, CabOutcome.REJECTED),
        (CabRule.ALL, (A, A), 3, CabOutcome.PENDING),
        (CabRule.ALL, (A, A, A), 3, CabOutcome.APPROVED),
        (CabRule.ALL, (A, A, X), 3, CabOutcome.APPROVED),  # abstaining does not block
        (CabRule.ALL, (A, R), 3, CabOutcome.REJECTED),
        (CabRule.ALL, (X, X, X), 3, CabOutcome.REJECTED),
        (CabRule.MAJORITY, (A,), 3, CabOutcome.PENDING),
        (CabRule.MAJORITY, (A, A), 3, CabOutcome.APPROVED),
        (CabRule.MAJORITY, (R, R), 3, CabOutcome.REJECTED),
        (CabRule.MAJORITY, (A, R), 4, CabOutcome.PENDING),
        (CabRule.MAJORITY, (A, R, R), 4, CabOutcome.REJECTED),  # a tie cannot become a majority
        (CabRule.MAJORITY, (A, X, X), 3, CabOutcome.APPROVED),
        (CabRule.MAJORITY, (), 0, CabOutcome.PENDING),
    ],
)
def test_cab_outcome(
    rule: CabRule, cast: tuple[VoteDecision, ...], voters: int, expected: CabOutcome
) -> None:
    assert cab_outcome(rule, votes(*cast), voters) is expected


@given(
    st.sampled_from(list(CabRule)),
    st.lists(st.sampled_from(list(VoteDecision)), max_size=7),
    st.integers(0, 3),
)
def test_a_decided_cab_stays_decided_when_more_votes_come(
    rule: CabRule, cast: list[VoteDecision], extra: int
) -> None:
    voters = len(cast) + extra
    first = cab_outcome(rule, votes(*cast), voters)
    if first is CabOutcome.PENDING or rule is CabRule.ANY:
        return  # 'any' can still be approved by a late vote once everyone has not yet voted
    for more in product(list(VoteDecision), repeat=extra):
        assert cab_outcome(rule, votes(*cast, *more), voters) is first


@given(st.sampled_from(list(CabRule)), st.integers(1, 6))
def test_unanimous_approval_passes_every_rule(rule: CabRule, voters: int) -> None:
    assert cab_outcome(rule, votes(*[A] * voters), voters) is CabOutcome.APPROVED


# --- review ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "outcome", "required"),
    [
        (T.NORMAL, ChangeOutcome.SUCCESSFUL, False),
        (T.NORMAL, ChangeOutcome.SUCCESSFUL_WITH_ISSUES, False),
        (T.NORMAL, ChangeOutcome.FAILED, True),
        (T.STANDARD, ChangeOutcome.BACKED_OUT, True),
        (T.EMERGENCY, ChangeOutcome.SUCCESSFUL, True),
        (T.EMERGENCY, None, True),
        (T.NORMAL, None, False),
    ],
)
def test_review_required(kind: ChangeType, outcome: ChangeOutcome | None, required: bool) -> None:
    assert review_required(kind, outcome) is required
