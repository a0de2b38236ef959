"""The change workflow as the change screens show it, shared by the board, the calendar, the
detail and the dialogs: state titles and labels, the step back and forward along a change's
workflow, and the formatting of a window, a priority and collisions."""

from datetime import datetime

from deskterm.domain.changes.change import ChangeOutcome, ChangeState, ChangeType, allowed_moves
from deskterm.services.changes.change_views import ChangeDetail, ChangeSummary

COLUMNS = tuple(ChangeState)
STATE_TITLE = {
    ChangeState.DRAFT: "Draft",
    ChangeState.ASSESSMENT: "Assessment",
    ChangeState.AUTHORISATION: "Authorisation",
    ChangeState.SCHEDULED: "Scheduled",
    ChangeState.IMPLEMENTING: "Implementing",
    ChangeState.REVIEW: "Review",
    ChangeState.CLOSED: "Closed",
    ChangeState.REJECTED: "Rejected",
    ChangeState.CANCELLED: "Cancelled",
}
TYPE_LABEL = {ChangeType.STANDARD: "standard", ChangeType.NORMAL: "normal", ChangeType.EMERGENCY: "EMERGENCY"}
OUTCOME_SHORT = {
    ChangeOutcome.SUCCESSFUL: "✔ ok",
    ChangeOutcome.SUCCESSFUL_WITH_ISSUES: "✔ issues",
    ChangeOutcome.FAILED: "✖ failed",
    ChangeOutcome.BACKED_OUT: "↺ backout",
}
COLLISION = "⚠"
UNAUTHORISED = "UNAUTH"


def local(at: datetime) -> datetime:
    """A stored (UTC) time in the agent's local zone, for display."""
    return at.astimezone()


def window_text(start: datetime | None, end: datetime | None) -> str:
    """``11-26 22:00-23:30`` on one day, ``11-26 22:00→11-27 02:00`` across days."""
    if start is None or end is None:
        return "no window"
    a, b = local(start), local(end)
    if a.date() == b.date():
        return f"{a:%m-%d %H:%M}-{b:%H:%M}"
    return f"{a:%m-%d %H:%M}→{b:%m-%d %H:%M}"


def shows_unauthorised(change: ChangeSummary) -> bool:
    """Work done or planned to run without authorisation: marked, never by colour alone."""
    return not change.authorised and change.state in (
        ChangeState.SCHEDULED,
        ChangeState.IMPLEMENTING,
        ChangeState.REVIEW,
        ChangeState.CLOSED,
    )


def priority_style(priority: str) -> str:
    return {"P1": "bold reverse", "P2": "bold"}.get(priority, "")


def step_back(change_type: ChangeType, state: ChangeState) -> ChangeState | None:
    """Where ``[`` takes a change: the previous state of its workflow that it may return to."""
    earlier = [s for s in allowed_moves(change_type, state) if COLUMNS.index(s) < COLUMNS.index(state)]
    return earlier[-1] if earlier else None


def step_forward(change_type: ChangeType, state: ChangeState) -> ChangeState | None:
    """Where ``]`` takes a change: the next state of its workflow (never rejected/cancelled)."""
    later = [
        s
        for s in allowed_moves(change_type, state)
        if COLUMNS.index(s) > COLUMNS.index(state) and s not in (ChangeState.REJECTED, ChangeState.CANCELLED)
    ]
    return later[0] if later else None


def collisions_note(view: ChangeDetail) -> str:
    if not view.collisions:
        return "no collisions"
    first = view.collisions[0].explanation
    more = f" (+{len(view.collisions) - 1} more)" if len(view.collisions) > 1 else ""
    return f"⚠ {len(view.collisions)} collision{'s' if len(view.collisions) > 1 else ''}: {first}{more}"
