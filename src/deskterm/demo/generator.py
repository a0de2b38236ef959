"""The demo generator's base: the people, callers and catalogue of the demo desk, written with
Core bulk inserts (ids assigned here), its audit rows, and the id sequences fixed at the end."""

import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text

from deskterm.demo.organisation import (
    AGENTS,
    CIS,
    EXECUTIVE_OFFICE,
    FIRST_NAMES,
    GIVEN_NAMES,
    GROUPS,
    LAST_NAMES,
    LEADS,
    ORGANISATIONS,
    RELATIONS,
    ROLES,
    SERVICE_CIS,
    SERVICE_DESK,
    SERVICES,
    SURNAMES,
)
from deskterm.demo.plan import DAY, DOMAIN, LEVEL_COMBOS, Svc, ascii_name, cum, dt
from deskterm.domain.core.priority import PriorityMatrix
from deskterm.domain.core.vocabulary import Tier
from deskterm.services.core.context import UnitOfWork
from deskterm.store.models import (
    Agent,
    AuditEntry,
    CIRelationship,
    ConfigurationItem,
    Contact,
    Group,
    GroupMember,
    Note,
    Service,
    ServiceCI,
)
from deskterm.store.models.access import AgentRole
from deskterm.store.models.people import email_key


class Generator:
    def __init__(
        self,
        uow: UnitOfWork,
        matrix: PriorityMatrix,
        rng: random.Random,
        tickets: int,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.s = uow.session
        self.actor = uow.actor
        self.r = rng
        self.n = tickets
        self.progress = progress
        self.now = int(uow.now.timestamp())
        self.prio = {(i, u): matrix.priority(i, u) for i, u in LEVEL_COMBOS}
        self.audit: list[dict[str, Any]] = []
        self.notes: list[dict[str, Any]] = []
        self.next_audit = self._max(AuditEntry.id) + 1
        self.next_note = self._max(Note.id) + 1
        self.counts = dict.fromkeys(
            ("agents", "groups", "contacts", "services", "cis", "tickets", "notes", "audit_entries"), 0
        )
        self.login: dict[int, str] = {self.actor.id: self.actor.login}
        self.group_name: dict[int, str] = {}
        self.group_tier: dict[int, Tier] = {}
        self.members: dict[int, list[int]] = {}
        self.lead: dict[int, int] = {}

    def _max(self, column: Any) -> int:
        return int(self.s.scalar(select(func.max(column))) or 0)

    def _insert(self, model: Any, rows: list[dict[str, Any]]) -> None:
        """One Core executemany (the table, not the ORM class: no per-row ORM bookkeeping)."""
        if rows:
            self.s.execute(insert(model.__table__), rows)

    def _flush_audit(self) -> None:
        self._insert(AuditEntry, self.audit)
        self.counts["audit_entries"] += len(self.audit)
        self.audit = []

    def _log(self, at: int, actor: int, kind: str, rid: int, ref: str | None, fld: str, new: str) -> None:
        self.audit.append(
            {
                "id": self.next_audit,
                "at": dt(at),
                "actor_id": actor,
                "record_kind": kind,
                "record_id": rid,
                "record_ref": ref,
                "field": fld,
                "old": None,
                "new": new,
                "version": None,
            }
        )
        self.next_audit += 1

    def run(self) -> dict[str, int]:
        self._people()
        self._contacts()
        self._catalogue()
        self._flush_audit()
        self._tickets()  # in the ticket generator
        self._fix_sequences()
        return self.counts

    # -- people ------------------------------------------------------------------------------

    def _people(self) -> None:
        r, s = self.r, self.s
        taken = set(s.scalars(select(Agent.login)))
        next_id = self._max(Agent.id) + 1
        by_login: dict[str, int] = {}
        agent_rows = []
        for i, (login, name, cost, _groups) in enumerate(AGENTS):
            unique = login
            while unique in taken:
                unique += "-demo"
            taken.add(unique)
            by_login[login] = next_id
            self.login[next_id] = unique
            agent_rows.append(
                {
                    "id": next_id,
                    "login": unique,
                    "display_name": name,
                    "email": f"{login}@{DOMAIN}",
                    "phone": f"+86 21 6080 {1100 + i * 7}",
                    "cost_per_hour": Decimal(cost),
                    "active": True,
                    "os_uid": None,
                    "created_at": dt(self.now - r.randint(120, 1500) * DAY),
                }
            )
            next_id += 1
        self._insert(Agent, agent_rows)
        self._insert(
            AgentRole, [{"agent_id": by_login[a], "role": r} for a, roles in ROLES.items() for r in roles]
        )
        self.counts["agents"] = len(agent_rows)

        existing = {
            name: (gid, tier) for gid, name, tier in s.execute(select(Group.id, Group.name, Group.tier))
        }
        next_id = self._max(Group.id) + 1
        by_name: dict[str, int] = {}
        group_rows = []
        for name, tier, description in GROUPS:
            if name in existing:  # an admin made it already: use it as it is
                gid, tier = existing[name]
            else:
                gid = next_id
                next_id += 1
                group_rows.append(
                    {
                        "id": gid,
                        "name": name,
                        "tier": tier,
                        "lead_id": by_login[LEADS[name]],
                        "description": description,
                    }
                )
            by_name[name] = gid
            self.group_name[gid] = name
            self.group_tier[gid] = Tier(tier)
            self.lead[gid] = by_login[LEADS[name]]
            self.members[gid] = []
        self._insert(Group, group_rows)
        self.counts["groups"] = len(group_rows)

        pairs = {(gid, aid) for gid, aid in s.execute(select(GroupMember.group_id, GroupMember.agent_id))}
        member_rows = []
        for login, _name, _cost, groups in AGENTS:
            for group in groups:
                gid, aid = by_name[group], by_login[login]
                self.members[gid].append(aid)
                member_rows.append({"group_id": gid, "agent_id": aid})
        sd = by_name[SERVICE_DESK]
        self.members[sd].append(self.actor.id)
        if (sd, self.actor.id) not in pairs:  # the person running the demo works the desk too
            member_rows.append({"group_id": sd, "agent_id": self.actor.id})
        self._insert(GroupMember, member_rows)
        self.groups = by_name
        self.by_login = by_login
        self.sd = sd
        # the acting agent takes a double share of the service desk's calls
        self.sd_pool = [*self.members[sd], self.actor.id]

    def _contacts(self) -> None:
        r = self.r
        total = min(1200, 300 + max(0, self.n - 2000) // 100)
        chinese = round(total * 0.55)
        cn = r.sample([(s, g) for s in SURNAMES for g in GIVEN_NAMES], chinese)
        west = r.sample([(f, la) for f in FIRST_NAMES for la in LAST_NAMES], total - chinese)
        people: list[tuple[str, str, bool]] = [(s[0] + g[0], f"{g[1]}.{s[1]}".lower(), True) for s, g in cn]
        people += [(f"{f} {la}", f"{ascii_name(f)}.{ascii_name(la)}", False) for f, la in west]
        r.shuffle(people)
        next_id = self._max(Contact.id) + 1
        rows = []
        self.contacts: list[tuple[int, bool]] = []  # (id, has email)
        for i, (name, local, is_cn) in enumerate(people):
            cid = next_id + i
            vip = r.random() < 0.04
            email = f"{local}@{DOMAIN}" if r.random() < 0.95 else None
            if r.random() < 0.92:
                if is_cn:
                    mobile = f"1{r.choice('3589')}{r.randint(0, 9)}"
                    phone = f"+86 {mobile} {r.randint(0, 9999):04d} {r.randint(0, 9999):04d}"
                else:
                    phone = f"+44 20 7946 {r.randint(0, 999):04d}"
            else:
                phone = None
            created = self.now - r.randint(30, 900) * DAY
            rows.append(
                {
                    "id": cid,
                    "name": name,
                    "email": email,
                    "email_key": email_key(email),
                    "phone": phone,
                    "organisation": EXECUTIVE_OFFICE if vip and r.random() < 0.7 else r.choice(ORGANISATIONS),
                    "vip": vip,
                    "created_at": dt(created),
                }
            )
            self._log(created, self.actor.id, "contact", cid, None, "created", name)
            self.contacts.append((cid, email is not None))
        self._insert(Contact, rows)
        self.counts["contacts"] = len(rows)

    # -- catalogue ---------------------------------------------------------------------------

    def _catalogue(self) -> None:
        r, s, me = self.r, self.s, self.actor.id
        by_login = self.by_login
        next_id = self._max(Service.id) + 1
        rows = []
        self.services: list[Svc] = []
        self.svc_weights: list[int] = []
        by_name: dict[str, Svc] = {}
        for i, (name, group, owner, crit, life, weight, business, technical) in enumerate(SERVICES):
            sid = next_id + i
            rows.append(
                {
                    "id": sid,
                    "name": name,
                    "business_description": business,
                    "technical_description": technical,
                    "owner_id": by_login[owner],
                    "support_group_id": self.groups[group],
                    "lifecycle_status": life,
                    "criticality": crit,
                }
            )
            self._log(self.now - r.randint(400, 800) * DAY, me, "service", sid, name, "created", name)
            svc = Svc(sid, name, self.groups[group], crit)
            by_name[name] = svc
            if weight:
                self.services.append(svc)
                self.svc_weights.append(weight)
        self._insert(Service, rows)
        self.counts["services"] = len(rows)
        self.svc_cum = cum(self.svc_weights)
        self.svc_by_name = by_name

        taken = set(s.scalars(select(ConfigurationItem.name)))
        next_id = self._max(ConfigurationItem.id) + 1
        ci_id: dict[str, int] = {}
        ci_name: dict[int, str] = {}
        rows = []
        for i, (name, ci_type, group, status) in enumerate(CIS):
            unique = name
            while unique in taken:
                unique += "-demo"
            cid = next_id + i
            ci_id[name], ci_name[cid] = cid, unique
            rows.append(
                {
                    "id": cid,
                    "name": unique,
                    "ci_type": ci_type,
                    "status": status,
                    "owner_group_id": self.groups[group],
                }
            )
            self._log(self.now - r.randint(300, 700) * DAY, me, "ci", cid, unique, "created", unique)
        self._insert(ConfigurationItem, rows)
        self.counts["cis"] = len(rows)

        links = []
        for svc_name, names in SERVICE_CIS.items():
            svc = by_name[svc_name]
            for name in names:
                cid = ci_id[name]
                svc.ci_ids.append(cid)
                links.append({"service_id": svc.id, "ci_id": cid})
                self._log(self.now - 300 * DAY, me, "ci", cid, ci_name[cid], "service", svc_name)
        self._insert(ServiceCI, links)

        next_id = self._max(CIRelationship.id) + 1
        rels = []
        for i, (src, relation, dst) in enumerate(RELATIONS):
            rels.append(
                {"id": next_id + i, "source_id": ci_id[src], "relation": relation, "target_id": ci_id[dst]}
            )
            self._log(
                self.now - 290 * DAY,
                me,
                "ci",
                ci_id[src],
                ci_name[ci_id[src]],
                relation.value,
                ci_name[ci_id[dst]],
            )
        self._insert(CIRelationship, rels)

    # -- finishing ---------------------------------------------------------------------------

    def _fix_sequences(self) -> None:
        """PostgreSQL's id sequences do not see explicit ids: move each past the highest one."""
        if self.s.get_bind().dialect.name != "postgresql":
            return
        for table in (
            "agents",
            "groups",
            "contacts",
            "services",
            "configuration_items",
            "ci_relationships",
            "tickets",
            "notes",
            "audit_entries",
        ):
            self.s.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
            )

    def _tickets(self) -> None:
        raise NotImplementedError
