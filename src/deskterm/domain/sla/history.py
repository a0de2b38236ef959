"""A ticket's history as the SLA clock sees it: how the ticket was logged and what changed since.

It is kept apart from the clock because building it is its own job: checking the order of the
changes, coercing their values to the vocabulary and finding the first response once, so that
every reading of every agreement's clocks replays the same checked history.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from deskterm.domain.core.vocabulary import PendingReason, Priority, TicketStatus
from deskterm.domain.sla.instants import from_micros, to_micros

TRACKED_FIELDS = frozenset({"status", "pending_reason", "priority"})

# -- history --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One audited change of a tracked field (``status``, ``pending_reason``, ``priority``)."""

    at: datetime
    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True, kw_only=True)
class TicketHistory:
    """What the clock needs to know about a ticket: how it was logged and what changed since.

    ``priority``, ``status`` and ``pending_reason`` are the values at ``opened_at``; ``changes``
    are in time order (equal times allowed: changes at one instant apply together) and never
    before ``opened_at``. ``responded_at`` is the first public update to the caller, if any.
    Use :meth:`from_current` when you hold the current values instead of the opening ones.
    """

    opened_at: datetime
    priority: Priority
    changes: tuple[Change, ...] = ()
    responded_at: datetime | None = None
    status: TicketStatus = TicketStatus.NEW
    pending_reason: PendingReason | None = None
    _opened: int = field(init=False, repr=False, compare=False)
    _opened_utc: datetime = field(init=False, repr=False, compare=False)
    _times: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _response: tuple[int, str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        opened = to_micros(self.opened_at)
        object.__setattr__(self, "priority", Priority(self.priority))
        object.__setattr__(self, "status", TicketStatus(self.status))
        if self.pending_reason is not None:
            object.__setattr__(self, "pending_reason", PendingReason(self.pending_reason))
        if self.responded_at is not None:
            to_micros(self.responded_at)
        changes: list[Change] = []
        times: list[int] = []
        last = opened
        for change in self.changes:
            at = to_micros(change.at)
            if at < last:
                when = "the ticket was opened" if at < opened else "the change before it"
                raise ValueError(
                    f"history out of order: the {change.field} change at {change.at} is before {when}"
                )
            last = at
            changes.append(Change(change.at, change.field, change.old, _coerce(change.field, change.new)))
            times.append(at)
        object.__setattr__(self, "changes", tuple(changes))
        object.__setattr__(self, "_opened", opened)
        object.__setattr__(self, "_opened_utc", from_micros(opened))
        object.__setattr__(self, "_times", tuple(times))
        object.__setattr__(self, "_response", _first_response(self, opened, times))

    @classmethod
    def from_current(
        cls,
        *,
        opened_at: datetime,
        priority: Priority,
        status: TicketStatus,
        pending_reason: PendingReason | None = None,
        changes: Iterable[Change] = (),
        responded_at: datetime | None = None,
    ) -> "TicketHistory":
        """Build from the ticket's current values: each field's opening value is the ``old`` of
        its first change, or its current value if it never changed."""
        changes = tuple(changes)
        opening: dict[str, str | None] = {
            "priority": priority,
            "status": status,
            "pending_reason": pending_reason,
        }
        seen: set[str] = set()
        for change in changes:
            if change.field in TRACKED_FIELDS and change.field not in seen:
                seen.add(change.field)
                opening[change.field] = change.old
        opening_reason = opening["pending_reason"]
        return cls(
            opened_at=opened_at,
            priority=Priority(opening["priority"] or priority),
            status=TicketStatus(opening["status"] or status),
            pending_reason=PendingReason(opening_reason) if opening_reason else None,
            changes=changes,
            responded_at=responded_at,
        )


def _coerce(name: str, value: str | None) -> str | None:
    if name in ("status", "priority"):
        if value is None:
            raise ValueError(f"a {name} change needs a new value, not None")
        return TicketStatus(value) if name == "status" else Priority(value)
    if name == "pending_reason":
        return PendingReason(value) if value else None
    raise ValueError(
        f"the SLA clock follows status, pending_reason and priority, not {name!r}; "
        "leave other fields out of the history"
    )


def _first_response(history: TicketHistory, opened: int, times: list[int]) -> tuple[int, str] | None:
    """When the response target is met according to the whole history, and how."""
    if history.status is not TicketStatus.NEW:
        return opened, f"logged as {history.status}"
    found: tuple[int, str] | None = None
    for at, change in zip(times, history.changes, strict=True):
        if change.field == "status" and change.new is not TicketStatus.NEW:
            found = at, f"status {change.old or TicketStatus.NEW} -> {change.new}"
            break
    if history.responded_at is not None:
        public = max(to_micros(history.responded_at), opened)
        if found is None or public < found[0]:
            found = public, "first public update"
    return found
