"""A demo ticket's history, simulated step by step through the legal transitions (one version per
step, one audit row per field), and its notes."""

from typing import Any

from deskterm.demo.generator import Generator
from deskterm.demo.plan import (
    CLOSE_AFTER,
    DAY,
    FIELD_ORDER,
    HOUR,
    NOTE_COUNT_WEIGHTS,
    NOTE_COUNTS,
    PENDING_FOR,
    PICKUP,
    REASON_WEIGHTS,
    REASONS,
    RESPOND,
    SLACK,
    WORK,
    K,
    Plan,
    S,
    State,
    Step,
    Svc,
    dt,
)
from deskterm.demo.wording import (
    NOTES_INTERNAL_EN,
    NOTES_INTERNAL_ZH,
    NOTES_PUBLIC_EN,
    NOTES_PUBLIC_ZH,
    RESOLUTIONS,
    WORKAROUNDS,
)
from deskterm.domain.core.vocabulary import (
    Channel,
    Level,
    NoteVisibility,
    ResolutionCode,
    TicketKind,
    TicketStatus,
    Tier,
)
from deskterm.domain.tickets.incident import TRANSITIONS


class TicketHistory(Generator):
    # what the ticket generator (``tickets._Generator``) provides
    def _pick(self, gid: int) -> int:
        raise NotImplementedError

    def _resolution(self, kind: TicketKind, zh: bool) -> dict[str, Any]:
        raise NotImplementedError

    def _steps(
        self,
        p: Plan,
        t: State,
        target: TicketStatus,
        kind: TicketKind,
        final: tuple[Level, Level],
        created_by: int,
        svc: Svc,
        zh: bool,
    ) -> list[Step]:
        """The history of an ordinary ticket as (duration, actor, change) steps ending in ``target``."""
        r = self.r
        u = r.randint
        rank = self.prio[final].rank
        respond, work = RESPOND[rank], WORK[rank]
        group = t.group
        support = svc.group_id
        steps: list[Step] = []
        if kind is K.INCIDENT and rank == 1 and final == (t.impact, t.urgency) and r.random() < 0.25:
            steps.append((u(60, 600), self.lead[self.sd], {"major": True}))
        if target is S.NEW:
            if group == self.sd and support != self.sd and r.random() < 0.15:
                steps.append((u(*respond), created_by, {"group": support}))
            return steps
        assert group is not None
        if target in (S.RESOLVED, S.CLOSED) and group == self.sd and r.random() < 0.3 and not steps:
            # resolved at first contact by the service desk
            agent = created_by
            steps.append((u(120, 1800), agent, {"assignee": agent} | self._resolution(kind, zh)))
        else:
            direct = False
            if support != group and r.random() < (0.45 if kind is K.INCIDENT else 0.3):
                group, agent = support, self._pick(support)
                steps.append(
                    (u(*respond), created_by, {"group": group, "assignee": agent, "status": S.ASSIGNED})
                )
            else:
                agent = self._pick(group)
                direct = target is not S.ASSIGNED and r.random() < 0.3
                status = S.IN_PROGRESS if direct else S.ASSIGNED
                steps.append(
                    (u(*respond), agent if direct else created_by, {"assignee": agent, "status": status})
                )
            if target is S.ASSIGNED:
                return steps
            if not direct:
                steps.append((u(*PICKUP), agent, {"status": S.IN_PROGRESS}))
            if final != (t.impact, t.urgency):
                steps.append((u(300, HOUR), agent, {"levels": final}))
            higher = None
            if group == self.sd and support != self.sd and r.random() < 0.15:
                higher = support  # the desk tried first, then escalated
            elif self.group_tier[group] is Tier.T2 and r.random() < 0.06:
                higher = self.groups[
                    "Vendor - Cisco" if self.group_name[group] == "Network" else "Architecture"
                ]
            if higher is not None:
                group, new_agent = higher, self._pick(higher)
                steps.append(
                    (u(*work) // 3, agent, {"group": group, "assignee": new_agent, "status": S.ASSIGNED})
                )
                agent = new_agent
                steps.append((u(*PICKUP), agent, {"status": S.IN_PROGRESS}))
            if target is not S.PENDING and r.random() < 0.25:
                reason = r.choices(REASONS, REASON_WEIGHTS)[0]
                steps.append((u(*work) // 3, agent, {"status": S.PENDING, "pending_reason": reason}))
                steps.append((u(*PENDING_FOR), agent, {"status": S.IN_PROGRESS}))
            if target is S.IN_PROGRESS:
                return steps
            if target is S.PENDING:
                reason = p.reason or r.choices(REASONS, REASON_WEIGHTS)[0]
                steps.append((u(*work) // 3, agent, {"status": S.PENDING, "pending_reason": reason}))
                return steps
            steps.append((u(*work), agent, self._resolution(kind, zh)))
            if r.random() < 0.04:  # the caller says it is not fixed after all
                steps.append((u(HOUR, DAY), agent, {"status": S.IN_PROGRESS}))
                steps.append((u(*work) // 2, agent, self._resolution(kind, zh)))
        if target is S.CLOSED:
            steps.append((u(*CLOSE_AFTER), self._pick(self.sd), {"status": S.CLOSED}))
        return steps

    def _layout(self, opened: int, steps: list[Step]) -> list[Step]:
        """Durations to times, squeezed to fit between the opening and a minute before now."""
        total = sum(d for d, _, _ in steps)
        room = self.now - SLACK - opened
        # a squeezed history ends somewhere in the ticket's life, not all of them a minute ago
        scale = room * self.r.uniform(0.4, 1.0) / total if total > room else 1.0
        out: list[Step] = []
        cum, prev = 0, opened
        for d, actor, change in steps:
            cum += d
            at = max(opened + int(cum * scale), prev + 1)
            out.append((at, actor, change))
            prev = at
        return out

    def _parent_steps(self, p: Plan, opened: int, svc: Svc, zh: bool) -> list[Step]:
        """A major incident: flagged, routed to its support group, worked, resolved and closed."""
        r, u = self.r, self.r.randint
        sd_lead = self.lead[self.sd]
        group = svc.group_id
        agent = self.lead[group] if group != self.sd else sd_lead
        t1 = opened + u(120, 480)
        t2 = t1 + u(180, 900)
        t3 = t2 + u(60, 600)
        steps: list[Step] = [
            (t1, sd_lead, {"major": True}),
            (t2, sd_lead, {"group": group, "assignee": agent, "status": S.ASSIGNED}),
            (t3, agent, {"status": S.IN_PROGRESS}),
        ]
        resolved = opened + p.resolve_in if p.resolve_in is not None else None
        end = resolved if resolved is not None else self.now - SLACK
        if r.random() < 0.6 and t3 + 1800 < end:
            steps.append(
                (t3 + int((end - t3) * r.uniform(0.3, 0.6)), agent, {"workaround": r.choice(WORKAROUNDS)})
            )
        if resolved is not None:
            code = r.choice((ResolutionCode.FIXED, ResolutionCode.CHANGE))
            words = r.choice(RESOLUTIONS[code][1 if zh else 0])
            steps.append(
                (resolved, agent, {"status": S.RESOLVED, "resolution_code": code, "resolution": words})
            )
            p.resolver = agent
            closed = resolved + u(*CLOSE_AFTER)
            if closed <= self.now - SLACK:
                steps.append((closed, sd_lead, {"status": S.CLOSED}))
        return steps

    def _child_steps(self, p: Plan, opened: int) -> list[Step]:
        """A caller hit by a major incident: linked to it, and resolved with it."""
        r = self.r
        parent = p.parent
        assert parent is not None
        resolved = parent.resolved_at
        cap = resolved if resolved is not None else self.now - SLACK
        linked = opened + max(1, int((cap - opened) * r.uniform(0.05, 0.25)))
        steps: list[Step] = [(linked, self._pick(self.sd), {"parent": parent})]
        if r.random() < 0.5:
            agent = self._pick(self.sd)
            at = linked + max(1, int((cap - linked) * r.uniform(0.05, 0.3)))
            steps.append((at, agent, {"assignee": agent, "status": S.ASSIGNED}))
        if resolved is not None and parent.code is not None:
            steps.append(
                (
                    resolved,
                    parent.resolver,
                    {
                        "status": S.RESOLVED,
                        "resolution_code": parent.code,
                        "resolution": f"Resolved with parent {parent.ref}: {parent.resolution}",
                    },
                )
            )
            closed = resolved + r.randint(*CLOSE_AFTER)
            if closed <= self.now - SLACK:
                steps.append((closed, self._pick(self.sd), {"status": S.CLOSED}))
        return steps

    def _apply(self, p: Plan, t: State, at: int, actor: int, change: dict[str, Any]) -> None:
        """One update: set the fields, bump the version once, audit each changed field."""
        items: list[tuple[str, str | None, str | None]] = []
        for key in FIELD_ORDER:
            if key not in change:
                continue
            new = change[key]
            if key == "major":
                if new != t.major:
                    items.append(("major", "yes" if t.major else "no", "yes" if new else "no"))
                    t.major = new
            elif key == "levels":
                impact, urgency = new
                priority = self.prio[new]
                for fld, old, value in (
                    ("impact", t.impact, impact),
                    ("urgency", t.urgency, urgency),
                    ("priority", t.priority, priority),
                ):
                    if old != value:
                        items.append((fld, old.value, value.value))
                t.impact, t.urgency, t.priority = impact, urgency, priority
            elif key == "parent":
                old_ref = t.parent.ref if t.parent is not None else None
                if new is not t.parent:
                    items.append(("parent", old_ref, new.ref if new is not None else None))
                    t.parent = new
            elif key == "workaround":
                if new != t.workaround:
                    items.append(("workaround", t.workaround, new))
                    t.workaround = new
            elif key == "group":
                if new != t.group:
                    items.append(
                        (
                            "group",
                            self.group_name[t.group] if t.group is not None else None,
                            self.group_name[new],
                        )
                    )
                    tier = self.group_tier[new]
                    if tier != t.tier:
                        items.append(("tier", t.tier.value, tier.value))
                    t.group, t.tier = new, tier
            elif key == "assignee":
                if new != t.assignee:
                    if t.group is None or new not in self.members[t.group]:
                        raise AssertionError(f"demo: {self.login[new]} is not a member of the ticket's group")
                    items.append(
                        ("assignee", self.login[t.assignee] if t.assignee else None, self.login[new])
                    )
                    t.assignee = new
            elif key == "status":
                self._move(t, at, new, change, items)
        if not items:
            return
        t.version += 1
        t.last_at = at
        stamp = dt(at)
        for fld, value_was, value_now in items:
            self.audit.append(
                {
                    "id": self.next_audit,
                    "at": stamp,
                    "actor_id": actor,
                    "record_kind": "ticket",
                    "record_id": p.id,
                    "record_ref": p.ref,
                    "field": fld,
                    "old": value_was,
                    "new": value_now,
                    "version": t.version,
                }
            )
            self.next_audit += 1

    def _move(
        self,
        t: State,
        at: int,
        new: TicketStatus,
        change: dict[str, Any],
        items: list[tuple[str, str | None, str | None]],
    ) -> None:
        old = t.status
        if new not in TRANSITIONS[old]:
            raise AssertionError(f"demo: illegal transition {old.value} -> {new.value}")
        if new is S.ASSIGNED and t.assignee is None:
            raise AssertionError("demo: assigned without an assignee")
        if old is S.RESOLVED and new is S.IN_PROGRESS:  # reopened
            t.reopen_count += 1
            items.append(("resolution_code", t.resolution_code.value if t.resolution_code else None, None))
            items.append(("resolution", t.resolution, None))
            t.resolution_code = t.resolution = None
            t.resolved_at = None
        items.append(("status", old.value, new.value))
        t.status = new
        reason = change.get("pending_reason") if new is S.PENDING else None
        if reason != t.pending_reason:
            items.append(
                (
                    "pending_reason",
                    t.pending_reason.value if t.pending_reason else None,
                    reason.value if reason else None,
                )
            )
            t.pending_reason = reason
        if new is S.RESOLVED:
            code, resolution = change["resolution_code"], change["resolution"]
            items.append(("resolution_code", None, code.value))
            items.append(("resolution", None, resolution))
            t.resolution_code, t.resolution = code, resolution
            t.resolved_at = at
        if new is S.CLOSED:
            t.closed_at = at
        if t.responded_at is None:
            t.responded_at = at

    def _notes(self, p: Plan, t: State, opened: int, created_by: int, caller_email: bool, zh: bool) -> int:
        """0-4 worklog entries; returns the ticket's updated_at."""
        r = self.r
        count = r.choices(NOTE_COUNTS, NOTE_COUNT_WEIGHTS)[0]
        if t.status is S.NEW:
            count = min(count, 1)
        if p.role == "child":
            count = min(count, 1)
        if not count:
            return t.last_at
        lo = t.responded_at if t.responded_at is not None else opened + 1
        hi = t.closed_at if t.closed_at is not None else self.now - SLACK
        if hi < lo:
            hi = lo
        internal = NOTES_INTERNAL_ZH if zh else NOTES_INTERNAL_EN
        public = NOTES_PUBLIC_ZH if zh else NOTES_PUBLIC_EN
        updated = t.last_at
        for at in sorted(r.randint(lo, hi) for _ in range(count)):
            is_public = t.responded_at is not None and r.random() < 0.4
            if t.assignee is not None:
                author = t.assignee
            elif t.group is not None:
                author = self._pick(t.group)
            else:
                author = created_by
            if is_public:
                channel = Channel.EMAIL if caller_email and r.random() < 0.75 else Channel.PHONE
                body = r.choice(public)
                minutes = r.choice((0, 5, 10))
            else:
                channel = None
                body = r.choice(internal)
                minutes = r.choice((5, 10, 15, 20, 30, 45, 60, 90))
            self.notes.append(
                {
                    "id": self.next_note,
                    "ticket_id": p.id,
                    "author_id": author,
                    "visibility": NoteVisibility.PUBLIC if is_public else NoteVisibility.INTERNAL,
                    "channel": channel,
                    "body": body,
                    "minutes": minutes,
                    "created_at": dt(at),
                }
            )
            self.next_note += 1
            updated = max(updated, at)
        return updated
