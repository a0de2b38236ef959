"""What every problem service shares: the audit record names, finding a problem by its ref,
numbering a new record, and the audited changes of one problem with its version bump.

The writes, the reads and the known error database (``kedb``) all find problems and audit
them the same way; this module is that one way.
"""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from deskterm.domain.core.refs import RefError, RefKind, parse_ref
from deskterm.services.core.context import UnitOfWork
from deskterm.services.core.errors import Conflict, InvalidInput, NotFound
from deskterm.services.tickets import tickets
from deskterm.store.models import AuditEntry, Problem

RECORD = "problem"
KE_RECORD = "known-error"


def next_ref(s: Session, kind: RefKind) -> tuple[int, str]:
    number = tickets.next_number(s, kind.value)
    return number, f"{kind.value}-{number}"


def find(s: Session, ref: str, *, for_update: bool = False) -> Problem:
    """A problem by ref (``PRB-3``, ``prb3``)."""
    try:
        parsed = parse_ref(ref)
    except RefError as exc:
        raise InvalidInput(str(exc), field="ref") from None
    if parsed.kind is not RefKind.PRB:
        raise InvalidInput(f"{parsed} is not a problem; problem refs start with PRB", field="ref")
    stmt = select(Problem).where(Problem.ref == str(parsed))
    if for_update:
        stmt = stmt.with_for_update()
    found = s.scalar(stmt)
    if found is None:
        raise NotFound(f"there is no problem {parsed}; deskterm problem list shows them")
    return found


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


class ProblemChanges:
    """Field changes of one problem: each set and audited once, one version bump."""

    def __init__(self, uow: UnitOfWork, p: Problem) -> None:
        self.uow, self.p = uow, p
        self.items: list[tuple[str, Any, Any]] = []

    def set(
        self, attr: str, new: Any, *, label: str | None = None, shown: tuple[Any, Any] | None = None
    ) -> None:
        old = getattr(self.p, attr)
        if old == new:
            return
        setattr(self.p, attr, new)
        old_shown, new_shown = shown if shown is not None else (old, new)
        self.items.append((label or attr, _plain(old_shown), _plain(new_shown)))

    def note(self, label: str, old: Any, new: Any) -> None:
        """A change that is not a column of the problem (an incident linked)."""
        self.items.append((label, old, new))

    def commit(self) -> bool:
        if not self.items:
            return False
        self.p.version += 1
        self.p.updated_at = self.uow.now
        for label, old, new in self.items:
            self.uow.audit(RECORD, self.p.id, self.p.ref, label, old, new, self.p.version)
        return True


def conflict(s: Session, p: Problem, seen: int) -> Conflict:
    entries = s.scalars(
        select(AuditEntry)
        .where(AuditEntry.record_kind == RECORD, AuditEntry.record_id == p.id, AuditEntry.version > seen)
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.id)
    ).all()
    said = ", ".join(dict.fromkeys(f"{e.field} by {e.actor.login}" for e in entries)) or "changed"
    return Conflict(
        f"{p.ref} changed since you saw it (version {seen}, now {p.version}): {said}; "
        "reload it and make your change again",
        ref=p.ref,
        seen_version=seen,
        current_version=p.version,
    )
