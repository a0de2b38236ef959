"""Blackout and maintenance windows as code, and the collision detection that reads them.

``apply`` reads one TOML file, validates all of it first (syntax, every field, every CI and
service it names) and changes nothing on any error, naming the entry and the field. The file
is the whole truth: windows it does not define are removed. ``export`` prints it back::

    [[blackout]]
    name = "Year-end freeze"
    start = 2026-12-21T00:00:00+01:00     # a TOML datetime with an offset,
    end = 2027-01-04T00:00:00             # or a local one read in ``timezone`` (default UTC)
    timezone = "Europe/Berlin"

    [[maintenance]]
    ci = "mail-db"                        # or: service = "Email" (every CI of the service)
    days = ["sat", "sun"]                 # or ["mon-fri"]
    hours = "22:00-04:00"                 # past midnight runs into the next day
    timezone = "Europe/Berlin"

    [[template]]                          # a pre-approved standard change
    name = "monthly-patching"
    title = "Monthly Windows patching"
    reason = "..."                        # and return, risks, resources, responsible,
    plan = "..."                          # plan, backout, test: all required
    cis = ["fs-01"]                       # optional defaults: cis, services

Collisions are derived on read (:func:`collision_map`) from every open change that has a
window, so they are recomputed whenever a window is set or moved, a CI or implementer changes,
or this file is applied.
"""

import json
import tomllib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, selectinload

from deskterm.domain.changes.change import FINISHED
from deskterm.domain.changes.schedule import (
    Blackout,
    Collision,
    Interval,
    ScheduleError,
    ScheduleRules,
    Slot,
    WeeklyWindow,
    detect,
    related_map,
    zone,
)
from deskterm.domain.core.permissions import Action
from deskterm.services.changes.change_views import WindowOccurrence
from deskterm.services.core import access
from deskterm.services.core.context import Desk, UnitOfWork
from deskterm.services.core.errors import InvalidInput, NotFound
from deskterm.store.models import Agent, CIRelationship, ConfigurationItem, Service, ServiceCI
from deskterm.store.models.change import (
    BlackoutWindow,
    Change,
    ChangeCI,
    ChangeTemplate,
    MaintenanceWindow,
)

RECORD = "change-window"


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BlackoutDef(_Entry):
    name: str = Field(min_length=1, max_length=80)
    start: datetime
    end: datetime
    timezone: str = "UTC"


class MaintenanceDef(_Entry):
    ci: str | None = None
    service: str | None = None
    days: list[str] = Field(min_length=1)
    hours: str
    timezone: str = "UTC"

    @model_validator(mode="after")
    def _one_target(self) -> "MaintenanceDef":
        if (self.ci is None) == (self.service is None):
            raise ValueError("name exactly one of ci or service")
        return self


_Text = Annotated[str, Field(min_length=1, max_length=20_000)]


class TemplateDef(_Entry):
    """A standard change template; the TOML keys are the CLI's option names."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(min_length=1, max_length=80)
    title: str = Field(min_length=1, max_length=200)
    reason: _Text
    expected_return: str = Field(alias="return", min_length=1, max_length=20_000)
    risks: _Text
    resources: _Text
    responsible: _Text
    implementation_plan: str = Field(alias="plan", min_length=1, max_length=20_000)
    backout_plan: str = Field(alias="backout", min_length=1, max_length=20_000)
    test_plan: str = Field(alias="test", min_length=1, max_length=20_000)
    cis: list[str] = []
    services: list[str] = []


TEMPLATE_KEYS = ("reason", "return", "risks", "resources", "responsible", "plan", "backout", "test")


class WindowsFile(_Entry):
    blackout: list[BlackoutDef] = []
    maintenance: list[MaintenanceDef] = []
    template: list[TemplateDef] = []


class WindowsSummary(BaseModel):
    blackouts: int
    maintenance: int
    templates: int = 0
    removed: list[str]


def _where(exc: ValidationError) -> str:
    err = exc.errors()[0]
    parts: list[str] = []
    for item in err["loc"]:
        if isinstance(item, int) and parts:
            parts[-1] = f"{parts[-1]}[{item + 1}]"
        else:
            parts.append(str(item))
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{'.'.join(parts)}: {msg}" if parts else msg


def parse(text: str, source: str = "the file") -> WindowsFile:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{source} is not valid TOML ({exc}); nothing was changed") from None
    try:
        return WindowsFile.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(f"{source}: {_where(exc)}; nothing was changed") from None


def _aware(value: datetime, tz: str) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone(tz))
    return value.astimezone(UTC)


def _check(s: Session, defs: WindowsFile, source: str) -> None:
    """Every entry as domain objects, every name resolved: or the first problem, named."""

    def fail(what: str) -> InvalidInput:
        return InvalidInput(f"{source}: {what}; nothing was changed")

    names: set[str] = set()
    for i, b in enumerate(defs.blackout, 1):
        label = f"blackout[{i}] {b.name!r}"
        if b.name in names:
            raise fail(f"{label}: the name is used twice")
        names.add(b.name)
        try:
            Interval(_aware(b.start, b.timezone), _aware(b.end, b.timezone))
        except ScheduleError as exc:
            raise fail(f"{label}: {exc}") from None
    cis = {n.lower() for n in s.scalars(select(ConfigurationItem.name))}
    services = {n.lower() for n in s.scalars(select(Service.name))}
    for i, m in enumerate(defs.maintenance, 1):
        label = f"maintenance[{i}]"
        if m.ci is not None and m.ci.lower() not in cis:
            raise fail(f"{label}: ci: no configuration item is named {m.ci!r} (deskterm ci list)")
        if m.service is not None and m.service.lower() not in services:
            raise fail(f"{label}: service: no service is named {m.service!r} (deskterm service list)")
        try:
            WeeklyWindow.parse(m.days, m.hours, m.timezone)
        except ScheduleError as exc:
            raise fail(f"{label}: {exc}") from None
    templates: set[str] = set()
    for i, t in enumerate(defs.template, 1):
        label = f"template[{i}] {t.name!r}"
        if t.name.lower() in templates:
            raise fail(f"{label}: the name is used twice")
        templates.add(t.name.lower())
        for name in t.cis:
            if name.lower() not in cis:
                raise fail(f"{label}: cis: no configuration item is named {name!r} (deskterm ci list)")
        for name in t.services:
            if name.lower() not in services:
                raise fail(f"{label}: services: no service is named {name!r} (deskterm service list)")


def apply(desk: Desk, text: str, filename: str = "the file") -> WindowsSummary:
    """Replace the blackout and maintenance windows with the file's; all or nothing."""
    defs = parse(text, filename)
    with desk.writing() as uow:
        access.require(uow, Action.DEFINITIONS_APPLY)
        s = uow.session
        _check(s, defs, filename)
        return WindowsSummary(
            blackouts=len(defs.blackout),
            maintenance=len(defs.maintenance),
            templates=len(defs.template),
            removed=_write(uow, defs),
        )


def _write(uow: UnitOfWork, defs: WindowsFile) -> list[str]:
    s = uow.session
    removed: list[str] = []
    existing = {b.name: b for b in s.scalars(select(BlackoutWindow))}
    for b in defs.blackout:
        row = existing.pop(b.name, None) or BlackoutWindow(name=b.name)
        start, end = _aware(b.start, b.timezone), _aware(b.end, b.timezone)
        if (row.starts_at, row.ends_at) != (start, end):
            uow.audit(RECORD, 0, b.name, "blackout", _span(row.starts_at, row.ends_at), _span(start, end))
        row.starts_at, row.ends_at = start, end
        s.add(row)
    for name, row in existing.items():
        uow.audit(RECORD, row.id, name, "blackout", _span(row.starts_at, row.ends_at), None)
        s.delete(row)
        removed.append(f"blackout {name}")
    cis = {c.name.lower(): c.id for c in s.scalars(select(ConfigurationItem))}
    services = {x.name.lower(): x.id for x in s.scalars(select(Service))}
    wanted = [
        (
            cis[m.ci.lower()] if m.ci else None,
            services[m.service.lower()] if m.service else None,
            WeeklyWindow.parse(m.days, m.hours, m.timezone),
        )
        for m in defs.maintenance
    ]
    current = s.scalars(select(MaintenanceWindow).order_by(MaintenanceWindow.position)).all()
    as_rows = [(ci, sv, w.day_names, w.hours, w.timezone) for ci, sv, w in wanted]
    if [(r.ci_id, r.service_id, r.days, r.hours, r.timezone) for r in current] != as_rows:
        s.execute(delete(MaintenanceWindow))
        for position, (ci_id, service_id, days, hours, tz) in enumerate(as_rows, 1):
            s.add(
                MaintenanceWindow(
                    position=position,
                    ci_id=ci_id,
                    service_id=service_id,
                    days=days,
                    hours=hours,
                    timezone=tz,
                )
            )
        uow.audit(RECORD, 0, "maintenance", "maintenance", str(len(current)), str(len(as_rows)))
        if len(current) > len(as_rows):
            removed.append(f"{len(current) - len(as_rows)} maintenance window(s)")
    _write_templates(uow, defs, removed)
    s.flush()
    return removed


def _write_templates(uow: UnitOfWork, defs: WindowsFile, removed: list[str]) -> None:
    s = uow.session
    existing = {t.name: t for t in s.scalars(select(ChangeTemplate))}
    for t in defs.template:
        row = existing.pop(t.name, None) or ChangeTemplate(name=t.name)
        fields = t.model_dump(exclude={"name", "title"})
        if (row.title, row.fields) != (t.title, fields):
            uow.audit(RECORD, 0, t.name, "template", None if row.id is None else "applied", "applied")
        row.title, row.fields = t.title, fields
        s.add(row)
    for name, row in existing.items():
        uow.audit(RECORD, row.id, name, "template", "applied", None)
        s.delete(row)
        removed.append(f"template {name}")


def template(s: Session, name: str) -> ChangeTemplate:
    """A standard change template by name (case-insensitive)."""
    found = s.scalar(select(ChangeTemplate).where(func.lower(ChangeTemplate.name) == name.strip().lower()))
    if found is None:
        names = ", ".join(s.scalars(select(ChangeTemplate.name).order_by(ChangeTemplate.name))) or "none yet"
        raise NotFound(
            f"no standard change template is named {name!r} (defined: {names}); add it as a "
            "[[template]] to the file for deskterm change windows apply"
        )
    return found


def _span(start: datetime | None, end: datetime | None) -> str | None:
    if start is None or end is None:
        return None
    return f"{start.isoformat()}/{end.isoformat()}"


def export(desk: Desk) -> str:
    """The current windows, in the format ``apply`` reads (blackout times in UTC)."""
    with desk.reading() as s:
        lines: list[str] = []
        for b in s.scalars(select(BlackoutWindow).order_by(BlackoutWindow.starts_at, BlackoutWindow.name)):
            lines += [
                "[[blackout]]",
                f"name = {_q(b.name)}",
                f"start = {_when(b.starts_at)}",
                f"end = {_when(b.ends_at)}",
                "",
            ]
        windows = s.scalars(
            select(MaintenanceWindow)
            .options(selectinload(MaintenanceWindow.ci), selectinload(MaintenanceWindow.service))
            .order_by(MaintenanceWindow.position)
        ).all()
        for w in windows:
            lines.append("[[maintenance]]")
            if w.ci is not None:
                lines.append(f"ci = {_q(w.ci.name)}")
            if w.service is not None:
                lines.append(f"service = {_q(w.service.name)}")
            days = ", ".join(_q(d) for d in w.days)
            lines += [f"days = [{days}]", f"hours = {_q(w.hours)}", f"timezone = {_q(w.timezone)}", ""]
        for t in s.scalars(select(ChangeTemplate).order_by(ChangeTemplate.name)):
            lines += ["[[template]]", f"name = {_q(t.name)}", f"title = {_q(t.title)}"]
            values = TemplateDef.model_validate({"name": t.name, "title": t.title, **t.fields}).model_dump(
                by_alias=True
            )
            lines += [f"{key} = {_q(values[key])}" for key in TEMPLATE_KEYS]
            for key in ("cis", "services"):
                if values[key]:
                    lines.append(f"{key} = [{', '.join(_q(v) for v in values[key])}]")
            lines.append("")
        return "\n".join(lines)


def _q(text: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(text, ensure_ascii=False)


def _when(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- reading the schedule ---------------------------------------------------------------------


def maintenance_by_ci(s: Session, ci_ids: Iterable[int] | None = None) -> dict[str, list[WeeklyWindow]]:
    """CI name -> its weekly windows (a service's windows apply to each of its CIs)."""
    ids = None if ci_ids is None else set(ci_ids)
    out: dict[str, list[WeeklyWindow]] = {}
    rows = s.scalars(select(MaintenanceWindow).order_by(MaintenanceWindow.position)).all()
    if not rows:
        return out
    service_cis: dict[int, list[int]] = {}
    for service_id, ci_id in s.execute(select(ServiceCI.service_id, ServiceCI.ci_id)):
        service_cis.setdefault(service_id, []).append(ci_id)
    names = dict(s.execute(select(ConfigurationItem.id, ConfigurationItem.name)).all())
    for w in rows:
        window = WeeklyWindow.parse(w.days, w.hours, w.timezone)
        targets = [w.ci_id] if w.ci_id is not None else service_cis.get(w.service_id or 0, [])
        for ci_id in targets:
            if ids is None or ci_id in ids:
                out.setdefault(names[ci_id], []).append(window)
    return out


def blackouts(s: Session) -> list[Blackout]:
    return [
        Blackout(b.name, Interval(b.starts_at, b.ends_at))
        for b in s.scalars(select(BlackoutWindow).order_by(BlackoutWindow.starts_at))
    ]


def collision_map(s: Session, around: Interval | None = None) -> dict[int, list[Collision]]:
    """Change id -> its collisions, for every open change with a planned window.

    ``around`` limits the work to changes whose window overlaps it: the result is exact for
    every change whose window lies inside ``around`` (its partners all overlap ``around``).
    """
    stmt = (
        select(Change.id, Change.ref, Change.planned_start, Change.planned_end, Agent.login)
        .outerjoin(Agent, Agent.id == Change.implementer_id)
        .where(Change.state.not_in(list(FINISHED)), Change.planned_start.is_not(None))
    )
    if around is not None:
        stmt = stmt.where(Change.planned_start < around.end, Change.planned_end > around.start)
    rows = s.execute(stmt).all()
    if not rows:
        return {}
    ids = [r.id for r in rows]
    ci_rows = s.execute(
        select(ChangeCI.change_id, ChangeCI.ci_id, ConfigurationItem.name)
        .join(ConfigurationItem, ConfigurationItem.id == ChangeCI.ci_id)
        .where(ChangeCI.change_id.in_(ids))
    ).all()
    cis_of: dict[int, set[str]] = {}
    ci_ids: set[int] = set()
    for change_id, ci_id, name in ci_rows:
        cis_of.setdefault(change_id, set()).add(name)
        ci_ids.add(ci_id)
    edges: list[tuple[str, str]] = []
    if ci_ids:
        src = ConfigurationItem.__table__.alias("src")
        tgt = ConfigurationItem.__table__.alias("tgt")
        edges = [
            (a, b)
            for a, b in s.execute(
                select(src.c.name, tgt.c.name)
                .select_from(CIRelationship)
                .join(src, src.c.id == CIRelationship.source_id)
                .join(tgt, tgt.c.id == CIRelationship.target_id)
                .where(or_(CIRelationship.source_id.in_(ci_ids), CIRelationship.target_id.in_(ci_ids)))
            )
        ]
    rules = ScheduleRules(
        related=related_map(edges),
        maintenance=maintenance_by_ci(s, ci_ids),
        blackouts=blackouts(s),
    )
    slots = [
        Slot(r.ref, Interval(r.planned_start, r.planned_end), frozenset(cis_of.get(r.id, ())), r.login)
        for r in rows
    ]
    found = detect(slots, rules)
    return {r.id: found[r.ref] for r in rows}


def occurrences(s: Session, start: datetime, end: datetime) -> list[WindowOccurrence]:
    """Blackouts and maintenance occurrences overlapping [start, end), by start."""
    span = Interval(start, end)
    out = [
        WindowOccurrence(kind="blackout", name=b.name, target=None, start=b.window.start, end=b.window.end)
        for b in blackouts(s)
        if b.window.overlaps(span)
    ]
    rows = s.scalars(
        select(MaintenanceWindow)
        .options(selectinload(MaintenanceWindow.ci), selectinload(MaintenanceWindow.service))
        .order_by(MaintenanceWindow.position)
    ).all()
    for w in rows:
        target = w.ci.name if w.ci is not None else w.service.name if w.service is not None else None
        window = WeeklyWindow.parse(w.days, w.hours, w.timezone)
        out.extend(
            WindowOccurrence(
                kind="maintenance", name=f"{target} maintenance", target=target, start=o.start, end=o.end
            )
            for o in window.occurrences(span)
        )
    out.sort(key=lambda o: (o.start, o.kind, o.name))
    return out
