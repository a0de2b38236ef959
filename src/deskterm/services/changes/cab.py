"""Change advisory boards, defined by command: members, a change manager, a voting rule.

``deskterm cab add NAME --manager LOGIN --member LOGIN... --rule any|all|majority [--emergency]``.
A desk has any number of CABs; a change that needs votes goes to the first (by name) ordinary
CAB, an emergency change to the first emergency CAB. The agenda of a CAB is the changes in
authorisation that await it.
"""

import builtins
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from deskterm.domain.changes.change import CabRule, ChangeState
from deskterm.domain.core.permissions import Action
from deskterm.domain.core.text import single_line
from deskterm.services.changes import changes
from deskterm.services.changes.change_views import CabView, ChangeSummary
from deskterm.services.core import access, lookup
from deskterm.services.core.context import Desk, UnitOfWork
from deskterm.services.core.errors import Conflict, InvalidInput, NotFound
from deskterm.store.models import Agent
from deskterm.store.models.change import Cab, Change

RECORD = "cab"


def _find(s: Session, name: str) -> Cab:
    found = s.scalar(select(Cab).where(func.lower(Cab.name) == name.strip().lower()))
    if found is None:
        raise NotFound(f"no CAB is named {name!r}; deskterm cab list shows them")
    return found


def _agenda_count(s: Session, cab: Cab) -> int:
    return int(
        s.scalar(
            select(func.count(Change.id)).where(
                Change.cab_id == cab.id, Change.state == ChangeState.AUTHORISATION
            )
        )
        or 0
    )


def _view(s: Session, cab: Cab) -> CabView:
    return CabView(
        name=cab.name,
        manager=cab.manager.login,
        members=[m.login for m in cab.members],
        rule=cab.rule,
        emergency=cab.emergency,
        agenda=_agenda_count(s, cab),
    )


def _members(s: Session, logins: Sequence[str]) -> builtins.list[Agent]:
    found: dict[int, Agent] = {}
    for login in logins:
        agent = lookup.agent(s, login)
        found[agent.id] = agent
    if not found:
        raise InvalidInput("a CAB needs at least one member (--member LOGIN)", field="members")
    return sorted(found.values(), key=lambda a: a.login)


def _audit(uow: UnitOfWork, cab: Cab, field: str, old: object, new: object) -> None:
    if old != new:
        uow.audit(RECORD, cab.id, cab.name, field, old, new)


def add(
    desk: Desk,
    name: str,
    *,
    manager: str,
    members: Sequence[str],
    rule: CabRule = CabRule.MAJORITY,
    emergency: bool = False,
) -> CabView:
    """A new CAB; its change manager need not be a voting member."""
    name = single_line(name)
    if not name or len(name) > 80:
        raise InvalidInput("a CAB name is 1 to 80 characters", field="name")
    rule = CabRule(rule)
    with desk.writing() as uow:
        access.require(uow, Action.CAB_MANAGE)
        s = uow.session
        if s.scalar(select(Cab.id).where(func.lower(Cab.name) == name.lower())) is not None:
            raise Conflict(f"a CAB named {name!r} exists already; change it with deskterm cab update")
        boss = lookup.agent(s, manager)
        cab = Cab(name=name, manager_id=boss.id, rule=rule, emergency=emergency)
        cab.members = _members(s, members)
        s.add(cab)
        s.flush()
        _audit(uow, cab, "created", None, name)
        _audit(uow, cab, "manager", None, boss.login)
        _audit(uow, cab, "members", None, ", ".join(m.login for m in cab.members))
        _audit(uow, cab, "rule", None, rule.value)
        _audit(uow, cab, "emergency", None, emergency)
        s.refresh(cab)
        return _view(s, cab)


def update(
    desk: Desk,
    name: str,
    *,
    manager: str | None = None,
    members: Sequence[str] | None = None,
    rule: CabRule | None = None,
    emergency: bool | None = None,
) -> CabView:
    """Change what is given; ``members`` replaces the whole membership."""
    with desk.writing() as uow:
        access.require(uow, Action.CAB_MANAGE)
        s = uow.session
        cab = _find(s, name)
        if manager is not None:
            boss = lookup.agent(s, manager)
            _audit(uow, cab, "manager", cab.manager.login, boss.login)
            cab.manager_id = boss.id
        if members is not None:
            new = _members(s, members)
            old_text = ", ".join(m.login for m in cab.members)
            _audit(uow, cab, "members", old_text, ", ".join(m.login for m in new))
            cab.members = new
        if rule is not None:
            _audit(uow, cab, "rule", cab.rule.value, CabRule(rule).value)
            cab.rule = CabRule(rule)
        if emergency is not None:
            _audit(uow, cab, "emergency", cab.emergency, emergency)
            cab.emergency = emergency
        s.flush()
        s.refresh(cab)
        return _view(s, cab)


def list_cabs(desk: Desk) -> builtins.list[CabView]:
    with desk.reading() as s:
        cabs = s.scalars(
            select(Cab).options(selectinload(Cab.members), selectinload(Cab.manager)).order_by(Cab.name)
        ).all()
        return [_view(s, c) for c in cabs]


def agenda(desk: Desk, name: str) -> builtins.list[ChangeSummary]:
    """The changes awaiting this CAB's authorisation, most urgent first."""
    with desk.reading() as s:
        cab = _find(s, name)
        rows = s.scalars(
            select(Change)
            .options(selectinload(Change.implementer), selectinload(Change.cis))
            .where(Change.cab_id == cab.id, Change.state == ChangeState.AUTHORISATION)
            .order_by(Change.priority, Change.planned_start, Change.number)
        ).all()
        return changes.summaries(s, rows)


# The contract's name cab.list, bound last: nothing above calls list(), annotations say builtins.list.
list = list_cabs
