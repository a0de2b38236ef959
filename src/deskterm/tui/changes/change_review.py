"""The post-implementation review (outcome, lessons, benefits, cost) and closing a change.

A review is required after failed, backed-out and emergency changes; the service says so
when a close comes without one.
"""

from typing import Any

from deskterm.domain.changes.change import ChangeOutcome
from deskterm.services.changes import changes
from deskterm.services.core.context import Desk
from deskterm.tui.base.form import Field, FormDialog

OUTCOMES = [(o.value, o.value) for o in ChangeOutcome]
YES_NO = [("not known", "unknown"), ("yes", "yes"), ("no", "no")]


def _flag(value: object) -> bool | None:
    return {"yes": True, "no": False}.get(str(value or ""))


def review_dialog(desk: Desk, ref: str) -> FormDialog:
    def submit(values: dict[str, Any]) -> str:
        outcome = ChangeOutcome(values.get("outcome") or ChangeOutcome.SUCCESSFUL)
        view = changes.review(
            desk,
            ref,
            outcome,
            str(values.get("lessons") or ""),
            benefits_realised=_flag(values.get("benefits_realised")),
            within_cost=_flag(values.get("within_cost")),
        )
        return f"{ref} reviewed ({outcome.value}): now {view.state.value}"

    return FormDialog(
        f"Post-implementation review of {ref}",
        [
            Field("outcome", "Outcome", "select", OUTCOMES, value=ChangeOutcome.SUCCESSFUL.value),
            Field("lessons", "Lessons learned", "area"),
            Field("benefits_realised", "Expected benefits realised?", "select", YES_NO, value="unknown"),
            Field("within_cost", "Within the agreed cost?", "select", YES_NO, value="unknown"),
        ],
        submit,
    )


def close_dialog(desk: Desk, ref: str) -> FormDialog:
    def submit(values: dict[str, Any]) -> str:
        outcome = ChangeOutcome(values.get("outcome") or ChangeOutcome.SUCCESSFUL)
        view = changes.close(desk, ref, outcome)
        return f"{ref} closed ({view.outcome.value if view.outcome else outcome.value})"

    return FormDialog(
        f"Close {ref}",
        [Field("outcome", "Outcome", "select", OUTCOMES, value=ChangeOutcome.SUCCESSFUL.value)],
        submit,
    )
