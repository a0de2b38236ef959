"""Raising an RFC (from scratch or from a template) and editing its fields while it is in draft
or assessment."""

from sqlalchemy.orm import Session

from deskterm.domain.changes.change import EDITABLE, ChangeState
from deskterm.domain.core.permissions import Action
from deskterm.services.changes import change_windows
from deskterm.services.changes.change_records import RECORD, detail, find, risk_rules
from deskterm.services.changes.change_views import ChangeDetail, RaiseChange, UpdateChange
from deskterm.services.changes.change_writes import (
    _PLAIN_FIELDS,
    _assess,
    _check_complete,
    _check_version,
    _Edit,
    _implementer,
    _plain,
    _relationships,
    _span,
)
from deskterm.services.core import access, lookup
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput
from deskterm.services.tickets.tickets import next_number
from deskterm.store.models.change import Change


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
