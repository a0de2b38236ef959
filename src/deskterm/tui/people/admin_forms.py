"""The admin screen's forms: add or edit an agent, add a group, add or remove a member.

Each form hands what was typed to the service function the CLI's ``agent`` and ``group``
commands use, unchanged: the rules (which roles an admin grants, an OS account acting as one
agent only, who may edit at all) live there, and their sentence shows under the field it names.
"""

import re
from typing import Any

from deskterm.domain.core.permissions import GRANTED, ordered
from deskterm.services.core import search
from deskterm.services.core.context import Desk
from deskterm.services.people import agents
from deskterm.services.people.agents import AgentDetail, AgentFields
from deskterm.tui.base.form import Field, FormDialog

ROLE_HINT = ", ".join(ordered(GRANTED))
TIERS = [("1: service desk (first line)", "1"), ("2: second line", "2"), ("3: specialists, vendors", "3")]
HOW = [("add to the group", "add"), ("remove from the group", "remove")]


def names(text: str) -> list[str]:
    """``"a, b c"`` -> ``["a", "b", "c"]``: roles and accounts as a comma (or space) list."""
    return [n for n in re.split(r"[,\s]+", text or "") if n]


def _options(found: list[search.Suggestion]) -> list[tuple[str, str]]:
    return [(s.label, s.key) for s in found]


def agent_dialog(desk: Desk, existing: AgentDetail | None = None) -> FormDialog:
    """Add an agent (``existing`` None) or edit one: name, contact, roles, OS accounts."""
    a = existing
    fields = [] if a else [Field("login", "Login (no spaces; how the desk names them)")]
    fields += [
        Field("name", "Name", value=a.display_name if a else "", aliases=("display_name",)),
        Field("email", "E-mail", value=(a.email or "") if a else ""),
        Field("phone", "Phone", value=(a.phone or "") if a else ""),
        Field("roles", f"Roles, comma list ({ROLE_HINT})", value=", ".join(a.roles) if a else "agent"),
        Field(
            "os_accounts",
            "OS accounts that act as this agent on this machine (comma list)",
            value=", ".join(a.os_accounts) if a else "",
        ),
    ]

    def fields_of(v: dict[str, Any]) -> AgentFields:
        return AgentFields(
            display_name=v["name"] if a else (v["name"].strip() or None),
            email=v["email"],
            phone=v["phone"],
            roles=names(v["roles"]),
            os_accounts=names(v["os_accounts"]),
        )

    def submit(v: dict[str, Any]) -> str:
        if a is None:
            added = agents.add_agent(desk, v["login"], fields_of(v))
            return f"Added agent {added.login} ({', '.join(added.roles) or 'no role'})"
        saved = agents.update_agent(desk, a.login, fields_of(v))
        return f"Saved {saved.login}: roles {', '.join(saved.roles) or 'none'}"

    title = f"Edit agent {a.login}" if a else "Add an agent"
    return FormDialog(title, fields, submit)


def group_dialog(desk: Desk) -> FormDialog:
    def submit(v: dict[str, Any]) -> str:
        g = agents.add_group(
            desk,
            v["name"],
            tier=v["tier"] or 1,
            lead=(v["lead"] or "").strip() or None,
            description=v["description"].strip() or None,
        )
        return f"Added group {g.name} (tier {g.tier.value})"

    fields = [
        Field("name", "Group name"),
        Field("tier", "Tier", "select", TIERS, value="1"),
        Field(
            "lead",
            "Lead (login; optional)",
            "lookup",
            find=lambda text: search.agents(desk, text),
        ),
        Field("description", "What the group does (optional)"),
    ]
    return FormDialog("Add a support group", fields, submit)


def member_dialog(desk: Desk, group: str = "", login: str = "") -> FormDialog:
    """Add an agent to a group or take them out; the highlighted group or agent is filled in."""

    def submit(v: dict[str, Any]) -> str:
        add = v["how"] != "remove"
        who = (v["agent"] or "").strip()
        g = agents.member(desk, v["group"] or "", who, add=add)
        return f"{who} {'added to' if add else 'removed from'} {g.name}: {len(g.members)} members"

    fields = [
        Field(
            "group",
            "Group",
            "select",
            value=group,
            load=lambda: _options(search.groups(desk, limit=200)),
            aliases=("name",),
        ),
        Field(
            "agent",
            "Agent (login or name; arrows + enter pick)",
            "lookup",
            value=login,
            find=lambda text: search.agents(desk, text),
            aliases=("login",),
        ),
        Field("how", "Add or remove", "select", HOW, value="add"),
    ]
    return FormDialog("Group membership", fields, submit)
