"""Demo change management, written into the database: two CABs, a blackout and maintenance
windows, and the RFCs of :mod:`deskterm.demo.change_plan` walked through the workflow with
their votes, audit history and the incidents the failed ones caused.

Only adds rows: changes, their links, votes, CABs, windows and their audit history. It needs
the base demo (agents, services, CIs); changes whose CIs or agents are missing are left out.
"""

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskterm.demo.change_plan import (
    CAB_MANAGER,
    CAB_MEMBERS,
    CAB_NAME,
    ECAB_MANAGER,
    ECAB_MEMBERS,
    ECAB_NAME,
    MAINTENANCE,
    RFCS,
    TEMPLATE,
    TEMPLATE_FIELDS,
    TZ,
    PlannedRfc,
    rfc_text,
)
from deskterm.domain.changes.change import (
    DEFAULT_RISK_RULES,
    CabRule,
    ChangeOutcome,
    ChangeState,
    ChangeType,
    VoteDecision,
)
from deskterm.domain.core.vocabulary import Level, TicketKind
from deskterm.services.core.context import Desk
from deskterm.services.tickets.tickets import next_number
from deskterm.store.models import Agent, AuditEntry, ConfigurationItem, Service, Ticket
from deskterm.store.models.change import (
    BlackoutWindow,
    Cab,
    Change,
    ChangeIncident,
    ChangeTemplate,
    ChangeVote,
    MaintenanceWindow,
)

S, OC, T = ChangeState, ChangeOutcome, ChangeType
H, M, L = Level.HIGH, Level.MEDIUM, Level.LOW
_ORDER = list(ChangeState)
_PATH = [S.DRAFT, S.ASSESSMENT, S.AUTHORISATION, S.SCHEDULED, S.IMPLEMENTING, S.REVIEW, S.CLOSED]


class _Writer:
    def __init__(self, s: Session, actor_ids: dict[str, int]) -> None:
        self.s, self.ids = s, actor_ids
        self.audit = 0

    def log(self, c: Change, at: datetime, who: str, fld: str, old: object, new: object) -> None:
        c.version += 1 if fld != "created" else 0
        self.s.add(
            AuditEntry(
                at=at,
                actor_id=self.ids[who],
                record_kind="change",
                record_id=c.id,
                record_ref=c.ref,
                field=fld,
                old=None if old is None else str(getattr(old, "value", old)),
                new=None if new is None else str(getattr(new, "value", new)),
                version=c.version,
            )
        )
        self.audit += 1


def seed(desk: Desk, *, seed: int = 1) -> dict[str, int]:
    """Add the demo CABs, windows and changes; returns how many of each were added."""
    rng = random.Random(seed)
    counts = {
        "cabs": 0,
        "templates": 0,
        "blackouts": 0,
        "maintenance_windows": 0,
        "changes": 0,
        "votes": 0,
        "links": 0,
    }
    with desk.writing() as uow:
        s = uow.session
        now = uow.now
        agents = {a.login: a for a in s.scalars(select(Agent))}
        cis = {c.name: c for c in s.scalars(select(ConfigurationItem))}
        services = {x.name: x for x in s.scalars(select(Service))}
        ids = {login: a.id for login, a in agents.items()}
        cab = _cab(s, agents, CAB_NAME, CAB_MANAGER, CAB_MEMBERS, CabRule.MAJORITY, False, counts)
        ecab = _cab(s, agents, ECAB_NAME, ECAB_MANAGER, ECAB_MEMBERS, CabRule.ANY, True, counts)
        _windows(s, now, cis, services, counts)
        if s.scalar(select(ChangeTemplate.id).where(ChangeTemplate.name == TEMPLATE)) is None:
            s.add(
                ChangeTemplate(name=TEMPLATE, title="Monthly Windows patching", fields=dict(TEMPLATE_FIELDS))
            )
            counts["templates"] += 1
        base = now.replace(hour=14, minute=0, second=0, microsecond=0)  # 22:00 in Shanghai
        w = _Writer(s, ids)
        made: list[tuple[PlannedRfc, Change]] = []
        for spec in RFCS:
            people = {spec.implementer, spec.raised_by, *(v for v, _ in spec.votes)}
            if not all(n in cis for n in spec.cis) or not people <= agents.keys():
                continue
            board = ecab if spec.type is T.EMERGENCY else cab
            if spec.type is not T.STANDARD and board is None and spec.state not in (S.DRAFT, S.ASSESSMENT):
                continue
            c = _change(desk, s, w, spec, base, now, rng, cis, agents, board)
            made.append((spec, c))
            counts["changes"] += 1
            counts["votes"] += len(spec.votes) if c.cab_id else 0
        counts["links"] = _incidents(s, w, made, now)
        counts["audit_entries"] = w.audit
    return counts


def _cab(
    s: Session,
    agents: dict[str, Agent],
    name: str,
    manager: str,
    members: tuple[str, ...],
    rule: CabRule,
    emergency: bool,
    counts: dict[str, int],
) -> Cab | None:
    existing = s.scalar(select(Cab).where(Cab.name == name))
    if existing is not None:
        return existing
    if manager not in agents or not all(m in agents for m in members):
        return None
    cab = Cab(name=name, manager_id=agents[manager].id, rule=rule, emergency=emergency)
    cab.members = [agents[m] for m in members]
    s.add(cab)
    s.flush()
    counts["cabs"] += 1
    return cab


def _windows(
    s: Session,
    now: datetime,
    cis: dict[str, ConfigurationItem],
    services: dict[str, Service],
    counts: dict[str, int],
) -> None:
    start = (now + timedelta(days=10)).replace(hour=16, minute=0, second=0, microsecond=0)  # 00:00 Shanghai
    name = "Quarter-end close"
    if s.scalar(select(BlackoutWindow.id).where(BlackoutWindow.name == name)) is None:
        s.add(BlackoutWindow(name=name, starts_at=start, ends_at=start + timedelta(days=3)))
        counts["blackouts"] += 1
    position = len(s.scalars(select(MaintenanceWindow.id)).all())
    for ci, service, days, hours in MAINTENANCE:
        if (ci and ci not in cis) or (service and service not in services):
            continue
        position += 1
        s.add(
            MaintenanceWindow(
                position=position,
                ci_id=cis[ci].id if ci else None,
                service_id=services[service].id if service else None,
                days=days,
                hours=hours,
                timezone=TZ,
            )
        )
        counts["maintenance_windows"] += 1
    s.flush()


def _change(
    desk: Desk,
    s: Session,
    w: _Writer,
    spec: PlannedRfc,
    base: datetime,
    now: datetime,
    rng: random.Random,
    cis: dict[str, ConfigurationItem],
    agents: dict[str, Agent],
    board: Cab | None,
) -> Change:
    number = next_number(s, "CHG")
    start = None if spec.day is None else base + timedelta(days=spec.day, minutes=spec.offset_minutes)
    end = None if start is None else start + timedelta(hours=spec.hours)
    created = (start or now) - timedelta(days=rng.randint(4, 12), hours=rng.randint(0, 8))
    if spec.type is T.EMERGENCY and start is not None:
        created = start - timedelta(hours=rng.randint(2, 5))
    created = min(created, now - timedelta(hours=rng.randint(2, 40)))
    business, financial, scope = spec.risk
    impact, urgency = spec.impact, spec.urgency
    if (impact, urgency) == (M, M):
        impact, urgency = rng.choice([(M, M), (M, L), (H, M), (L, M), (M, H), (L, L)])
    c = Change(
        ref=f"CHG-{number}",
        number=number,
        change_type=spec.type,
        title=spec.title,
        description=f"{spec.title}. {spec.reason}",
        state=S.DRAFT,
        raised_by=spec.raised_by,
        no_relationship=not spec.incomplete,
        impact=impact,
        urgency=urgency,
        priority=desk.matrix.priority(impact, urgency),
        business_risk=business,
        financial=financial,
        scope=scope,
        approval_level=DEFAULT_RISK_RULES.approval_level(spec.type, business, financial, scope),
        template=TEMPLATE if spec.type is T.STANDARD else None,
        planned_start=start,
        planned_end=end,
        implementer_id=agents[spec.implementer].id,
        created_by_id=agents[spec.raised_by].id,
        created_at=created,
        updated_at=created,
        version=1,
        **rfc_text(spec),
    )
    c.cis = [cis[n] for n in spec.cis]
    s.add(c)
    s.flush()
    who = spec.raised_by
    for fld, value in (("created", c.ref), ("type", c.change_type), ("state", S.DRAFT)):
        w.log(c, created, who, fld, None, value)
    _walk(s, w, spec, c, board, created, now)
    return c


def _walk(
    s: Session, w: _Writer, spec: PlannedRfc, c: Change, board: Cab | None, created: datetime, now: datetime
) -> None:
    """Replay the workflow up to the spec's state, one audited step at a time."""
    target = spec.state
    at = created + timedelta(hours=1)
    if target is S.CANCELLED:
        _step(w, c, at, spec.raised_by, S.CANCELLED)
        c.closed_at = at
        return
    reached = _PATH.index(target) if target in _PATH else _PATH.index(S.AUTHORISATION)
    if reached >= 1:
        _step(w, c, at, spec.raised_by, S.ASSESSMENT)
    if spec.type is T.STANDARD:
        if reached >= 1:
            c.authorised_at = at
            w.log(c, at, spec.raised_by, "authorised", None, at.isoformat())
        if reached >= 3:
            _step(w, c, at, spec.raised_by, S.SCHEDULED)
    elif reached >= 2 and board is not None:
        c.cab_id = board.id
        w.log(c, at, spec.raised_by, "cab", None, board.name)
        _step(w, c, at, spec.raised_by, S.AUTHORISATION)
        for i, (voter, decision) in enumerate(spec.votes, 1):
            when = at + timedelta(hours=i)
            s.add(
                ChangeVote(
                    change_id=c.id,
                    voter_id=w.ids[voter],
                    decision=decision,
                    comment=_comment(decision),
                    at=when,
                )
            )
            w.log(c, when, voter, f"vote {voter}", None, f"{decision.value}: {_comment(decision)}")
        at += timedelta(hours=len(spec.votes) + 1)
        manager = s.get(Agent, board.manager_id)
        assert manager is not None
        if target is S.REJECTED:
            c.decided_by_id, c.decision_comment = manager.id, "Too risky without a replacement for the relay."
            w.log(c, at, manager.login, "decided by", None, manager.login)
            _step(w, c, at, manager.login, S.REJECTED)
            c.closed_at = at
            return
        if reached >= 3 and not spec.retrospective:
            c.authorised_at, c.decided_by_id, c.decision_comment = at, manager.id, "Approved as planned."
            w.log(c, at, manager.login, "authorised", None, at.isoformat())
            w.log(c, at, manager.login, "decided by", None, manager.login)
            _step(w, c, at, manager.login, S.SCHEDULED)
        elif reached >= 3:
            c.decided_by_id, c.decision_comment = (
                manager.id,
                "Authorised afterwards: the ECAB agreed by phone.",
            )
    if reached >= 4 and c.planned_start is not None and c.planned_end is not None:
        started = min(c.planned_start, now - timedelta(minutes=30))
        c.actual_start = started
        _step(w, c, started, spec.implementer, S.IMPLEMENTING)
        if reached >= 5:
            ended = min(
                c.planned_end + timedelta(minutes=20 if spec.outcome is OC.SUCCESSFUL_WITH_ISSUES else -10),
                now,
            )
            c.actual_end = ended
            _step(w, c, ended, spec.implementer, S.REVIEW)
            if spec.retrospective and c.decided_by_id is not None:
                c.authorised_at = ended + timedelta(hours=1)
                w.log(c, c.authorised_at, ECAB_MANAGER, "authorised", None, c.authorised_at.isoformat())
            if spec.reviewed or spec.outcome:
                c.review_outcome = spec.outcome or OC.SUCCESSFUL
                c.review_lessons = _lessons(c.review_outcome)
                c.benefits_realised = c.review_outcome in (OC.SUCCESSFUL, OC.SUCCESSFUL_WITH_ISSUES)
                c.within_cost = c.review_outcome is not OC.FAILED
                c.reviewed_at, c.reviewed_by_id = ended + timedelta(hours=20), w.ids[spec.raised_by]
                w.log(c, c.reviewed_at, spec.raised_by, "review outcome", None, c.review_outcome)
            if reached >= 6:
                closed = (c.reviewed_at or ended) + timedelta(hours=2)
                c.outcome, c.closed_at = spec.outcome or OC.SUCCESSFUL, closed
                w.log(c, closed, spec.raised_by, "outcome", None, c.outcome)
                _step(w, c, closed, spec.raised_by, S.CLOSED)
    c.updated_at = max(now - timedelta(minutes=5), created)


def _step(w: _Writer, c: Change, at: datetime, who: str, to: ChangeState) -> None:
    w.log(c, at, who, "state", c.state, to)
    c.state = to


def _comment(decision: VoteDecision) -> str:
    return {
        VoteDecision.APPROVE: "Plan and backout look fine.",
        VoteDecision.REJECT: "Not without a tested rollback.",
        VoteDecision.ABSTAIN: "Not my area.",
    }[decision]


def _lessons(outcome: ChangeOutcome) -> str:
    return {
        OC.SUCCESSFUL: "Went to plan; keep the pre-checks.",
        OC.SUCCESSFUL_WITH_ISSUES: "Overran by 20 minutes: the firmware upload is slower than documented.",
        OC.FAILED: "Transport missed a dependent table; test transports on a full copy first.",
        OC.BACKED_OUT: "Upgrade broke call transfer; vendor fix needed before retrying.",
    }[outcome]


def _incidents(s: Session, w: _Writer, made: list[tuple[PlannedRfc, Change]], now: datetime) -> int:
    """Link a few incidents on the affected services, opened after the failed changes."""
    links = 0
    for spec, c in made:
        if spec.outcome not in (OC.FAILED, OC.BACKED_OUT) or c.actual_start is None:
            continue
        service_ids = [x.id for ci in c.cis for x in ci.services]
        if not service_ids:
            continue
        rows = s.scalars(
            select(Ticket)
            .where(
                Ticket.kind == TicketKind.INCIDENT,
                Ticket.service_id.in_(service_ids),
                Ticket.opened_at >= c.actual_start,
                Ticket.opened_at < c.actual_start + timedelta(days=2),
            )
            .order_by(Ticket.id)
            .limit(2)
        ).all()
        for t in rows:
            s.add(ChangeIncident(change_id=c.id, ticket_id=t.id))
            w.log(
                c, max(t.opened_at, now - timedelta(hours=1)), spec.raised_by, "caused incident", None, t.ref
            )
            links += 1
    return links
