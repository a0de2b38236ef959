"""``agent list``, ``group list``, ``contact add | list`` (the rest of agent, group and whoami:
:mod:`deskterm.cli.team`)."""

import argparse

from deskterm.cli import agent_keys, team
from deskterm.cli.app import CliApp, add_format, handler
from deskterm.cli.output import emit
from deskterm.services.core.commands import AddContact, validate
from deskterm.services.people import agents, people

AGENT_COLUMNS = ("login", "display_name", "email", "active", "roles", "groups")
GROUP_COLUMNS = ("name", "tier", "lead", "members")
CONTACT_COLUMNS = ("id", "name", "email", "phone", "organisation", "vip")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    team.register_whoami(sub)

    agent = sub.add_parser("agent", help="agents")
    asub = agent.add_subparsers(dest="agent_command", required=True, metavar="COMMAND")
    al = asub.add_parser("list", help="list agents")
    add_format(al)
    handler(al, _agents)
    team.register_agent(asub)
    agent_keys.register_agent_key(asub)

    group = sub.add_parser("group", help="support groups")
    gsub = group.add_subparsers(dest="group_command", required=True, metavar="COMMAND")
    gl = gsub.add_parser("list", help="list groups by tier")
    add_format(gl)
    handler(gl, _groups)
    team.register_group(gsub)

    contact = sub.add_parser("contact", help="callers")
    csub = contact.add_subparsers(dest="contact_command", required=True, metavar="COMMAND")
    ca = csub.add_parser("add", help="add a caller")
    ca.add_argument("name")
    ca.add_argument("--email")
    ca.add_argument("--phone")
    ca.add_argument("--organisation")
    ca.add_argument("--vip", action="store_true")
    add_format(ca)
    handler(ca, _contact_add)
    cl = csub.add_parser("list", help="list callers, optionally matching words")
    cl.add_argument("--search", default="", help="part of a name, email or phone")
    cl.add_argument("--limit", type=int, default=50)
    add_format(cl)
    handler(cl, _contact_list)


def _agents(app: CliApp) -> int:
    emit(agents.list_agents(app.desk), app.fmt, AGENT_COLUMNS)
    return 0


def _groups(app: CliApp) -> int:
    emit(people.list_groups(app.desk), app.fmt, GROUP_COLUMNS)
    return 0


def _contact_add(app: CliApp) -> int:
    a = app.args
    cmd = validate(
        AddContact, name=a.name, email=a.email, phone=a.phone, organisation=a.organisation, vip=a.vip
    )
    emit(people.add_contact(app.desk, cmd), app.fmt, CONTACT_COLUMNS)
    return 0


def _contact_list(app: CliApp) -> int:
    emit(people.find_contacts(app.desk, app.args.search, app.args.limit), app.fmt, CONTACT_COLUMNS)
    return 0
