"""Event filtering and significance rules as code: one TOML file, applied like the SLA definitions.

```toml
[settings]
correlation_window = "15m"      # events within it on the same CI or service share an incident

[[rule]]                          # in order: the first rule that matches decides
name = "heartbeats are noise"
action = "drop"                   # drop | informational | warning | exception
check = "heartbeat*"              # shell-style patterns: source, check, node
[[rule]]
name = "payroll disk is an exception"
action = "exception"
node = "payroll-*"
message = "disk (full|almost full)"   # a regular expression, searched in the message
severities = ["warning", "minor"]
```

``apply`` validates the whole file first and changes nothing on any error, naming the entry
and the field. The file is the whole truth: rules it does not name are removed.
"""

from datetime import timedelta
from typing import Any

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from deskterm.domain.events.events import (
    DEFAULT_WINDOW,
    EventError,
    Rule,
    RuleAction,
    RuleSet,
    parse_severity,
)
from deskterm.domain.sla.terms import format_duration, parse_duration
from deskterm.services.core.context import Desk, UnitOfWork
from deskterm.services.core.definitions_apply import definition_text, run_apply
from deskterm.services.core.errors import InvalidInput
from deskterm.services.core.toml_input import load_toml
from deskterm.store.models import EventRule, EventSetting

WINDOW = "correlation_window"


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleDef(_Entry):
    name: str = Field(min_length=1, max_length=80)
    action: RuleAction
    source: str | None = Field(default=None, min_length=1, max_length=120)
    check: str | None = Field(default=None, min_length=1, max_length=120)
    node: str | None = Field(default=None, min_length=1, max_length=120)
    message: str | None = Field(default=None, min_length=1, max_length=500)
    severities: list[str] = []


class SettingsDef(_Entry):
    correlation_window: str | int = format_duration(DEFAULT_WINDOW.total_seconds())


class RulesFile(_Entry):
    settings: SettingsDef = SettingsDef()
    rule: list[RuleDef] = []


class ApplySummary(BaseModel):
    rules: int
    removed: list[str]
    correlation_window: str
    added: list[str] = []
    changed: list[str] = []
    dry_run: bool = False


def _where(exc: ValidationError) -> str:
    err = exc.errors()[0]
    parts: list[str] = []
    for item in err["loc"]:
        if isinstance(item, int) and parts:
            parts[-1] = f"{parts[-1]}[{item + 1}]"
        else:
            parts.append(str(item))
    return f"{'.'.join(parts)}: {err['msg']}"


def parse(text: str, source: str = "the file") -> tuple[RulesFile, RuleSet]:
    """The file as definitions and as the domain rule set, or the first problem, named."""

    def fail(what: str) -> InvalidInput:
        return InvalidInput(f"{source}: {what}; nothing was changed")

    raw = load_toml(text, source)
    try:
        defs = RulesFile.model_validate(raw)
    except ValidationError as exc:
        raise fail(_where(exc)) from None
    try:
        window = parse_duration(defs.settings.correlation_window)
    except ValueError as exc:
        raise fail(f"settings.correlation_window: {exc}") from None
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, r in enumerate(defs.rule, 1):
        label = f"rule[{i}] {r.name!r}"
        if r.name in seen:
            raise fail(f"{label}: the name is used twice")
        seen.add(r.name)
        try:
            severities = tuple(parse_severity(v) for v in r.severities)
        except EventError as exc:
            raise fail(f"{label}: severities: {exc}") from None
        try:
            rules.append(Rule(r.name, r.action, r.source, r.check, r.node, r.message, severities))
        except EventError as exc:
            raise fail(f"{label}: {exc}") from None
    return defs, RuleSet(tuple(rules), timedelta(seconds=window))


def apply(
    desk: Desk, text: str, source: str = "the file", *, prune: bool = False, dry_run: bool = False
) -> ApplySummary:
    """Replace the rules with the file's; removing a rule needs ``prune``; ``dry_run`` only
    reports what would be added, changed and removed."""
    defs, ruleset = parse(text, source)
    summary, changes = run_apply(
        desk,
        lambda uow: _apply_in(uow, defs, ruleset),
        lambda s: s.removed,
        prune=prune,
        dry_run=dry_run,
        source=source,
    )
    return summary.model_copy(
        update={"added": changes.added, "changed": changes.changed, "dry_run": changes.dry_run}
    )


def _apply_in(uow: UnitOfWork, defs: RulesFile, ruleset: RuleSet) -> ApplySummary:
    s = uow.session
    before = {r.name: _def_of(r) for r in s.scalars(select(EventRule))}
    s.execute(delete(EventRule))
    s.flush()
    for position, r in enumerate(defs.rule, 1):
        row = EventRule(
            position=position,
            name=r.name,
            action=r.action,
            source=r.source,
            check=r.check,
            node=r.node,
            message=r.message,
            severities=[parse_severity(v).value for v in r.severities],
        )
        s.add(row)
        if before.get(r.name) != _def_of(row):
            s.flush()
            old = before.get(r.name)
            shown = None if old is None else definition_text(old)
            uow.audit("event-rule", row.id, r.name, "definition", shown, definition_text(_def_of(row)))
    window = format_duration(ruleset.window.total_seconds())
    setting = s.get(EventSetting, WINDOW)
    if setting is None:
        s.add(EventSetting(name=WINDOW, value=window))
        uow.audit("event-setting", 0, WINDOW, "value", None, window)
    elif setting.value != window:
        uow.audit("event-setting", 0, WINDOW, "value", setting.value, window)
        setting.value = window
    wanted = {r.name for r in defs.rule}
    removed = [f"rule {name}" for name in before if name not in wanted]
    for name in before:
        if name not in wanted:
            uow.audit("event-rule", 0, name, "definition", definition_text(before[name]), None)
    return ApplySummary(rules=len(defs.rule), removed=removed, correlation_window=window)


def _def_of(r: EventRule) -> tuple[Any, ...]:
    return (r.position, r.action, r.source, r.check, r.node, r.message, list(r.severities or []))


def load(s: Session) -> RuleSet:
    """The desk's rules as the domain applies them (rows were validated when applied)."""
    rules = tuple(
        Rule(
            r.name,
            RuleAction(r.action),
            r.source,
            r.check,
            r.node,
            r.message,
            tuple(parse_severity(v) for v in r.severities or []),
        )
        for r in s.scalars(select(EventRule).order_by(EventRule.position))
    )
    setting = s.get(EventSetting, WINDOW)
    window = timedelta(seconds=parse_duration(setting.value)) if setting else DEFAULT_WINDOW
    return RuleSet(rules, window)


def export(desk: Desk) -> str:
    """The current rules, in the format ``apply`` reads."""
    with desk.reading() as s:
        ruleset = load(s)
        rows = s.scalars(select(EventRule).order_by(EventRule.position)).all()
        doc: dict[str, Any] = {
            "settings": {"correlation_window": format_duration(ruleset.window.total_seconds())}
        }
        if rows:
            doc["rule"] = []
            for r in rows:
                entry: dict[str, Any] = {"name": r.name, "action": r.action.value}
                for key in ("source", "check", "node", "message"):
                    value = getattr(r, key)
                    if value is not None:
                        entry[key] = value
                if r.severities:
                    entry["severities"] = list(r.severities)
                doc["rule"].append(entry)
    return tomli_w.dumps(doc)
