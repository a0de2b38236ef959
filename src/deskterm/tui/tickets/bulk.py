"""Bulk actions on the selected tickets: assign, change group, change status, resolve.

Each ticket is changed in its own transaction; the result says which ones were refused and why.
"""

from typing import Any

from deskterm.domain.core.vocabulary import TicketStatus
from deskterm.services.core import search
from deskterm.services.tickets import tickets
from deskterm.tui.base.form import Field, FormDialog
from deskterm.tui.tickets.ticket_actions import CODES, REASONS


class BulkDialog(FormDialog):
    def __init__(self, what: str, refs: list[str]) -> None:
        self.what, self.refs = what, refs
        title = (
            f"{what.capitalize()} {len(refs)} ticket(s): {', '.join(refs[:6])}{' …' if len(refs) > 6 else ''}"
        )
        super().__init__(title, self._fields(), self._submit)

    def _fields(self) -> list[Field]:
        match self.what:
            case "assign":
                return [Field("assignee", "Agent login")]
            case "group":
                return [
                    Field(
                        "group",
                        "Group",
                        "select",
                        load=lambda: [(g.label, g.key) for g in search.groups(self.app.desk)],  # type: ignore[attr-defined]
                    )
                ]
            case "status":
                statuses = [(s.value, s.value) for s in TicketStatus if s is not TicketStatus.RESOLVED]
                return [
                    Field("status", "Status", "select", statuses),
                    Field("reason", "Pending reason (for pending)", "select", REASONS),
                ]
            case _:
                return [
                    Field("resolution_code", "Resolution code", "select", CODES, value="fixed"),
                    Field("resolution", "What was done", "area"),
                ]

    def _submit(self, values: dict[str, Any]) -> str:
        desk = self.app.desk  # type: ignore[attr-defined]
        fields = {k: v for k, v in values.items() if v not in (None, "")}
        if self.what == "resolve":
            fields["status"] = "resolved"
        result = tickets.bulk_update(desk, self.refs, **fields)
        done = ", ".join(result.updated) or "none"
        text = f"updated: {done}"
        if result.refused:
            text += "; refused: " + "; ".join(f"{r}: {why}" for r, why in result.refused.items())
        return text
