"""Fuzzy lookups for forms: callers by name, email or phone; services, CIs, agents, groups.

rapidfuzz ranks candidates; the database gives the candidate set (a desk has thousands of
callers, not millions, and a form asks after a pause in typing).
"""

from pydantic import BaseModel
from rapidfuzz import fuzz, process, utils
from sqlalchemy import select

from deskterm.services.core.context import Desk
from deskterm.store.models import Agent, ConfigurationItem, Contact, Group, GroupMember, Service


class Suggestion(BaseModel):
    key: str  # what the service call takes: "#12" for a caller, the name otherwise
    label: str  # what the agent sees
    score: float


def _rank(choices: dict[str, str], labels: dict[str, str], text: str, limit: int) -> list[Suggestion]:
    text = text.strip()
    if not text:
        return [Suggestion(key=k, label=labels[k], score=0) for k in list(choices)[:limit]]
    found = process.extract(
        text, choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit, score_cutoff=50
    )
    return [Suggestion(key=key, label=labels[key], score=score) for _, score, key in found]


def callers(desk: Desk, text: str, limit: int = 6) -> list[Suggestion]:
    with desk.reading() as s:
        rows = s.execute(select(Contact.id, Contact.name, Contact.email, Contact.phone, Contact.vip)).all()
    choices = {f"#{r.id}": " ".join(x for x in (r.name, r.email, r.phone) if x) for r in rows}
    labels = {f"#{r.id}": f"{r.name} <{r.email or r.phone or '-'}>" + (" VIP" if r.vip else "") for r in rows}
    ranked = _rank(choices, labels, text, limit)
    # the caller's own address, its local part, their phone or their exact name beat look-alikes
    wanted = text.strip().casefold()
    exact = {
        f"#{r.id}"
        for r in rows
        if wanted
        and wanted
        in {
            (r.email or "").casefold(),
            (r.email or "").split("@")[0].casefold(),
            (r.phone or "").replace(" ", ""),
            r.name.casefold(),
        }
        - {""}
    }
    if exact:
        ranked = [s for s in ranked if s.key not in exact]
        first = [Suggestion(key=k, label=labels[k], score=100.0) for k in sorted(exact)]
        ranked = (first + ranked)[:limit]
    return ranked


def services(desk: Desk, text: str, limit: int = 6) -> list[Suggestion]:
    with desk.reading() as s:
        names = list(s.scalars(select(Service.name).order_by(Service.name)))
    return _rank({n: n for n in names}, {n: n for n in names}, text, limit)


def cis(desk: Desk, text: str, service: str | None = None, limit: int = 6) -> list[Suggestion]:
    """CIs; those of ``service`` first when one is chosen."""
    with desk.reading() as s:
        rows = s.execute(select(ConfigurationItem.name, ConfigurationItem.ci_type)).all()
        linked: set[str] = set()
        if service:
            svc = s.scalar(select(Service).where(Service.name == service))
            if svc is not None:
                linked = {c.name for c in svc.cis}
    choices = {r.name: f"{r.name} {r.ci_type}" for r in rows}
    labels = {r.name: f"{r.name} ({r.ci_type})" for r in rows}
    ranked = _rank(choices, labels, text, limit * 2)
    ranked.sort(key=lambda sug: (sug.key not in linked, -sug.score))
    return ranked[:limit]


def agents(desk: Desk, text: str, group: str | None = None, limit: int = 8) -> list[Suggestion]:
    """Active agents by login, name or group; only members of ``group`` when one is given."""
    with desk.reading() as s:
        stmt = select(Agent.id, Agent.login, Agent.display_name).where(Agent.active.is_(True))
        if group:
            stmt = (
                stmt.join(GroupMember, GroupMember.agent_id == Agent.id)
                .join(Group, Group.id == GroupMember.group_id)
                .where(Group.name == group)
            )
        rows = s.execute(stmt.order_by(Agent.login)).all()
        memberships = s.execute(
            select(GroupMember.agent_id, Group.name).join(Group, Group.id == GroupMember.group_id)
        ).all()
    groups_of: dict[int, list[str]] = {}
    for agent_id, name in memberships:
        groups_of.setdefault(agent_id, []).append(name)
    choices = {r.login: " ".join([r.login, r.display_name, *groups_of.get(r.id, [])]) for r in rows}
    labels = {
        r.login: f"{r.login} · {r.display_name}"
        + (f" ({', '.join(groups_of[r.id])})" if r.id in groups_of else "")
        for r in rows
    }
    return _rank(choices, labels, text, limit)


def groups(desk: Desk, text: str = "", min_tier: int = 1, limit: int = 12) -> list[Suggestion]:
    with desk.reading() as s:
        rows = s.execute(select(Group.name, Group.tier).order_by(Group.tier, Group.name)).all()
    rows = [r for r in rows if int(r.tier.value) >= min_tier]
    choices = {r.name: r.name for r in rows}
    labels = {r.name: f"{r.name} (tier {r.tier.value})" for r in rows}
    return _rank(choices, labels, text, limit)
