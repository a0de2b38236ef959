"""``deskterm team apply | export``, ``agent add | update | deactivate | activate``,
``group add | update | member add | remove`` and ``whoami``: who is on the desk, in what role.

The ``agent`` and ``group`` parsers are made by :mod:`deskterm.cli.people` (their ``list``
lives there); it hands them to :func:`register_agent` and :func:`register_group`.
"""

import argparse
import sys
from decimal import Decimal, InvalidOperation

from deskterm.cli.app import CliApp, add_format, handler
from deskterm.cli.inputs import local_file
from deskterm.cli.output import emit
from deskterm.services.core.errors import InvalidInput
from deskterm.services.people import agents, team

DETAIL_COLUMNS = ("login", "display_name", "active", "roles", "groups", "os_accounts", "db_roles")
WHOAMI_COLUMNS = ("login", "display_name", "roles", "groups", "desk", "established_by")
GROUP_COLUMNS = ("name", "tier", "lead", "members")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("team", help="the team as code: agents and groups from a TOML file")
    tsub = p.add_subparsers(dest="team_command", required=True, metavar="COMMAND")
    ap = tsub.add_parser("apply", help="apply agents and groups from a TOML file (admins)")
    ap.add_argument("file", help="the team file ('-' reads standard input)")
    ap.add_argument("--dry-run", action="store_true", help="print what would change; change nothing")
    ap.add_argument("--prune", action="store_true", help="deactivate agents, remove groups not in the file")
    add_format(ap)
    handler(ap, _apply)
    ex = tsub.add_parser("export", help="print the desk's agents and groups as a team file")
    handler(ex, _export)


def register_whoami(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    who = sub.add_parser("whoami", help="the agent you act as, your roles and how that was established")
    add_format(who)
    handler(who, _whoami)


def _agent_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name", help="display name")
    p.add_argument("--email")
    p.add_argument("--phone")
    p.add_argument("--cost", metavar="PER_HOUR", help="cost per hour")
    p.add_argument("--role", action="append", metavar="ROLE", help="a granted role (repeat; replaces all)")
    p.add_argument("--os-account", action="append", metavar="NAME", help="an OS account (repeat; replaces)")
    p.add_argument("--db-role", action="append", metavar="ROLE", help="a PostgreSQL login role (repeat)")
    add_format(p)


def register_agent(asub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    add = asub.add_parser("add", help="add an agent (admins)")
    add.add_argument("login")
    _agent_options(add)
    handler(add, _agent_add)
    upd = asub.add_parser("update", help="change an agent's details, roles or accounts (admins)")
    upd.add_argument("login")
    _agent_options(upd)
    handler(upd, _agent_update)
    for name, active, text in (
        ("deactivate", False, "stop an agent acting; their tickets stay (admins)"),
        ("activate", True, "let a deactivated agent act again (admins)"),
    ):
        p = asub.add_parser(name, help=text)
        p.add_argument("login")
        add_format(p)
        handler(p, _agent_active, active=active)


def register_group(gsub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    add = gsub.add_parser("add", help="add a support group (admins)")
    add.add_argument("name")
    add.add_argument("--tier", choices=("1", "2", "3"), default="1")
    add.add_argument("--lead", metavar="LOGIN")
    add.add_argument("--description")
    add_format(add)
    handler(add, _group_add)
    upd = gsub.add_parser("update", help="change a group's tier, lead or description (admins)")
    upd.add_argument("name")
    upd.add_argument("--tier", choices=("1", "2", "3"))
    upd.add_argument("--lead", metavar="LOGIN", help="the lead ('' removes the lead)")
    upd.add_argument("--description")
    add_format(upd)
    handler(upd, _group_update)
    mem = gsub.add_parser("member", help="add or remove a group member (admins)")
    msub = mem.add_subparsers(dest="member_command", required=True, metavar="COMMAND")
    for name, add_it in (("add", True), ("remove", False)):
        p = msub.add_parser(name, help=f"{name} a member")
        p.add_argument("group")
        p.add_argument("login")
        add_format(p)
        handler(p, _member, add_it=add_it)


def _read(name: str) -> tuple[str, str]:
    if name == "-":
        return sys.stdin.read(), "standard input"
    try:
        return local_file(name).read_text(encoding="utf-8"), name
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {name}: {exc}; check the path") from None


def _apply(app: CliApp) -> int:
    text, source = _read(app.args.file)
    summary = team.apply(app.desk, text, source, dry_run=app.args.dry_run, prune=app.args.prune)
    if app.fmt != "table":
        emit(summary, app.fmt, ("added", "changed", "removed", "dry_run"))
        return 0
    would = "would be " if summary.dry_run else ""
    lines = [f"{what} {would}added" for what in summary.added]
    lines += [f"{what} {would}changed" for what in summary.changed]
    lines += [f"{what} {would}removed" for what in summary.removed]
    print("\n".join(lines) if lines else "nothing to change: the desk matches the file")
    return 0


def _export(app: CliApp) -> int:
    sys.stdout.write(team.export(app.desk))
    return 0


def _whoami(app: CliApp) -> int:
    emit(agents.whoami(app.desk), app.fmt, WHOAMI_COLUMNS)
    return 0


def _fields(app: CliApp) -> agents.AgentFields:
    a = app.args
    cost: Decimal | None = None
    if a.cost is not None:
        try:
            cost = Decimal(a.cost)
        except InvalidOperation:
            raise InvalidInput(f"--cost {a.cost!r} is not a number; give the cost per hour") from None
    return agents.AgentFields(
        display_name=a.name,
        email=a.email,
        phone=a.phone,
        cost_per_hour=cost,
        roles=a.role,
        os_accounts=a.os_account,
        db_roles=a.db_role,
    )


def _agent_add(app: CliApp) -> int:
    emit(agents.add_agent(app.desk, app.args.login, _fields(app)), app.fmt, DETAIL_COLUMNS)
    return 0


def _agent_update(app: CliApp) -> int:
    emit(agents.update_agent(app.desk, app.args.login, _fields(app)), app.fmt, DETAIL_COLUMNS)
    return 0


def _agent_active(app: CliApp) -> int:
    emit(agents.set_active(app.desk, app.args.login, app.args.active), app.fmt, DETAIL_COLUMNS)
    return 0


def _group_add(app: CliApp) -> int:
    a = app.args
    view = agents.add_group(app.desk, a.name, tier=a.tier, lead=a.lead, description=a.description)
    emit(view, app.fmt, GROUP_COLUMNS)
    return 0


def _group_update(app: CliApp) -> int:
    a = app.args
    view = agents.update_group(app.desk, a.name, tier=a.tier, lead=a.lead, description=a.description)
    emit(view, app.fmt, GROUP_COLUMNS)
    return 0


def _member(app: CliApp) -> int:
    view = agents.member(app.desk, app.args.group, app.args.login, add=app.args.add_it)
    emit(view, app.fmt, GROUP_COLUMNS)
    return 0
