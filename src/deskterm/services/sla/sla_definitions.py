"""SLA definitions as code: calendars, agreements and escalation rules from one TOML file.

``apply`` validates the whole file first (syntax, every field, every name it refers to) and
changes nothing on any error, naming the entry and the field. The file is the whole truth:
what it does not define is removed. Applying the same file twice changes nothing.
"""

from datetime import date
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session, selectinload

from deskterm.domain.sla.calendar import BusinessCalendar
from deskterm.domain.sla.calendar_spec import CalendarError
from deskterm.domain.sla.terms import AgreementTerms, TermsError, format_duration, parse_duration
from deskterm.services.core.context import Desk, UnitOfWork
from deskterm.services.core.definitions_apply import definition_text, run_apply
from deskterm.services.core.errors import InvalidInput
from deskterm.services.core.toml_input import load_toml
from deskterm.services.sla import clocks
from deskterm.store.models import (
    Agreement,
    EscalationFiring,
    EscalationRule,
    Group,
    Service,
    SipItem,
    SlaCalendar,
    TicketClock,
)

ALWAYS = "24x7"


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CalendarDef(_Entry):
    name: str = Field(min_length=1, max_length=80)
    timezone: str
    holidays: list[date] = []
    hours: dict[str, list[str]] = {}
    workdays: dict[date, list[str]] = {}  # make-up working days (调休) and their hours


class AgreementDef(_Entry):
    name: str = Field(min_length=1, max_length=80)
    kind: Literal["SLA", "OLA", "UC"] = "SLA"
    services: list[str] = []
    groups: list[str] = []
    calendar: str = ALWAYS
    warn_at: float = 0.75
    pause_on: list[str] = []
    supplier: str | None = None
    targets: dict[str, dict[str, str | int]]


class EscalationDef(_Entry):
    at: Literal["warn", "breach"]
    action: Literal["notify", "reassign", "raise-priority", "mark-major"]
    agreement: str | None = None
    priority: str | None = None
    metric: Literal["response", "resolution"] | None = None
    notify: Literal["group-lead", "service-owner"] | None = None
    group: str | None = None


class DefinitionsFile(_Entry):
    calendar: list[CalendarDef] = []
    agreement: list[AgreementDef] = []
    escalation: list[EscalationDef] = []


class ApplySummary(BaseModel):
    calendars: int
    agreements: int
    escalations: int
    removed: list[str]
    clocks: int
    recomputed_from: str  # "phases" (calendars, targets, warn levels changed) or "history"
    added: list[str] = []
    changed: list[str] = []
    dry_run: bool = False


def _where(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = list(err["loc"])
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int) and parts:
            parts[-1] = f"{parts[-1]}[{item + 1}]"
        else:
            parts.append(str(item))
    return f"{'.'.join(parts)}: {err['msg']}"


def parse(text: str, source: str = "the file") -> DefinitionsFile:
    raw = load_toml(text, source)
    try:
        return DefinitionsFile.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(f"{source}: {_where(exc)}; nothing was changed") from None


def _check(s: Session, defs: DefinitionsFile, source: str) -> dict[str, AgreementTerms]:
    """Every entry as domain objects, every reference resolved: or the first problem, named."""

    def fail(what: str) -> InvalidInput:
        return InvalidInput(f"{source}: {what}; nothing was changed")

    calendars: dict[str, BusinessCalendar] = {ALWAYS: BusinessCalendar.always()}
    for i, c in enumerate(defs.calendar, 1):
        if c.name in calendars:
            raise fail(f"calendar[{i}] {c.name!r}: the name is used twice (or is the built-in 24x7)")
        try:
            calendars[c.name] = BusinessCalendar.from_spec(
                c.name, c.timezone, c.hours, c.holidays, c.workdays
            )
        except CalendarError as exc:
            raise fail(f"calendar[{i}] {c.name!r}: {exc}") from None
    services = set(s.scalars(select(Service.name)))
    groups = set(s.scalars(select(Group.name)))
    terms: dict[str, AgreementTerms] = {}
    for i, a in enumerate(defs.agreement, 1):
        label = f"agreement[{i}] {a.name!r}"
        if a.name in terms:
            raise fail(f"{label}: the name is used twice")
        if a.calendar not in calendars:
            raise fail(f"{label}: calendar: {a.calendar!r} is not defined in this file (nor 24x7)")
        for name in a.services:
            if name not in services:
                raise fail(f"{label}: services: no service is named {name!r} (deskterm service list)")
        for name in a.groups:
            if name not in groups:
                raise fail(f"{label}: groups: no group is named {name!r} (deskterm group list)")
        if not a.services and not a.groups:
            raise fail(f"{label}: name the services (SLA, UC) or groups (OLA) it covers")
        try:
            seconds = {p: {m: parse_duration(v) for m, v in per.items()} for p, per in a.targets.items()}
        except ValueError as exc:
            raise fail(f"{label}: targets: {exc}") from None
        try:
            terms[a.name] = AgreementTerms.from_spec(
                name=a.name,
                kind=a.kind,
                calendar=calendars[a.calendar],
                targets=seconds,
                warn_at=a.warn_at,
                pause_on=frozenset(a.pause_on),
            )
        except TermsError as exc:
            raise fail(str(exc)) from None
    for i, e in enumerate(defs.escalation, 1):
        label = f"escalation[{i}]"
        if e.agreement is not None and e.agreement not in terms:
            raise fail(f"{label}: agreement: {e.agreement!r} is not defined in this file")
        if e.priority is not None and e.priority.upper() not in ("P1", "P2", "P3", "P4", "P5"):
            raise fail(f"{label}: priority: {e.priority!r} is not one of P1..P5")
        if e.action == "notify" and e.notify is None:
            raise fail(f"{label}: notify: say who is told: group-lead or service-owner")
        if e.action == "reassign" and (e.group is None or e.group not in groups):
            raise fail(f"{label}: group: reassign needs an existing group, not {e.group!r}")
    return terms


def apply(
    desk: Desk, text: str, source: str = "the file", *, prune: bool = False, dry_run: bool = False
) -> ApplySummary:
    """Apply a definitions file in one unit of work: all of it, or nothing on any error.

    Removing an agreement, calendar or escalation rule needs ``prune``; ``dry_run`` reports
    what would be added, changed and removed and changes nothing."""
    defs = parse(text, source)
    summary, changes = run_apply(
        desk,
        lambda uow: apply_in(uow, defs, source),
        lambda s: s.removed,
        prune=prune,
        dry_run=dry_run,
        source=source,
    )
    return summary.model_copy(
        update={"added": changes.added, "changed": changes.changed, "dry_run": changes.dry_run}
    )


def apply_in(uow: UnitOfWork, defs: DefinitionsFile | str, source: str = "the file") -> ApplySummary:
    """:func:`apply` inside the caller's unit of work (the benchmark times it and rolls back)."""
    if isinstance(defs, str):
        defs = parse(defs, source)
    s = uow.session
    _check(s, defs, source)
    before = _coverage(s)
    removed = _write(uow, defs)
    if before == _coverage(s) and not s.scalar(select(exists().where(TicketClock.phases.is_(None)))):
        how, count = "phases", clocks.recompute_all(s, uow.now)
    else:
        how, count = "history", clocks.refresh_all_open(s, uow.now)
    return ApplySummary(
        calendars=len(defs.calendar),
        agreements=len(defs.agreement),
        escalations=len(defs.escalation),
        removed=removed,
        clocks=count,
        recomputed_from=how,
    )


def _coverage(s: Session) -> dict[str, tuple[object, ...]]:
    """What decides which clocks exist and how their phases run: which tickets each agreement
    covers, what pauses it and which targets it sets. While this is unchanged, the stored phases
    stay valid and a changed calendar, target or warning level is only re-measured."""
    out: dict[str, tuple[object, ...]] = {}
    for a in s.scalars(
        select(Agreement).options(selectinload(Agreement.services), selectinload(Agreement.groups))
    ):
        targets = sorted((p, m) for p, per in a.targets.items() for m in per)
        out[a.name] = (
            a.kind,
            sorted(x.id for x in a.services),
            sorted(x.id for x in a.groups),
            sorted(a.pause_on),
            targets,
        )
    return out


def _write(uow: UnitOfWork, defs: DefinitionsFile) -> list[str]:
    s = uow.session
    removed: list[str] = []
    existing_cals = {c.name: c for c in s.scalars(select(SlaCalendar))}
    for c in [*defs.calendar, CalendarDef(name=ALWAYS, timezone="UTC")]:
        cal_row = existing_cals.pop(c.name, None) or SlaCalendar(name=c.name)
        workdays = {d.isoformat(): spans for d, spans in sorted(c.workdays.items())} or None
        before = (cal_row.timezone, cal_row.hours, cal_row.holidays, cal_row.workdays)
        wanted = (c.timezone, c.hours, [d.isoformat() for d in c.holidays], workdays)
        cal_row.timezone, cal_row.hours, cal_row.holidays, cal_row.workdays = wanted
        s.add(cal_row)
        if before != wanted:
            old = None if cal_row.id is None else definition_text(_calendar_def(before))
            uow.audit(
                "calendar", cal_row.id or 0, c.name, "definition", old, definition_text(_calendar_def(wanted))
            )
    s.flush()
    cal_ids = {c.name: c.id for c in s.scalars(select(SlaCalendar))}
    existing = {a.name: a for a in s.scalars(select(Agreement).options(selectinload(Agreement.services)))}
    services = {x.name: x for x in s.scalars(select(Service))}
    groups = {x.name: x for x in s.scalars(select(Group))}
    cal_names = {v: k for k, v in cal_ids.items()}
    for a in defs.agreement:
        row = existing.pop(a.name, None) or Agreement(name=a.name)
        old_def = None if row.id is None else _agreement_def(row, cal_names)
        row.kind, row.calendar_id, row.warn_at = a.kind, cal_ids[a.calendar], a.warn_at
        row.pause_on = sorted(a.pause_on)
        row.targets = {  # normalised: 7200 and "2h" are both stored (and read back) as "2h"
            p.upper(): {m: format_duration(parse_duration(v)) for m, v in per.items()}
            for p, per in a.targets.items()
        }
        row.supplier = a.supplier
        row.services = [services[n] for n in a.services]
        row.groups = [groups[n] for n in a.groups]
        s.add(row)
        new_def = _agreement_def(row, cal_names)
        if new_def != old_def:  # unchanged agreements write no audit row
            old = None if old_def is None else definition_text(old_def)
            uow.audit("agreement", row.id or 0, a.name, "definition", old, definition_text(new_def))
    s.flush()
    agreement_ids = {a.name: a.id for a in s.scalars(select(Agreement))}
    wanted_rules = [
        (
            position,
            agreement_ids[e.agreement] if e.agreement else None,
            e.priority.upper() if e.priority else None,
            e.metric,
            e.at,
            e.action,
            e.notify,
            groups[e.group].id if e.group else None,
        )
        for position, e in enumerate(defs.escalation, 1)
    ]
    current_rules = [
        (r.position, r.agreement_id, r.priority, r.metric, r.at, r.action, r.notify, r.group_id)
        for r in s.scalars(select(EscalationRule).order_by(EscalationRule.position))
    ]
    if current_rules != wanted_rules:  # unchanged rules keep their record of what already fired
        rule_names = {v: k for k, v in agreement_ids.items()}
        group_names = {g.id: n for n, g in groups.items()}

        def shown(rules: list[tuple[Any, ...]]) -> str | None:
            return definition_text([_rule_def(r, rule_names, group_names) for r in rules]) if rules else None

        uow.audit("escalation", 0, "rules", "definition", shown(current_rules), shown(wanted_rules))
        if len(current_rules) > len(wanted_rules):
            removed.append(f"{len(current_rules) - len(wanted_rules)} escalation rule(s)")
        s.execute(delete(EscalationFiring))
        s.execute(delete(EscalationRule))
        for position, agreement_id, priority, metric, at, action, notify, group_id in wanted_rules:
            s.add(
                EscalationRule(
                    position=position,
                    agreement_id=agreement_id,
                    priority=priority,
                    metric=metric,
                    at=at,
                    action=action,
                    notify=notify,
                    group_id=group_id,
                )
            )
    for name, row in existing.items():
        gone = definition_text(_agreement_def(row, cal_names))
        s.execute(delete(TicketClock).where(TicketClock.agreement_id == row.id))
        s.execute(delete(EscalationFiring).where(EscalationFiring.agreement_id == row.id))
        s.execute(update(SipItem).where(SipItem.agreement_id == row.id).values(agreement_id=None))
        s.delete(row)
        removed.append(f"agreement {name}")
        uow.audit("agreement", row.id, name, "definition", gone, None)
    s.flush()
    for name, cal in existing_cals.items():
        old = definition_text(_calendar_def((cal.timezone, cal.hours, cal.holidays, cal.workdays)))
        uow.audit("calendar", cal.id, name, "definition", old, None)
        s.delete(cal)
        removed.append(f"calendar {name}")
    return removed


def _calendar_def(values: tuple[Any, ...]) -> dict[str, Any]:
    timezone, hours, holidays, workdays = values
    return {"timezone": timezone, "hours": hours, "holidays": holidays, "workdays": workdays}


def _agreement_def(row: Agreement, cal_names: dict[int, str]) -> dict[str, Any]:
    """One agreement as its file entry says it (what the audit keeps, old and new)."""
    return {
        "kind": row.kind,
        "calendar": cal_names.get(row.calendar_id, str(row.calendar_id)),
        "warn_at": row.warn_at,
        "pause_on": sorted(row.pause_on or []),
        "targets": row.targets,
        "supplier": row.supplier,
        "services": sorted(x.name for x in row.services),
        "groups": sorted(x.name for x in row.groups),
    }


def _rule_def(rule: tuple[Any, ...], agreements: dict[int, str], groups: dict[int, str]) -> dict[str, Any]:
    position, agreement_id, priority, metric, at, action, notify, group_id = rule
    return {
        "position": position,
        "agreement": agreements.get(agreement_id) if agreement_id else None,
        "priority": priority,
        "metric": metric,
        "at": at,
        "action": action,
        "notify": notify,
        "group": groups.get(group_id) if group_id else None,
    }


def export(desk: Desk) -> str:
    """The current definitions, in the format ``apply`` reads."""
    with desk.reading() as s:
        cals = s.scalars(
            select(SlaCalendar).where(SlaCalendar.name != ALWAYS).order_by(SlaCalendar.name)
        ).all()
        agreements = s.scalars(
            select(Agreement)
            .options(
                selectinload(Agreement.services),
                selectinload(Agreement.groups),
                selectinload(Agreement.calendar),
            )
            .order_by(Agreement.name)
        ).all()
        rules = s.scalars(
            select(EscalationRule)
            .options(selectinload(EscalationRule.agreement), selectinload(EscalationRule.group))
            .order_by(EscalationRule.position)
        ).all()
        doc: dict[str, Any] = {}
        if cals:
            doc["calendar"] = [
                {"name": c.name, "timezone": c.timezone, "holidays": c.holidays, "hours": c.hours}
                | ({"workdays": c.workdays} if c.workdays else {})
                for c in cals
            ]
        if agreements:
            doc["agreement"] = []
            for a in agreements:
                entry: dict[str, Any] = {"name": a.name, "kind": a.kind}
                if a.services:
                    entry["services"] = [x.name for x in a.services]
                if a.groups:
                    entry["groups"] = [x.name for x in a.groups]
                entry["calendar"] = a.calendar.name
                entry["warn_at"] = a.warn_at
                entry["pause_on"] = a.pause_on
                if a.supplier:
                    entry["supplier"] = a.supplier
                entry["targets"] = {
                    p: {m: format_duration(parse_duration(v)) for m, v in per.items()}
                    for p, per in a.targets.items()
                }
                doc["agreement"].append(entry)
        if rules:
            doc["escalation"] = []
            for r in rules:
                rule: dict[str, Any] = {"at": r.at, "action": r.action}
                for key, value in (
                    ("agreement", r.agreement.name if r.agreement else None),
                    ("priority", r.priority),
                    ("metric", r.metric),
                    ("notify", r.notify),
                    ("group", r.group.name if r.group else None),
                ):
                    if value is not None:
                        rule[key] = value
                doc["escalation"].append(rule)
    return tomli_w.dumps(doc)
