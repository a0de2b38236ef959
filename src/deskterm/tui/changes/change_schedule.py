"""Schedule a change: its planned window, typed in the agent's local time.

Collisions never refuse a window (the CAB decides); the result line says how many there
are and the first of them, and the detail lists them all.
"""

import re
from datetime import datetime
from typing import Any

from deskterm.services.changes import changes
from deskterm.services.changes.change_views import ChangeSummary
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput
from deskterm.tui.base.form import Field, FormDialog

FORMAT = "YYYY-MM-DD HH:MM"
_WHEN = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2}):(\d{2})\s*$")


def parse_local(text: str, field: str) -> datetime:
    """``2026-11-26 22:00`` in the local zone -> an aware datetime; errors name the field."""
    match = _WHEN.match(text or "")
    if not match:
        what = field.replace("_", " ")
        raise InvalidInput(f"{what}: write the time as {FORMAT}, e.g. 2026-11-26 22:00", field=field)
    year, month, day, hour, minute = (int(g) for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute).astimezone()  # local wall time
    except ValueError as exc:
        raise InvalidInput(f"{field.replace('_', ' ')}: {exc}", field=field) from None


def shown(at: datetime | None) -> str:
    return f"{at.astimezone():%Y-%m-%d %H:%M}" if at is not None else ""


def schedule_dialog(desk: Desk, change: ChangeSummary) -> FormDialog:
    ref = change.ref

    def submit(values: dict[str, Any]) -> str:
        from deskterm.tui.changes.change_actions import collisions_note
        from deskterm.tui.changes.change_board import window_text

        start = parse_local(str(values.get("start") or ""), "start")
        end = parse_local(str(values.get("end") or ""), "end")
        if end <= start:
            raise InvalidInput("end: the planned end must be after the planned start", field="end")
        view = changes.schedule(desk, ref, start, end)
        return f"{ref} window {window_text(view.planned_start, view.planned_end)}; {collisions_note(view)}"

    return FormDialog(
        f"Planned window of {ref} (local time)",
        [
            Field(
                "start",
                "Start",
                value=shown(change.planned_start),
                placeholder=FORMAT,
                aliases=("planned_start",),
            ),
            Field(
                "end", "End", value=shown(change.planned_end), placeholder=FORMAT, aliases=("planned_end",)
            ),
        ],
        submit,
        hint="ctrl+s or enter save · escape cancel · collisions warn, the CAB decides",
    )
