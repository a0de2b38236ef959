"""What every change write shares: the edit (version, audit rows, state moves), the checks on a
change's fields, window, CAB and version."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from deskterm.domain.changes.change import (
    FINISHED,
    ChangeState,
    ChangeType,
    TransitionError,
    check_transition,
    missing_fields,
)
from deskterm.domain.core.text import BODY_MAX
from deskterm.services.changes.change_records import RECORD, _rfc, find, risk_rules
from deskterm.services.core import lookup
from deskterm.services.core.context import Desk, UnitOfWork
from deskterm.services.core.errors import Conflict, InvalidInput
from deskterm.store.models import Agent, AuditEntry
from deskterm.store.models.change import Cab, Change

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


def _span(c: Change) -> str | None:
    if c.planned_start is None or c.planned_end is None:
        return None
    return f"{c.planned_start.isoformat()}/{c.planned_end.isoformat()}"
