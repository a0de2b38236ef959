"""Reading changes: finding one by ref, its summary and its detail view (the 7 Rs, the
assessment, the CAB's votes, collisions, the projected outage, the timeline), and lists."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from deskterm.domain.changes.change import (
    DEFAULT_RISK_RULES,
    ApprovalLevel,
    CabOutcome,
    CabRule,
    ChangeState,
    ChangeType,
    Rfc,
    RiskRules,
    RiskRulesError,
    allowed_moves,
    cab_outcome,
    missing_fields,
    review_required,
)
from deskterm.domain.changes.schedule import Collision, Interval
from deskterm.domain.core.refs import RefError, RefKind, parse_ref
from deskterm.domain.core.vocabulary import CIRelation
from deskterm.services.changes import change_windows
from deskterm.services.changes.change_views import (
    ChangeDetail,
    ChangeSummary,
    CollisionView,
    ReviewView,
    TimelineEntry,
    VoteView,
)
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput, NotFound
from deskterm.store.models import Agent, AuditEntry, CIRelationship, Service, ServiceCI
from deskterm.store.models.change import Change, ChangeVote

RECORD = "change"
RULES = DEFAULT_RISK_RULES


def risk_rules(desk: Desk) -> RiskRules:
    """The site's approval table (settings ``change_risk``, when the config has one), else the default."""
    raw = getattr(desk.settings, "change_risk", None)
    if not raw:
        return RULES
    try:
        return RiskRules.from_config(raw)
    except RiskRulesError as exc:
        raise InvalidInput(f"{exc}; fix change_risk in the config file") from None


# --- finding -------------------------------------------------------------------------------------


def _parse(ref: str) -> str:
    try:
        parsed = parse_ref(ref)
    except RefError as exc:
        raise InvalidInput(str(exc)) from None
    if parsed.kind is not RefKind.CHG:
        raise InvalidInput(f"{parsed} is not a change; change refs start with CHG, e.g. CHG-12")
    return str(parsed)


def find(s: Session, ref: str, *, for_update: bool = False) -> Change:
    """A change by ref (``CHG-12``, ``chg12``); ``for_update`` locks its row until commit."""
    wanted = _parse(ref)
    stmt = select(Change).where(Change.ref == wanted)
    if for_update:
        stmt = stmt.with_for_update()
    found = s.scalar(stmt)
    if found is None:
        raise NotFound(f"there is no change {wanted}; deskterm change list shows them")
    return found


# --- views ---------------------------------------------------------------------------------------


def _short(c: Collision) -> str:
    return f"{c.kind.value}: {c.other}"


def _authorised(c: Change) -> bool:
    return c.authorised_at is not None


def summary(c: Change, collisions: Sequence[Collision]) -> ChangeSummary:
    return ChangeSummary(
        ref=c.ref,
        title=c.title,
        type=c.change_type,
        priority=c.priority,
        state=c.state,
        outcome=c.outcome,
        approval_level=c.approval_level,
        planned_start=c.planned_start,
        planned_end=c.planned_end,
        implementer=c.implementer.login if c.implementer else None,
        authorised=_authorised(c),
        collision_count=len(collisions),
        collision_text=[_short(x) for x in collisions],
        cis=[ci.name for ci in c.cis],
        version=c.version,
    )


def _load_options() -> list[Any]:
    return [selectinload(Change.implementer), selectinload(Change.cis)]


def summaries(s: Session, changes: Sequence[Change]) -> list[ChangeSummary]:
    windows = [(c.planned_start, c.planned_end) for c in changes if c.planned_start and c.planned_end]
    if not windows:
        return [summary(c, []) for c in changes]
    around = Interval(min(w[0] for w in windows), max(w[1] for w in windows))
    collisions = change_windows.collision_map(s, around)
    return [summary(c, collisions.get(c.id, [])) for c in changes]


def _owners(c: Change) -> tuple[set[int], str]:
    """Who may not approve ``c``: its creator and implementer (ids), and who raised it (name)."""
    ids = {c.created_by_id}
    if c.implementer_id is not None:
        ids.add(c.implementer_id)
    return ids, (c.raised_by or "").strip().lower()


def _is_owner(c: Change, agent: Agent) -> bool:
    ids, raised_by = _owners(c)
    return agent.id in ids or agent.login.lower() == raised_by


def _eligible(c: Change) -> list[Agent]:
    return [m for m in (c.cab.members if c.cab else []) if not _is_owner(c, m)]


def _votes(s: Session, c: Change) -> list[ChangeVote]:
    return list(
        s.scalars(
            select(ChangeVote)
            .where(ChangeVote.change_id == c.id)
            .options(selectinload(ChangeVote.voter))
            .order_by(ChangeVote.at, ChangeVote.id)
        )
    )


def _rule(c: Change) -> CabRule | None:
    if c.cab is None:
        return None
    return CabRule.ALL if c.approval_level is ApprovalLevel.MANAGEMENT else c.cab.rule


def _cab_outcome(c: Change, votes: Sequence[ChangeVote]) -> CabOutcome | None:
    rule = _rule(c)
    if rule is None or not c.approval_level.needs_votes:
        return None
    eligible = {m.id for m in _eligible(c)}
    cast = {v.voter.login: v.decision for v in votes if v.voter_id in eligible}
    return cab_outcome(rule, cast, len(eligible))


def _outage(s: Session, c: Change) -> list[str]:
    """Services fed by the change's CIs: walk to what depends on, runs on or is part of them
    (and from a part up to its whole), then take every reached CI's services."""
    reached = {ci.id for ci in c.cis}
    frontier = set(reached)
    while frontier:
        rows = s.execute(
            select(CIRelationship.source_id, CIRelationship.relation, CIRelationship.target_id).where(
                or_(CIRelationship.target_id.in_(frontier), CIRelationship.source_id.in_(frontier))
            )
        ).all()
        new: set[int] = set()
        for source, relation, target in rows:
            if target in frontier and source not in reached:
                new.add(source)
            if relation == CIRelation.PART_OF and source in frontier and target not in reached:
                new.add(target)
        reached |= new
        frontier = new
    names = set(
        s.scalars(
            select(Service.name)
            .join(ServiceCI, ServiceCI.service_id == Service.id)
            .where(ServiceCI.ci_id.in_(reached))
        )
    )
    names |= {x.name for x in c.services}
    return sorted(names)


def _rfc(c: Change) -> Rfc:
    return Rfc(
        change_type=c.change_type,
        raised_by=c.raised_by,
        reason=c.reason,
        expected_return=c.expected_return,
        risks=c.risks,
        resources=c.resources,
        responsible=c.responsible,
        relationships=tuple(x.ref for x in c.related),
        has_no_relationship=c.no_relationship,
        implementation_plan=c.implementation_plan,
        backout_plan=c.backout_plan,
        test_plan=c.test_plan,
        template=c.template,
        cis=tuple(x.name for x in c.cis),
        services=tuple(x.name for x in c.services),
    )


def detail(s: Session, c: Change) -> ChangeDetail:
    s.flush()
    s.refresh(c)
    votes = _votes(s, c)
    collisions: list[Collision] = []
    if c.planned_start is not None and c.planned_end is not None:
        around = Interval(c.planned_start, c.planned_end)
        collisions = change_windows.collision_map(s, around).get(c.id, [])
    history = s.scalars(
        select(AuditEntry)
        .where(AuditEntry.record_kind == RECORD, AuditEntry.record_id == c.id)
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.id)
    ).all()
    base = summary(c, collisions).model_dump()
    review = None
    if c.reviewed_at is not None and c.review_outcome is not None and c.reviewed_by is not None:
        review = ReviewView(
            outcome=c.review_outcome,
            lessons=c.review_lessons or "",
            benefits_realised=c.benefits_realised,
            within_cost=c.within_cost,
            reviewer=c.reviewed_by.login,
            at=c.reviewed_at,
        )
    return ChangeDetail(
        **base,
        description=c.description,
        raised_by=c.raised_by,
        reason=c.reason,
        expected_return=c.expected_return,
        risks=c.risks,
        resources=c.resources,
        responsible=c.responsible,
        relationships=[x.ref for x in c.related],
        no_relationship=c.no_relationship,
        impact=c.impact,
        urgency=c.urgency,
        business_risk=c.business_risk,
        financial=c.financial,
        scope=c.scope,
        risk=RULES.risk(c.business_risk, c.financial, c.scope),
        services=[x.name for x in c.services],
        template=c.template,
        implementation_plan=c.implementation_plan,
        backout_plan=c.backout_plan,
        test_plan=c.test_plan,
        missing=missing_fields(_rfc(c)),
        cab=c.cab.name if c.cab else None,
        cab_rule=_rule(c),
        cab_manager=c.cab.manager.login if c.cab else None,
        cab_outcome=_cab_outcome(c, votes),
        votes=[VoteView(voter=v.voter.login, decision=v.decision, comment=v.comment, at=v.at) for v in votes],
        decided_by=c.decided_by.login if c.decided_by else None,
        decision_comment=c.decision_comment,
        collisions=[CollisionView(kind=x.kind, other=x.other, explanation=x.explanation) for x in collisions],
        outage_services=_outage(s, c),
        incidents=[t.ref for t in c.incidents],
        review=review,
        review_required=review_required(c.change_type, c.outcome or c.review_outcome),
        actual_start=c.actual_start,
        actual_end=c.actual_end,
        created_by=c.created_by.login,
        created_at=c.created_at,
        updated_at=c.updated_at,
        timeline=[
            TimelineEntry(at=e.at, actor=e.actor.login, field=e.field, old=e.old, new=e.new) for e in history
        ],
        allowed_moves=allowed_moves(c.change_type, c.state),
    )


def get_change(desk: Desk, ref: str) -> ChangeDetail:
    with desk.reading() as s:
        return detail(s, find(s, ref))


def list_changes(
    desk: Desk,
    *,
    states: Sequence[ChangeState] | None = None,
    types: Sequence[ChangeType] | None = None,
    text: str | None = None,
) -> list[ChangeSummary]:
    """Changes by number (newest last); ``text`` matches ref or title words."""
    with desk.reading() as s:
        stmt = select(Change).options(*_load_options()).order_by(Change.number)
        if states:
            stmt = stmt.where(Change.state.in_(list(states)))
        if types:
            stmt = stmt.where(Change.change_type.in_(list(types)))
        if text and text.strip():
            for word in text.lower().split():
                like = f"%{word.replace('%', '').replace('_', '')}%"
                stmt = stmt.where(or_(func.lower(Change.title).like(like), func.lower(Change.ref) == word))
        return summaries(s, s.scalars(stmt).all())
