"""Bulk actions on the selected tickets: assign, change group, change status, resolve.

Each ticket is changed in its own transaction; the result says which ones were refused and why.
"""

from typing import Any

from deskterm.domain.core.vocabulary import TicketStatus
from deskterm.services.core import search
from deskterm.services.core.errors import InvalidInput
from deskterm.services.tickets import tickets
from deskterm.tui.base.form import Field, FormDialog
from deskterm.tui.tickets.ticket_actions import CODES, REASONS


class BulkDialog(FormDialog):
    def __init__(self, what: str, refs: list[str]) -> None:
        self.what, self.refs = what, refs
        self.refused: list[str] = []
        title = (
            f"{what.capitalize()} {len(refs)} ticket(s): {', '.join(refs[:6])}{' …' if len(refs) > 6 else ''}"
        )
        super().__init__(title, self._fields(), self._submit, confirm=self._question)

    def _question(self, values: dict[str, Any]) -> str | None:
        """Resolving or closing many tickets at once is not undone by a key: ask first."""
        count = f"{len(self.refs)} ticket(s)"
        if self.what == "resolve":
            return f"Resolve {count} ({', '.join(self.refs[:6])}{' …' if len(self.refs) > 6 else ''})?"
        if self.what == "status" and values.get("status") == TicketStatus.CLOSED.value:
            return f"Close {count}? Closed tickets are final: they cannot be reopened."
        return None

    def _fields(self) -> list[Field]:
        match self.what:
            case "assign":
                return [
                    Field(
                        "assignee",
                        "Agent (login, name or group; arrows + enter pick)",
                        "lookup",
                        find=lambda text: search.agents(self.app.desk, text),  # type: ignore[attr-defined]
                    )
                ]
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
        needed = {"assign": "assignee", "group": "group", "status": "status"}.get(self.what)
        if needed and needed not in fields:
            raise InvalidInput(f"choose the {needed} to set, or press escape to cancel", field=needed)
        result = tickets.bulk_update(desk, self.refs, **fields)
        refused = "; ".join(f"{r}: {why}" for r, why in result.refused.items())
        if not result.updated:  # nothing changed: the dialog stays, the selection with it
            raise InvalidInput(f"nothing was changed: {refused}")
        self.refused = list(result.refused)
        text = f"updated: {', '.join(result.updated)}"
        if refused:
            text += f"; refused (still selected): {refused}"
        return text
