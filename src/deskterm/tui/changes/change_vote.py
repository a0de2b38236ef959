"""CAB votes and the change manager's final word, each a small form.

A member votes approve, reject or abstain with a comment; the service refuses a vote on
one's own change and says why (shown in the dialog). The change manager then decides:
approve (the change goes to the schedule) or reject, with a comment.
"""

from typing import Any

from deskterm.domain.changes.change import VoteDecision
from deskterm.services.changes import changes
from deskterm.services.core.context import Desk
from deskterm.tui.base.form import Field, FormDialog

DECISIONS = [(d.value, d.value) for d in VoteDecision]
FINAL = [("approve", "approve"), ("reject", "reject")]


def vote_dialog(desk: Desk, ref: str) -> FormDialog:
    def submit(values: dict[str, Any]) -> str:
        decision = VoteDecision(values.get("decision") or VoteDecision.APPROVE)
        view = changes.vote(desk, ref, decision, str(values.get("comment") or ""))
        outcome = view.cab_outcome.value if view.cab_outcome else "pending"
        return f"{ref}: voted {decision.value}; CAB recommendation {outcome} ({len(view.votes)} votes)"

    return FormDialog(
        f"CAB vote on {ref}",
        [
            Field("decision", "Your vote", "select", DECISIONS, value=VoteDecision.APPROVE.value),
            Field("comment", "Comment", "area"),
        ],
        submit,
    )


def decide_dialog(desk: Desk, ref: str) -> FormDialog:
    def submit(values: dict[str, Any]) -> str:
        approve = (values.get("decision") or "approve") == "approve"
        view = changes.decide(desk, ref, approve, str(values.get("comment") or ""))
        return f"{ref} {'authorised' if approve else 'rejected'}: now {view.state.value}"

    def question(values: dict[str, Any]) -> str:
        if (values.get("decision") or "approve") == "approve":
            return f"Authorise {ref}? It goes to the schedule; the decision is recorded and final."
        return f"Reject {ref}? A rejected change is final; it must be raised again to be reconsidered."

    return FormDialog(
        f"Authorise {ref} (the change manager's final word)",
        [
            Field("decision", "Decision", "select", FINAL, value="approve", aliases=("approve",)),
            Field("comment", "Comment", "area"),
        ],
        submit,
        confirm=question,
    )
