"""Raise a change (``n`` on the board): one form with the RFC's fields, the 7 Rs and the plans.

Only the title is needed to save a draft; submitting it later needs every R and plan, and
the refusal names what is missing. Times are typed in the agent's local time.
"""

import re
from dataclasses import replace
from typing import Any

from deskterm.domain.changes.change import ChangeType
from deskterm.domain.core.vocabulary import Level
from deskterm.services.changes import changes
from deskterm.services.changes.change_views import ChangeDetail, RaiseChange, UpdateChange
from deskterm.services.core.commands import validate
from deskterm.services.core.context import Desk
from deskterm.tui.base.form import Field, FormDialog
from deskterm.tui.changes.change_schedule import FORMAT, parse_local

TYPES = [(t.value, t.value) for t in ChangeType]
LEVELS = [(lvl.value, lvl.value) for lvl in Level]
OPTIONAL_TEXT = (
    "description",
    "raised_by",
    "reason",
    "expected_return",
    "risks",
    "resources",
    "responsible",
    "implementer",
    "implementation_plan",
    "backout_plan",
    "test_plan",
    "template",
)

FIELDS = [
    Field("title", "Title", placeholder="what changes, in a few words"),
    Field(
        "type",
        "Type: standard (pre-approved), normal, emergency (ECAB)",
        "select",
        TYPES,
        value=ChangeType.NORMAL.value,
    ),
    Field("template", "Template (standard changes)", placeholder="pre-approved template name"),
    Field("description", "Description", "area"),
    Field("raised_by", "Raised by (empty: you)"),
    Field("reason", "Reason"),
    Field("expected_return", "Return: the expected benefit", aliases=("return",)),
    Field("risks", "Risks"),
    Field("resources", "Resources"),
    Field(
        "responsible",
        "Responsible for build, test and implementation",
        placeholder="build: ana; test: bo; implementation: cy",
    ),
    Field(
        "relationships",
        "Relationship to other changes",
        placeholder="CHG refs, or: none",
        aliases=("relationship",),
    ),
    Field("impact", "Impact", "select", LEVELS, value=Level.MEDIUM.value),
    Field("urgency", "Urgency", "select", LEVELS, value=Level.MEDIUM.value),
    Field("business_risk", "Business risk", "select", LEVELS, value=Level.MEDIUM.value),
    Field("financial", "Financial implication", "select", LEVELS, value=Level.LOW.value),
    Field("scope", "Scope", "select", LEVELS, value=Level.LOW.value),
    Field("cis", "Configuration items (separated by commas)", aliases=("ci",)),
    Field("services", "Services (separated by commas)", aliases=("service",)),
    Field("planned_start", "Planned start (local time)", placeholder=FORMAT, aliases=("start", "window")),
    Field("planned_end", "Planned end (local time)", placeholder=FORMAT, aliases=("end",)),
    Field("implementer", "Implementer (agent login)"),
    Field("implementation_plan", "Implementation plan", "area", aliases=("plan",)),
    Field("backout_plan", "Backout plan", "area", aliases=("backout",)),
    Field("test_plan", "Test plan", "area", aliases=("test",)),
]


def _names(value: object) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def command(values: dict[str, Any]) -> RaiseChange:
    """The form's text as an RFC; empty optional fields are left unset."""
    data: dict[str, Any] = {
        "title": values.get("title") or "",
        "type": values.get("type") or ChangeType.NORMAL.value,
        "impact": values.get("impact") or Level.MEDIUM.value,
        "urgency": values.get("urgency") or Level.MEDIUM.value,
        "business_risk": values.get("business_risk") or Level.MEDIUM.value,
        "financial": values.get("financial") or Level.LOW.value,
        "scope": values.get("scope") or Level.LOW.value,
        "cis": _names(values.get("cis")),
        "services": _names(values.get("services")),
        "relationships": [p for p in re.split(r"[\s,]+", str(values.get("relationships") or "")) if p],
    }
    for name in OPTIONAL_TEXT:
        text = str(values.get(name) or "")
        if text.strip():
            data[name] = text
    start, end = str(values.get("planned_start") or ""), str(values.get("planned_end") or "")
    if start.strip() or end.strip():
        data["planned_start"] = parse_local(start, "planned_start")
        data["planned_end"] = parse_local(end, "planned_end")
    return validate(RaiseChange, **data)


def raise_change_dialog(desk: Desk) -> FormDialog:
    def submit(values: dict[str, Any]) -> str:
        view = changes.raise_change(desk, command(values))
        todo = f"; to submit it still needs: {', '.join(view.missing)}" if view.missing else ""
        return (
            f"Raised {view.ref} ({view.type.value}, {view.priority.value}, {view.approval_level.value}){todo}"
        )

    return FormDialog("Raise a change (RFC)", FIELDS, submit)


NAMES = ("raised_by", "implementer", "template")  # empty means "leave as it is"


def edit_change_dialog(desk: Desk, view: ChangeDetail) -> FormDialog:
    """Edit the RFC in draft or assessment (to fill in what submitting needs); the window is
    set with ``s``. The write carries the version shown, so a change made meanwhile conflicts."""
    current: dict[str, str] = {
        "title": view.title,
        "type": view.type.value,
        "template": view.template or "",
        "description": view.description,
        "raised_by": view.raised_by or "",
        "reason": view.reason or "",
        "expected_return": view.expected_return or "",
        "risks": view.risks or "",
        "resources": view.resources or "",
        "responsible": view.responsible or "",
        "relationships": "none"
        if view.no_relationship and not view.relationships
        else " ".join(view.relationships),
        "impact": view.impact.value,
        "urgency": view.urgency.value,
        "business_risk": view.business_risk.value,
        "financial": view.financial.value,
        "scope": view.scope.value,
        "cis": ", ".join(view.cis),
        "services": ", ".join(view.services),
        "implementer": view.implementer or "",
        "implementation_plan": view.implementation_plan or "",
        "backout_plan": view.backout_plan or "",
        "test_plan": view.test_plan or "",
    }
    fields = [replace(f, value=current[f.name]) for f in FIELDS if f.name in current]

    def submit(values: dict[str, Any]) -> str:
        data: dict[str, Any] = {}
        for name, value in values.items():
            text = "" if value is None else str(value)
            if text == current.get(name, ""):
                continue
            if name in ("cis", "services"):
                data[name] = _names(text)
            elif name == "relationships":
                data[name] = [p for p in re.split(r"[\s,]+", text) if p]
            elif name in NAMES and not text.strip():
                continue
            else:
                data[name] = text
        if not data:
            return f"{view.ref}: nothing changed"
        cmd = validate(UpdateChange, **data)
        fresh = changes.update_change(desk, view.ref, cmd, expected_version=view.version)
        todo = f"; to submit it still needs: {', '.join(fresh.missing)}" if fresh.missing else ""
        return f"{view.ref} updated ({', '.join(data)}){todo}"

    return FormDialog(f"Edit {view.ref}", fields, submit)
