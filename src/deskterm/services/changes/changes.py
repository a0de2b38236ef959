"""Change management use cases: raise, read, list, edit and move RFCs through their workflow.

Every write is one unit of work with audit rows (record kind ``change``) and bumps the
change's version. Collisions are derived on read from every open change's window
(:func:`deskterm.services.changes.change_windows.collision_map`), so they are recomputed whenever a
window is set or moved and are never stale.

Workflow (the allowed moves per type live in :mod:`deskterm.domain.changes.change`):

- ``submit``: draft -> assessment (refused, naming what is missing, until the 7 Rs and the
  plans are filled), then on to authorisation for normal and emergency changes (the CAB is
  chosen: the emergency CAB for emergencies). A standard change is pre-approved: it goes on to
  scheduled when it has a window, else waits in assessment for ``schedule``.
- ``vote``: CAB members (not the raiser, creator or implementer) vote approve/reject/abstain.
- ``decide``: the CAB's change manager has the final word; approving needs the CAB's rule to
  be met (``any``/``all``/``majority``; ``management`` level changes need ``all``).
- ``schedule`` sets or moves the window; an authorised change goes to scheduled.
- ``implement`` -> ``review`` (post-implementation review) -> ``close`` with an outcome.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from deskterm.domain.changes.change import (
    DEFAULT_RISK_RULES,
    EDITABLE,
    FINISHED,
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
from deskterm.domain.changes.schedule import Collision, Interval
from deskterm.domain.core.permissions import Action
from deskterm.domain.core.refs import RefError, RefKind, parse_ref
from deskterm.domain.core.text import BODY_MAX
from deskterm.domain.core.vocabulary import CIRelation, TicketKind
from deskterm.services.changes import change_windows
from deskterm.services.changes.change_views import (
    ChangeDetail,
    ChangeKpi,
    ChangeSummary,
    CollisionView,
    RaiseChange,
    ReviewView,
    TimelineEntry,
    UpdateChange,
    VoteView,
    WindowOccurrence,
)
from deskterm.services.core import access, lookup
from deskterm.services.core.context import Desk, UnitOfWork
from deskterm.services.core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from deskterm.services.tickets.tickets import next_number
from deskterm.store.models import Agent, AuditEntry, CIRelationship, Service, ServiceCI
from deskterm.store.models.change import Cab, Change, ChangeTemplate, ChangeVote

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


_PLAIN_FIELDS = (
    "title",
    "description",
    "raised_by",
    "reason",
    "expected_return",
    "risks",
    "resources",
    "responsible",
    "impact",
    "urgency",
    "business_risk",
    "financial",
    "scope",
    "implementation_plan",
    "backout_plan",
    "test_plan",
    "template",
)


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


# --- writing helpers -----------------------------------------------------------------------------


class _Edit:
    """Collects field changes of one change so each is set and audited once, with one version."""

    def __init__(self, uow: UnitOfWork, change: Change) -> None:
        self.uow, self.change = uow, change
        self.items: list[tuple[str, Any, Any]] = []

    def set(self, attr: str, new: Any, *, label: str | None = None) -> None:
        old = getattr(self.change, attr)
        if old == new:
            return
        setattr(self.change, attr, new)
        self.items.append((label or attr, _plain(old), _plain(new)))

    def set_agent(self, attr: str, agent: Agent | None, *, label: str) -> None:
        """Set an agent foreign key, audited by login."""
        old_id = getattr(self.change, attr)
        new_id = agent.id if agent else None
        if old_id == new_id:
            return
        old = self.uow.session.get(Agent, old_id) if old_id is not None else None
        setattr(self.change, attr, new_id)
        self.items.append((label, old.login if old else None, agent.login if agent else None))

    def note(self, label: str, old: Any, new: Any) -> None:
        self.items.append((label, _plain(old), _plain(new)))

    def commit(self) -> None:
        if not self.items:
            return
        c = self.change
        c.version += 1
        c.updated_at = self.uow.now
        for label, old, new in self.items:
            self.uow.audit(RECORD, c.id, c.ref, label, old, new, c.version)
        self.items = []


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value.value if hasattr(value, "value") else value


def _move(ed: _Edit, to: ChangeState) -> None:
    c = ed.change
    try:
        check_transition(c.change_type, c.state, to)
    except TransitionError as exc:
        raise InvalidInput(f"{c.ref}: {exc}") from None
    ed.set("state", to)
    if to in FINISHED:
        ed.set("closed_at", ed.uow.now, label="finished")


def _relationships(s: Session, c: Change | None, refs: Sequence[str]) -> tuple[list[Change], bool]:
    words = [r.strip() for r in refs if r.strip()]
    if [w.lower() for w in words] == ["none"]:
        return [], True
    out: list[Change] = []
    for word in words:
        other = find(s, word)
        if c is not None and other.id == c.id:
            raise InvalidInput(f"{c.ref} cannot relate to itself", field="relationships")
        if other not in out:
            out.append(other)
    return out, False


def _implementer(s: Session, login: str | None) -> Agent | None:
    return lookup.agent(s, login) if login else None


def _assess(desk: Desk, ed: _Edit) -> None:
    c = ed.change
    ed.set("priority", desk.matrix.priority(c.impact, c.urgency))
    ed.set(
        "approval_level",
        risk_rules(desk).approval_level(c.change_type, c.business_risk, c.financial, c.scope),
    )


def _check_complete(c: Change) -> None:
    missing = missing_fields(_rfc(c))
    if missing:
        raise InvalidInput(
            f"{c.ref} cannot leave draft: {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing; fill "
            f"{'it' if len(missing) == 1 else 'them'} in and submit again",
            missing=missing,
        )


def _pick_cab(s: Session, c: Change) -> Cab:
    emergency = c.change_type is ChangeType.EMERGENCY
    cab = s.scalar(select(Cab).where(Cab.emergency.is_(emergency)).order_by(Cab.name).limit(1))
    if cab is None:
        kind = "an emergency CAB" if emergency else "a CAB"
        flag = " --emergency" if emergency else ""
        raise InvalidInput(
            f"{c.ref} needs {kind} but none is defined; add one with "
            f"deskterm cab add NAME --manager LOGIN --member LOGIN{flag}"
        )
    return cab


def _check_version(s: Session, c: Change, expected: int | None) -> None:
    if expected is None or c.version == expected:
        return
    entries = s.scalars(
        select(AuditEntry)
        .where(AuditEntry.record_kind == RECORD, AuditEntry.record_id == c.id, AuditEntry.version > expected)
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.id)
    ).all()
    said = ", ".join(sorted({f"{e.field} by {e.actor.login}" for e in entries})) or "changed"
    raise Conflict(
        f"{c.ref} changed since you saw it (version {expected}, now {c.version}): {said}; "
        "reload it and make your change again",
        ref=c.ref,
        seen_version=expected,
        current_version=c.version,
    )


def _window(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("planned times need a time zone; give them like 2026-12-01T22:00+01:00")
    if end <= start:
        raise InvalidInput("the planned end must be after the planned start", field="end")


def _text(value: str, what: str) -> str:
    value = value.strip()
    if len(value) > BODY_MAX:
        raise InvalidInput(f"the {what} is at most {BODY_MAX} characters", field=what)
    return value


# --- use cases -----------------------------------------------------------------------------------


def raise_change(desk: Desk, cmd: RaiseChange) -> ChangeDetail:
    """Save an RFC as a draft; the ref is taken atomically."""
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_WRITE)
        s = uow.session
        if cmd.template:
            cmd = _from_template(s, cmd)
        cis = [lookup.ci(s, n) for n in dict.fromkeys(cmd.cis)]
        services = [lookup.service(s, n) for n in dict.fromkeys(cmd.services)]
        implementer = _implementer(s, cmd.implementer)
        related, none = _relationships(s, None, cmd.relationships)
        number = next_number(s, "CHG")
        c = Change(
            ref=f"CHG-{number}",
            number=number,
            change_type=cmd.type,
            title=cmd.title,
            description=cmd.description,
            state=ChangeState.DRAFT,
            raised_by=cmd.raised_by or uow.actor.login,
            reason=cmd.reason,
            expected_return=cmd.expected_return,
            risks=cmd.risks,
            resources=cmd.resources,
            responsible=cmd.responsible,
            no_relationship=none,
            impact=cmd.impact,
            urgency=cmd.urgency,
            priority=desk.matrix.priority(cmd.impact, cmd.urgency),
            business_risk=cmd.business_risk,
            financial=cmd.financial,
            scope=cmd.scope,
            approval_level=risk_rules(desk).approval_level(
                cmd.type, cmd.business_risk, cmd.financial, cmd.scope
            ),
            template=cmd.template,
            implementation_plan=cmd.implementation_plan,
            backout_plan=cmd.backout_plan,
            test_plan=cmd.test_plan,
            planned_start=cmd.planned_start,
            planned_end=cmd.planned_end,
            implementer_id=implementer.id if implementer else None,
            created_by_id=uow.actor.id,
            created_at=uow.now,
            updated_at=uow.now,
            version=1,
        )
        c.cis = cis
        c.services = services
        c.related = related
        s.add(c)
        s.flush()
        for label, value in (
            ("created", c.ref),
            ("type", c.change_type),
            ("state", c.state),
            ("priority", c.priority),
            ("approval level", c.approval_level),
            ("planned window", _span(c)),
        ):
            if value is not None:
                uow.audit(RECORD, c.id, c.ref, label, None, _plain(value), 1)
        return detail(s, c)


def _from_template(s: Session, cmd: RaiseChange) -> RaiseChange:
    """Fill what the RFC leaves empty from its standard change template (which must exist
    for a standard change; other types may name one as a starting point)."""
    t = change_windows.template(s, cmd.template or "")
    given = cmd.model_dump(exclude_unset=True)
    filled = {k: v for k, v in t.fields.items() if given.get(k) in (None, [], "")}
    if "relationships" not in given:
        filled["relationships"] = ["none"]  # a template change stands on its own
    return cmd.model_copy(update={"template": t.name, **filled})


def _span(c: Change) -> str | None:
    if c.planned_start is None or c.planned_end is None:
        return None
    return f"{c.planned_start.isoformat()}/{c.planned_end.isoformat()}"


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


def update_change(desk: Desk, ref: str, cmd: UpdateChange, *, expected_version: int | None) -> ChangeDetail:
    """Edit fields while in draft or assessment; a stale ``expected_version`` is a conflict."""
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_WRITE)
        s = uow.session
        c = find(s, ref, for_update=True)
        _check_version(s, c, expected_version)
        if c.state not in EDITABLE:
            raise InvalidInput(
                f"{c.ref} is in {c.state.value}: its fields can be edited only in draft or assessment"
            )
        ed = _Edit(uow, c)
        if cmd.template:
            cmd = cmd.model_copy(update={"template": change_windows.template(s, cmd.template).name})
        if cmd.type is not None:
            ed.set("change_type", cmd.type, label="type")
        for attr in _PLAIN_FIELDS:
            value = getattr(cmd, attr)
            if value is not None:
                ed.set(attr, value, label=attr.replace("_", " "))
        if cmd.implementer is not None:
            ed.set_agent("implementer_id", _implementer(s, cmd.implementer or None), label="implementer")
        if cmd.cis is not None:
            new = [lookup.ci(s, n) for n in dict.fromkeys(cmd.cis)]
            if [x.id for x in new] != [x.id for x in c.cis]:
                ed.note("CIs", ", ".join(x.name for x in c.cis), ", ".join(x.name for x in new))
                c.cis = new
        if cmd.services is not None:
            new_s = [lookup.service(s, n) for n in dict.fromkeys(cmd.services)]
            if [x.id for x in new_s] != [x.id for x in c.services]:
                ed.note("services", ", ".join(x.name for x in c.services), ", ".join(x.name for x in new_s))
                c.services = new_s
        if cmd.relationships is not None:
            related, none = _relationships(s, c, cmd.relationships)
            if [x.id for x in related] != [x.id for x in c.related] or none != c.no_relationship:
                old_r = ", ".join(x.ref for x in c.related) or ("none" if c.no_relationship else None)
                new_r = ", ".join(x.ref for x in related) or ("none" if none else None)
                ed.note("relationships", old_r, new_r)
                c.related = related
                c.no_relationship = none
        if c.state is ChangeState.ASSESSMENT:
            _check_complete(c)  # an assessed change stays complete
        _assess(desk, ed)
        ed.commit()
        return detail(s, c)


def submit(desk: Desk, ref: str) -> ChangeDetail:
    """Leave draft (the 7 Rs and plans complete), then go on as far as the type allows."""
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_WRITE)
        s = uow.session
        c = find(s, ref, for_update=True)
        if c.state not in (ChangeState.DRAFT, ChangeState.ASSESSMENT):
            raise InvalidInput(f"{c.ref} is in {c.state.value}; only a draft is submitted")
        ed = _Edit(uow, c)
        _check_complete(c)
        _assess(desk, ed)
        if c.state is ChangeState.DRAFT:
            _move(ed, ChangeState.ASSESSMENT)
        _advance(s, ed)
        ed.commit()
        return detail(s, c)


def _advance(s: Session, ed: _Edit) -> None:
    """From assessment: to the CAB (normal, emergency), or pre-approved to scheduled (standard)."""
    c = ed.change
    if c.change_type is ChangeType.STANDARD:
        change_windows.template(s, c.template or "")  # pre-approved only while its template exists
        if c.authorised_at is None:
            ed.set("authorised_at", ed.uow.now, label="authorised")
        if c.planned_start is not None:
            _move(ed, ChangeState.SCHEDULED)
        return
    cab = _pick_cab(s, c)
    if c.cab_id != cab.id:
        ed.note("cab", c.cab.name if c.cab else None, cab.name)
        c.cab_id = cab.id
        c.cab = cab
    _move(ed, ChangeState.AUTHORISATION)


def vote(desk: Desk, ref: str, decision: VoteDecision, comment: str = "") -> ChangeDetail:
    """A CAB member's vote; voting again replaces the earlier vote."""
    decision = VoteDecision(decision)
    comment = _text(comment, "comment")
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_VOTE)  # the role; whose change it is, below
        s = uow.session
        c = find(s, ref, for_update=True)
        if (c.state is not ChangeState.AUTHORISATION and not _retrospective(c)) or c.cab is None:
            raise InvalidInput(f"{c.ref} is in {c.state.value}; votes are cast while it awaits authorisation")
        if not c.approval_level.needs_votes:
            raise InvalidInput(
                f"{c.ref} is at approval level {c.approval_level.value}: the change manager "
                f"{c.cab.manager.login} decides alone (deskterm change decide {c.ref} approve)"
            )
        me = uow.actor
        if me.id not in {m.id for m in c.cab.members}:
            raise NotPermitted(
                f"{me.login} is not a member of the CAB {c.cab.name}; only its members vote on {c.ref}"
            )
        if _is_owner(c, me):
            raise NotPermitted(
                f"{me.login} raised, created or implements {c.ref} and nobody approves their own change; "
                "the other CAB members vote"
            )
        existing = s.scalar(
            select(ChangeVote).where(ChangeVote.change_id == c.id, ChangeVote.voter_id == me.id)
        )
        old = f"{existing.decision.value}: {existing.comment}" if existing else None
        if existing is None:
            existing = ChangeVote(change_id=c.id, voter_id=me.id)
            s.add(existing)
        existing.decision, existing.comment, existing.at = decision, comment, uow.now
        ed = _Edit(uow, c)
        ed.note(f"vote {me.login}", old, f"{decision.value}: {comment}")
        ed.commit()
        return detail(s, c)


def _retrospective(c: Change) -> bool:
    """An emergency change implemented before it was authorised: the ECAB may still decide."""
    return (
        c.change_type is ChangeType.EMERGENCY
        and c.state in (ChangeState.IMPLEMENTING, ChangeState.REVIEW)
        and c.authorised_at is None
    )


def decide(desk: Desk, ref: str, approve: bool, comment: str = "") -> ChangeDetail:
    """The change manager's final word; approving needs the CAB's rule met first."""
    comment = _text(comment, "comment")
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_DECIDE)  # the role; whose change it is, below
        s = uow.session
        c = find(s, ref, for_update=True)
        me = uow.actor
        retrospective = _retrospective(c)
        if c.state is not ChangeState.AUTHORISATION and not retrospective:
            raise InvalidInput(f"{c.ref} is in {c.state.value}; the change manager decides in authorisation")
        if c.cab is None:
            raise InvalidInput(f"{c.ref} has no CAB; submit it first")
        if me.id != c.cab.manager_id:
            raise NotPermitted(
                f"only the change manager of {c.cab.name} ({c.cab.manager.login}) decides on {c.ref}"
            )
        if _is_owner(c, me):
            raise NotPermitted(
                f"{me.login} raised, created or implements {c.ref} and nobody approves their own change; "
                f"make another agent the change manager of {c.cab.name}"
            )
        ed = _Edit(uow, c)
        if approve:
            outcome = _cab_outcome(c, _votes(s, c))
            if outcome is not None and outcome is not CabOutcome.APPROVED:
                eligible = len(_eligible(c))
                cast = len([v for v in _votes(s, c) if not _is_owner(c, v.voter)])
                raise NotPermitted(
                    f"the CAB {c.cab.name} has not approved {c.ref} (rule {_rule(c)}, "
                    f"{cast} of {eligible} votes cast, recommendation {outcome.value}); "
                    "wait for the votes or reject it"
                )
            ed.set("authorised_at", uow.now, label="authorised")
            ed.set_agent("decided_by_id", me, label="decided by")
            ed.set("decision_comment", comment or None, label="decision")
            if not retrospective and c.planned_start is not None:
                _move(ed, ChangeState.SCHEDULED)
        else:
            if retrospective:
                raise InvalidInput(f"{c.ref} is already implementing; back it out and close it as backed-out")
            ed.set_agent("decided_by_id", me, label="decided by")
            ed.set("decision_comment", comment or None, label="decision")
            _move(ed, ChangeState.REJECTED)
        ed.commit()
        return detail(s, c)


def schedule(desk: Desk, ref: str, start: datetime, end: datetime) -> ChangeDetail:
    """Set or move the planned window (collisions are recomputed); authorised -> scheduled."""
    _window(start, end)
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_WRITE)
        s = uow.session
        c = find(s, ref, for_update=True)
        if c.state in FINISHED or c.state in (ChangeState.IMPLEMENTING, ChangeState.REVIEW):
            raise InvalidInput(f"{c.ref} is in {c.state.value}; its window can no longer move")
        ed = _Edit(uow, c)
        old = _span(c)
        c.planned_start, c.planned_end = start, end
        if _span(c) != old:
            ed.note("planned window", old, _span(c))
        authorised = c.authorised_at is not None
        if authorised and (c.state, c.change_type) in (
            (ChangeState.AUTHORISATION, ChangeType.NORMAL),
            (ChangeState.AUTHORISATION, ChangeType.EMERGENCY),
            (ChangeState.ASSESSMENT, ChangeType.STANDARD),
        ):
            _move(ed, ChangeState.SCHEDULED)
        ed.commit()
        return detail(s, c)


def implement(desk: Desk, ref: str) -> ChangeDetail:
    """Start implementing: scheduled changes, or an emergency change awaiting authorisation
    (it then counts as unauthorised until the change manager decides retrospectively)."""
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_WRITE)
        s = uow.session
        c = find(s, ref, for_update=True)
        ed = _Edit(uow, c)
        _move(ed, ChangeState.IMPLEMENTING)
        ed.set("actual_start", uow.now, label="implementation started")
        ed.commit()
        return detail(s, c)


def review(
    desk: Desk,
    ref: str,
    outcome: ChangeOutcome,
    lessons: str,
    *,
    benefits_realised: bool | None = None,
    within_cost: bool | None = None,
) -> ChangeDetail:
    """Record the post-implementation review; an implementing change moves to review."""
    outcome = ChangeOutcome(outcome)
    lessons = _text(lessons, "lessons")
    if not lessons:
        raise InvalidInput("a review needs the lessons learned (--lessons TEXT)", field="lessons")
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_WRITE)
        s = uow.session
        c = find(s, ref, for_update=True)
        ed = _Edit(uow, c)
        if c.state is ChangeState.IMPLEMENTING:
            _move(ed, ChangeState.REVIEW)
            ed.set("actual_end", uow.now, label="implementation ended")
        elif c.state is not ChangeState.REVIEW:
            raise InvalidInput(f"{c.ref} is in {c.state.value}; review it once it has been implemented")
        ed.set("review_outcome", outcome, label="review outcome")
        ed.set("review_lessons", lessons, label="lessons")
        ed.set("benefits_realised", benefits_realised, label="benefits realised")
        ed.set("within_cost", within_cost, label="within cost")
        ed.set("reviewed_at", uow.now, label="reviewed")
        c.reviewed_by_id = uow.actor.id
        ed.commit()
        return detail(s, c)


def close(desk: Desk, ref: str, outcome: ChangeOutcome | None = None) -> ChangeDetail:
    """Close with an outcome (default: the review's); failed, backed-out and emergency
    changes need their post-implementation review first."""
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_WRITE)
        s = uow.session
        c = find(s, ref, for_update=True)
        final = ChangeOutcome(outcome) if outcome is not None else c.review_outcome
        if final is None:
            raise InvalidInput(
                f"say how {c.ref} went: --outcome successful|successful-with-issues|failed|backed-out",
                field="outcome",
            )
        if c.state not in (ChangeState.IMPLEMENTING, ChangeState.REVIEW):
            raise InvalidInput(f"{c.ref} is in {c.state.value}; only an implemented change is closed")
        if review_required(c.change_type, final) and c.reviewed_at is None:
            why = (
                "an emergency change" if c.change_type is ChangeType.EMERGENCY else f"a {final.value} change"
            )
            raise InvalidInput(
                f"{c.ref} is {why}: record its post-implementation review first with "
                f"deskterm change review {c.ref} --outcome {final.value} --lessons TEXT",
                field="review",
            )
        ed = _Edit(uow, c)
        if c.actual_end is None:
            ed.set("actual_end", uow.now, label="implementation ended")
        ed.set("outcome", final)
        _move(ed, ChangeState.CLOSED)
        ed.commit()
        return detail(s, c)


def reject(desk: Desk, ref: str, reason: str) -> ChangeDetail:
    """The change manager turns a change down in assessment or authorisation."""
    reason = _text(reason, "reason")
    if not reason:
        raise InvalidInput("say why the change is rejected (--reason TEXT)", field="reason")
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_DECIDE)
        s = uow.session
        c = find(s, ref, for_update=True)
        me = uow.actor
        managers = set(s.scalars(select(Cab.manager_id)))
        allowed = {c.cab.manager_id} if c.cab else managers
        if me.id not in allowed:
            raise NotPermitted(f"only a change manager rejects {c.ref}; {me.login} is not one")
        ed = _Edit(uow, c)
        _move(ed, ChangeState.REJECTED)
        ed.set_agent("decided_by_id", me, label="decided by")
        ed.set("decision_comment", reason, label="decision")
        ed.commit()
        return detail(s, c)


def cancel(desk: Desk, ref: str, reason: str) -> ChangeDetail:
    """Withdraw a change that has not started implementing."""
    reason = _text(reason, "reason")
    if not reason:
        raise InvalidInput("say why the change is cancelled (--reason TEXT)", field="reason")
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_WRITE)
        s = uow.session
        c = find(s, ref, for_update=True)
        ed = _Edit(uow, c)
        _move(ed, ChangeState.CANCELLED)
        ed.note("cancel reason", None, reason)
        ed.commit()
        return detail(s, c)


def move(desk: Desk, ref: str, to_state: ChangeState) -> ChangeDetail:
    """The board's one move: each target state goes through its own use case and rules."""
    to = ChangeState(to_state)
    with desk.reading() as s:
        c = find(s, ref)
        state, change_type = c.state, c.change_type
        has_window = c.planned_start is not None and c.planned_end is not None
        planned = (c.planned_start, c.planned_end)
    if to is state:
        return get_change(desk, ref)
    try:
        check_transition(change_type, state, to)
    except TransitionError as exc:
        raise InvalidInput(f"{_parse(ref)}: {exc}") from None
    if to is ChangeState.IMPLEMENTING:
        return implement(desk, ref)
    if to is ChangeState.CLOSED:
        return close(desk, ref)
    if to is ChangeState.REJECTED:
        return reject(desk, ref, "rejected on the change board")
    if to is ChangeState.CANCELLED:
        return cancel(desk, ref, "cancelled on the change board")
    if to is ChangeState.AUTHORISATION and state is ChangeState.ASSESSMENT:
        return submit(desk, ref)
    if to is ChangeState.SCHEDULED:
        if not has_window:
            raise InvalidInput(f"{_parse(ref)} has no planned window; schedule it with a start and an end")
        if state is ChangeState.ASSESSMENT and change_type is ChangeType.STANDARD:
            return submit(desk, ref)
        assert planned[0] is not None and planned[1] is not None
        detail_now = get_change(desk, ref)
        if not detail_now.authorised:
            raise NotPermitted(
                f"{detail_now.ref} is not authorised yet; the change manager decides first "
                f"(deskterm change decide {detail_now.ref} approve)"
            )
        return schedule(desk, ref, planned[0], planned[1])
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_WRITE)
        s = uow.session
        c = find(s, ref, for_update=True)
        ed = _Edit(uow, c)
        if to is ChangeState.ASSESSMENT and c.state is ChangeState.DRAFT:
            _check_complete(c)
            _assess(desk, ed)
        if to is ChangeState.AUTHORISATION and c.state is ChangeState.SCHEDULED:
            ed.set("authorised_at", None, label="authorised")  # back to the CAB: authorise again
        if to is ChangeState.REVIEW and c.actual_end is None:
            ed.set("actual_end", uow.now, label="implementation ended")
        _move(ed, to)
        ed.commit()
        return detail(s, c)


def link_incident(desk: Desk, ref: str, incident_ref: str) -> ChangeDetail:
    """Record that an incident was caused by this change (a disruption, for the KPIs)."""
    with desk.writing() as uow:
        access.require(uow, Action.CHANGE_WRITE)
        s = uow.session
        c = find(s, ref, for_update=True)
        t = lookup.ticket(s, incident_ref)
        if t.kind is not TicketKind.INCIDENT:
            raise InvalidInput(f"{t.ref} is a service request; only incidents are caused by changes")
        if t.id not in {x.id for x in c.incidents}:
            c.incidents = [*c.incidents, t]
            ed = _Edit(uow, c)
            ed.note("caused incident", None, t.ref)
            ed.commit()
        return detail(s, c)


# --- the forward schedule of change ------------------------------------------------------------


def _span_check(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("give the period with a time zone, e.g. 2026-12-01T00:00+01:00")
    if end <= start:
        raise InvalidInput("the end of the period must be after its start", field="to")


def calendar(desk: Desk, start: datetime, end: datetime) -> list[ChangeSummary]:
    """Changes whose planned window overlaps [start, end), rejected and cancelled ones left out."""
    _span_check(start, end)
    with desk.reading() as s:
        rows = s.scalars(
            select(Change)
            .options(*_load_options())
            .where(
                Change.planned_start < end,
                Change.planned_end > start,
                Change.state.not_in([ChangeState.REJECTED, ChangeState.CANCELLED]),
            )
            .order_by(Change.planned_start, Change.number)
        ).all()
        return summaries(s, rows)


def windows(desk: Desk, start: datetime, end: datetime) -> list[WindowOccurrence]:
    """Blackout windows and maintenance occurrences overlapping [start, end)."""
    _span_check(start, end)
    with desk.reading() as s:
        return change_windows.occurrences(s, start, end)


def implemented_between(desk: Desk, start: datetime, end: datetime) -> list[ChangeSummary]:
    """Changes whose implementation ran at some time in [start, end) (for the shift handover)."""
    _span_check(start, end)
    with desk.reading() as s:
        rows = s.scalars(
            select(Change)
            .options(*_load_options())
            .where(
                Change.actual_start.is_not(None),
                Change.actual_start < end,
                or_(Change.actual_end.is_(None), Change.actual_end >= start),
            )
            .order_by(Change.actual_start, Change.number)
        ).all()
        return summaries(s, rows)


def scheduled_between(desk: Desk, start: datetime, end: datetime) -> list[ChangeSummary]:
    """Open changes past draft whose planned window overlaps [start, end) (for the handover)."""
    _span_check(start, end)
    with desk.reading() as s:
        rows = s.scalars(
            select(Change)
            .options(*_load_options())
            .where(
                Change.planned_start < end,
                Change.planned_end > start,
                Change.state.not_in([*FINISHED, ChangeState.DRAFT]),
            )
            .order_by(Change.planned_start, Change.number)
        ).all()
        return summaries(s, rows)


def templates(desk: Desk) -> list[str]:
    """The names of the standard change templates (for a raise form's choices)."""
    with desk.reading() as s:
        return list(s.scalars(select(ChangeTemplate.name).order_by(ChangeTemplate.name)))


def kpi(desk: Desk, start: datetime, end: datetime) -> ChangeKpi:
    from deskterm.services.changes import change_kpi

    _span_check(start, end)
    return change_kpi.kpi(desk, start, end)
