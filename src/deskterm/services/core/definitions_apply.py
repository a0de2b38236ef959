"""What every ``apply`` of definitions as code shares: the diff, ``--prune`` and ``--dry-run``.

An apply runs in one unit of work. What it adds, changes and removes is read from the audit
rows it writes (each one holds the old and the new definition of one entry, and unchanged
entries write none). Removing entries needs ``prune``: without it the apply is refused and
nothing is changed, so an empty or truncated file cannot wipe a desk's definitions. A dry run
does all of it and rolls back, so the diff it prints is exactly what applying would do.
"""

import json
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from deskterm.domain.core.permissions import Action
from deskterm.services.core import access, races
from deskterm.services.core.context import Desk, UnitOfWork
from deskterm.services.core.errors import InvalidInput

T = TypeVar("T")
SHOWN = 10  # entries named in a refusal before "and N more"


class DefinitionChanges(BaseModel):
    """The diff of one apply: entries as ``kind name``."""

    added: list[str] = []
    changed: list[str] = []
    removed: list[str] = []
    dry_run: bool = False


def definition_text(value: Any) -> str:
    """A definition as stable JSON for the audit trail (sorted keys, dates as ISO text)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def changes_of(uow: UnitOfWork, removed: list[str]) -> DefinitionChanges:
    added: list[str] = []
    changed: list[str] = []
    for kind, ref, field_name, old, new in uow.audited:
        if field_name in ("definition", "value"):  # one kind of entry per record kind
            label = f"{kind} {ref}" if ref else kind
        else:  # several kinds under one record kind (blackouts, maintenance, templates)
            label = field_name if ref in (None, field_name) else f"{field_name} {ref}"
        if new is None:
            continue  # removals come from the service's own list (it names them best)
        (added if old is None else changed).append(label)
    return DefinitionChanges(added=added, changed=changed, removed=list(removed))


class _RollBack(Exception):
    """Ends a dry run: the unit of work rolls back."""


def run_apply(
    desk: Desk,
    body: Callable[[UnitOfWork], T],
    removed_of: Callable[[T], list[str]],
    *,
    prune: bool,
    dry_run: bool,
    source: str,
) -> tuple[T, DefinitionChanges]:
    """Run ``body`` as one apply; refuse removals without ``prune``; roll back a dry run.

    Applying the same file from several desks at once is idempotent: a desk whose rows another
    committed first runs again, finds nothing to change and succeeds (:func:`races.once`)."""

    def attempt() -> tuple[T, DefinitionChanges]:
        result: list[tuple[T, DefinitionChanges]] = []
        try:
            with desk.writing() as uow:
                access.require(uow, Action.DEFINITIONS_APPLY)  # admins only: definitions shape every ticket
                value = body(uow)
                changes = changes_of(uow, removed_of(value))
                changes.dry_run = dry_run
                result.append((value, changes))
                if changes.removed and not prune and not dry_run:
                    names = ", ".join(changes.removed[:SHOWN])
                    more = f" and {len(changes.removed) - SHOWN} more" if len(changes.removed) > SHOWN else ""
                    raise InvalidInput(
                        f"{source} would remove {names}{more}; add --prune to remove them (--dry-run "
                        "shows every change), or put them back in the file; nothing was changed"
                    )
                if dry_run:
                    raise _RollBack
        except _RollBack:
            pass
        return result[0]

    return races.once(attempt)
