"""The demo desk behind ``deskterm demo``: fill an empty database with a realistic service desk.

Support groups at three tiers with their agents, a few hundred callers, the service catalogue
with its CIs and their relationships, then N tickets with notes and audit history.

Every value comes from one ``random.Random(seed)`` and from ``desk.clock.now()``, so the same
seed on the same clock gives the same rows. Each ticket's history is simulated step by step
through the legal transitions of ``domain.incident`` (the way ``update_ticket`` would write it:
one version per step, one audit row per field), so the SLA clock can be derived from it as from
real work. Rows are written with Core bulk inserts in batches, with ids assigned here, in one
unit of work: all or nothing.
"""

import random
import time
from bisect import bisect
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from deskterm.demo.history import TicketHistory
from deskterm.demo.organisation import ORGANISATIONS
from deskterm.demo.plan import (
    BY_AGE_CUM,
    DAY,
    HOUR,
    HOUR_WEIGHTS,
    INC_CHANNEL_WEIGHTS,
    INC_CHANNELS,
    INC_CODE_WEIGHTS,
    INC_CODES,
    LEVEL_COMBOS,
    LEVELS,
    MIN_AGE,
    REASONS,
    REQ_CHANNEL_WEIGHTS,
    REQ_CHANNELS,
    REQ_CODE_WEIGHTS,
    REQ_CODES,
    STATUSES,
    UTC_OFFSET,
    WINDOW,
    K,
    L,
    Plan,
    S,
    State,
    dt,
    is_chinese,
)
from deskterm.demo.wording import (
    DESCRIPTIONS_EN,
    DESCRIPTIONS_ZH,
    HOSTILE_DESCRIPTION,
    HOSTILE_TITLES,
    MAJOR_DESCRIPTION,
    MAJOR_TITLES,
    RESOLUTIONS,
    WORKAROUNDS,
)
from deskterm.domain.core.permissions import Action
from deskterm.domain.core.vocabulary import (
    Channel,
    PendingReason,
    ResolutionCode,
    TicketKind,
    TicketStatus,
    Tier,
)
from deskterm.services.core import access
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput
from deskterm.store.models import Contact, Note, RefCounter, Service, Ticket

MAX_TICKETS = 1_000_000
BATCH = 5000


class DemoSummary(BaseModel):
    """What the demo wrote (the acting agent, enrolled by the desk, is not counted)."""

    model_config = ConfigDict(frozen=True)

    agents: int
    groups: int
    contacts: int
    services: int
    cis: int
    tickets: int
    notes: int
    audit_entries: int
    seconds: float


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def desk_is_empty(desk: Desk) -> bool:
    """True when the desk holds no tickets, services or contacts (agents and groups may exist)."""
    with desk.reading() as s:
        return not _held(s)


def generate_demo(
    desk: Desk,
    *,
    tickets: int = 2000,
    seed: int = 7,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Fill an empty desk with a realistic one; the same seed on the same clock gives the same rows."""
    if not 0 <= tickets <= MAX_TICKETS:
        raise InvalidInput(f"the demo makes between 0 and {MAX_TICKETS} tickets, not {tickets}")
    started = time.perf_counter()
    with desk.writing() as uow:
        access.require(uow, Action.DEMO_SEED)
        held = _held(uow.session)
        if held:
            raise InvalidInput(
                f"this desk already holds {' and '.join(held)}, and demo data only goes into an empty "
                "one; point --db at a new database"
            )
        counts = _Generator(uow, desk.matrix, random.Random(seed), tickets, progress).run()
    return DemoSummary(**counts, seconds=round(time.perf_counter() - started, 3))


def _held(s: Session) -> list[str]:
    held = []
    for label, column in (("tickets", Ticket.id), ("services", Service.id), ("contacts", Contact.id)):
        if s.scalar(select(column).limit(1)) is not None:
            held.append(label)
    return held


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


class _Generator(TicketHistory):
    # -- planning ----------------------------------------------------------------------------

    def _age(self, lo: int, hi: int) -> int:
        """Seconds before now at which a call arrives: mostly in office hours, fewer at weekends."""
        r = self.r
        while True:
            age = r.randint(lo, hi)
            local = self.now - age + UTC_OFFSET
            weight = HOUR_WEIGHTS[(local // HOUR) % 24]
            if (local // DAY + 3) % 7 >= 5:  # 1970-01-01 was a Thursday
                weight *= 0.25
            if r.random() < weight:
                return age

    def _plans(self) -> list[Plan]:
        r, n = self.r, self.n
        sets = 0 if n < 40 else max(2, n // 500)
        sizes = [r.randint(2, 5) for _ in range(sets)]
        while sizes and sum(sizes) + len(sizes) > n // 4:  # at most a quarter of the tickets
            largest = max(range(len(sizes)), key=sizes.__getitem__)
            if sizes[largest] > 2:
                sizes[largest] -= 1
            else:
                sizes.pop()
        plans: list[Plan] = []
        for i, size in enumerate(sizes):
            ongoing = len(sizes) >= 2 and i == len(sizes) - 1
            if ongoing:  # a major incident in progress right now, with its callers linked to it
                parent = Plan(r.randint(2 * HOUR, 6 * HOUR), K.INCIDENT, "parent")
            else:
                parent = Plan(self._age(2 * DAY, WINDOW - DAY), K.INCIDENT, "parent")
                parent.resolve_in = r.randint(90 * 60, 8 * HOUR)
            svc_name, parent.title = r.choice(MAJOR_TITLES)
            parent.service = self.svc_by_name[svc_name]
            parent.levels = (L.HIGH, L.HIGH)
            plans.append(parent)
            spread = min(HOUR, int(0.4 * parent.resolve_in)) if parent.resolve_in else HOUR
            for _ in range(size):
                child = Plan(parent.age - r.randint(60, spread), K.INCIDENT, "child")
                child.parent, child.service = parent, parent.service
                child.levels = (r.choice((L.MEDIUM, L.LOW)), r.choice((L.HIGH, L.MEDIUM)))
                plans.append(child)
        single = [
            Plan(self._age(MIN_AGE, WINDOW), K.INCIDENT if r.random() < 0.8 else K.REQUEST)
            for _ in range(n - len(plans))
        ]
        plans = sorted(plans + single, key=lambda p: -p.age)  # oldest first; stable, so deterministic
        single = [p for p in plans if not p.role]
        self._force(single)
        return plans

    def _force(self, single: list[Plan]) -> None:
        """Make sure small demos show every status, pending reason, priority and hostile title."""
        r = self.r
        wanted: list[tuple[TicketStatus, PendingReason | None]] = [
            (S.NEW, None),
            (S.ASSIGNED, None),
            (S.IN_PROGRESS, None),
            *((S.PENDING, reason) for reason in REASONS),
            (S.RESOLVED, None),
        ]
        recent = single[-max(3 * len(wanted), len(single) // 8) :]
        for p, (status, reason) in zip(r.sample(recent, min(len(recent), len(wanted))), wanted, strict=False):
            p.status, p.reason = status, reason
        older = [p for p in single if p.status is None]
        if older:
            r.choice(older[: max(1, len(older) // 2)]).status = S.CLOSED
        for p, levels in zip(r.sample(single, min(len(single), 9)), LEVEL_COMBOS, strict=False):
            p.levels = levels
        for p, title in zip(r.sample(single, min(len(single), 4)), HOSTILE_TITLES, strict=False):
            p.title = title

    # -- tickets -----------------------------------------------------------------------------

    def _tickets(self) -> None:
        plans = self._plans()
        first_id = self._max(Ticket.id) + 1
        counters = {name: value for name, value in self.s.execute(select(RefCounter.name, RefCounter.value))}
        number = {K.INCIDENT: int(counters.get("INC", 0)), K.REQUEST: int(counters.get("REQ", 0))}
        for i, p in enumerate(plans):
            p.id = first_id + i
            number[p.kind] += 1
            p.ref = f"{p.kind.prefix}-{number[p.kind]}"
        for start in range(0, len(plans), BATCH):
            rows = [self._ticket(p) for p in plans[start : start + BATCH]]
            self._insert(Ticket, rows)
            self._insert(Note, self.notes)
            self._flush_audit()
            self.counts["tickets"] += len(rows)
            self.counts["notes"] += len(self.notes)
            self.notes = []
            if self.progress is not None:
                self.progress(self.counts["tickets"], self.n)
        for kind, prefix in ((K.INCIDENT, "INC"), (K.REQUEST, "REQ")):
            if prefix in counters:
                self.s.execute(update(RefCounter).where(RefCounter.name == prefix).values(value=number[kind]))
            else:
                self.s.execute(insert(RefCounter).values(name=prefix, value=number[kind]))

    def _pick(self, gid: int) -> int:
        return (
            self.sd_pool[self.r.randrange(len(self.sd_pool))]
            if gid == self.sd
            else self.r.choice(self.members[gid])
        )

    def _target(self, age: int) -> TicketStatus:
        days = age / DAY
        for limit, cum in BY_AGE_CUM:
            if days < limit:
                return STATUSES[bisect(cum, self.r.random() * cum[-1])]
        raise AssertionError("unreachable")

    def _resolution(self, kind: TicketKind, zh: bool) -> dict[str, Any]:
        r = self.r
        if kind is K.INCIDENT:
            code = r.choices(INC_CODES, INC_CODE_WEIGHTS)[0]
        else:
            code = r.choices(REQ_CODES, REQ_CODE_WEIGHTS)[0]
        en, cn = RESOLUTIONS[code]
        change: dict[str, Any] = {
            "status": S.RESOLVED,
            "resolution_code": code,
            "resolution": r.choice(cn if zh and cn else en),
        }
        if code is ResolutionCode.WORKAROUND:
            change["workaround"] = r.choice(WORKAROUNDS)
        return change

    def _ticket(self, p: Plan) -> dict[str, Any]:
        r = self.r
        opened = self.now - p.age
        kind = p.kind
        svc = p.service
        if svc is None:
            svc = self.services[bisect(self.svc_cum, r.random() * self.svc_cum[-1])]
        if p.role == "parent":
            title, category = p.title or "", "Outage"
        else:
            templates = svc.requests if kind is K.REQUEST else svc.incidents
            if not templates:
                templates = svc.incidents or svc.requests
            title, category = r.choice(templates)
            if "{dept}" in title:
                title = title.replace("{dept}", r.choice(ORGANISATIONS))
            if p.title is not None:
                title = p.title
        zh = is_chinese(title)
        if p.title in HOSTILE_TITLES:
            description = HOSTILE_DESCRIPTION
        elif p.role == "parent":
            description = MAJOR_DESCRIPTION
        else:
            pool = DESCRIPTIONS_ZH if zh else DESCRIPTIONS_EN
            description = " ".join(r.sample(pool, r.randint(1, 2)))
        caller, caller_email = self.contacts[r.randrange(len(self.contacts))]
        if kind is K.INCIDENT:
            channel = r.choices(INC_CHANNELS, INC_CHANNEL_WEIGHTS)[0]
            ci = (
                r.choice(svc.ci_ids)
                if svc.ci_ids and (channel is Channel.EVENT or r.random() < 0.6)
                else None
            )
            if channel is Channel.EVENT and ci is None:
                channel = Channel.PHONE
        else:
            channel = r.choices(REQ_CHANNELS, REQ_CHANNEL_WEIGHTS)[0]
            ci = None
        if p.levels is not None:
            impact, urgency = p.levels
        elif kind is K.INCIDENT:
            impact, urgency = r.choices(LEVELS, svc.impact_weights)[0], r.choices(LEVELS, (20, 50, 30))[0]
        else:
            impact, urgency = r.choices(LEVELS, (3, 27, 70))[0], r.choices(LEVELS, (5, 45, 50))[0]
        created_by = self._pick(self.sd)

        t = State()
        target = S.NEW
        first_group: int | None = self.sd
        if not p.role:
            target = p.status if p.status is not None else self._target(p.age)
            if channel is Channel.EVENT:
                first_group = svc.group_id
            elif target is S.NEW and r.random() < 0.1:
                first_group = None  # logged but not yet routed
            else:
                first_group = self.sd
        initial = (impact, urgency)
        if p.role == "" and target not in (S.NEW, S.ASSIGNED) and r.random() < 0.12:
            initial = r.choice(LEVEL_COMBOS)  # classified again once worked on
        t.impact, t.urgency = initial
        t.priority = self.prio[initial]
        t.group = first_group
        t.tier = self.group_tier[first_group] if first_group is not None else Tier.T1
        t.last_at = opened

        # version 1: what log_incident writes
        base = {"record_kind": "ticket", "record_id": p.id, "record_ref": p.ref, "version": 1}
        for fld, new in (
            ("created", p.ref),
            ("status", S.NEW.value),
            ("priority", t.priority.value),
            ("group", self.group_name[first_group] if first_group is not None else None),
        ):
            if new is not None:
                self.audit.append(
                    {"id": self.next_audit, "at": dt(opened), "actor_id": created_by, "field": fld}
                    | base
                    | {"old": None, "new": new}
                )
                self.next_audit += 1

        if p.role == "parent":
            steps = self._parent_steps(p, opened, svc, zh)
        elif p.role == "child":
            steps = self._child_steps(p, opened)
        else:
            steps = self._layout(
                opened,
                self._steps(p, t, target, kind, (impact, urgency), created_by, svc, zh),
            )
        for at, actor, change in steps:
            self._apply(p, t, at, actor, change)
        if p.role == "parent":
            p.resolved_at, p.code, p.resolution = t.resolved_at, t.resolution_code, t.resolution
        updated = self._notes(p, t, opened, created_by, caller_email, zh)

        return {
            "id": p.id,
            "ref": p.ref,
            "kind": kind,
            "number": int(p.ref.split("-")[1]),
            "title": title,
            "description": description,
            "caller_id": caller,
            "channel": channel,
            "category": category,
            "service_id": svc.id,
            "ci_id": ci,
            "impact": t.impact,
            "urgency": t.urgency,
            "priority": t.priority,
            "status": t.status,
            "pending_reason": t.pending_reason,
            "group_id": t.group,
            "assignee_id": t.assignee,
            "tier": t.tier,
            "major": t.major,
            "parent_id": t.parent.id if t.parent is not None else None,
            "workaround": t.workaround,
            "resolution_code": t.resolution_code,
            "resolution": t.resolution,
            "opened_at": dt(opened),
            "updated_at": dt(updated),
            "responded_at": dt(t.responded_at) if t.responded_at is not None else None,
            "resolved_at": dt(t.resolved_at) if t.resolved_at is not None else None,
            "closed_at": dt(t.closed_at) if t.closed_at is not None else None,
            "reopen_count": t.reopen_count,
            "created_by_id": created_by,
            "version": t.version,
        }
