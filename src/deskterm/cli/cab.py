"""``deskterm cab ...``: the change advisory boards, their members, manager, voting rule and agenda.

A command of its own beside ``deskterm change``: defining a board is the change manager's
set-up, not a step of an RFC.
"""

import argparse

from deskterm.cli.app import CliApp, add_format, enum_value, handler
from deskterm.cli.changes import SUMMARY_COLUMNS, yes_no
from deskterm.cli.output import emit
from deskterm.domain.changes.change import CabRule
from deskterm.services.changes import cab

CAB_COLUMNS = ("name", "manager", "rule", "emergency", "agenda", "members")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("cab", help="change advisory boards: members, manager, voting rule, agenda")
    cs = p.add_subparsers(dest="cab_command", required=True, metavar="COMMAND")
    ad = cs.add_parser("add", help="define a CAB")
    ad.add_argument("name")
    ad.add_argument("--manager", required=True, help="the change manager's login")
    ad.add_argument("--member", action="append", required=True, help="a member's login (repeat)")
    ad.add_argument("--rule", default="majority", help="any, all or majority (default)")
    ad.add_argument("--emergency", action="store_true", help="the emergency CAB")
    add_format(ad)
    handler(ad, _cab_add)
    up = cs.add_parser("update", help="change a CAB (--member replaces the members)")
    up.add_argument("name")
    up.add_argument("--manager")
    up.add_argument("--member", action="append")
    up.add_argument("--rule")
    up.add_argument("--emergency", choices=("yes", "no"))
    add_format(up)
    handler(up, _cab_update)
    ls = cs.add_parser("list", help="every CAB")
    add_format(ls)
    handler(ls, _cab_list)
    ag = cs.add_parser("agenda", help="the changes awaiting this CAB")
    ag.add_argument("name")
    add_format(ag)
    handler(ag, _cab_agenda)


def _cab_add(app: CliApp) -> int:
    rule = enum_value(CabRule, app.args.rule, "--rule")
    assert rule is not None
    members = [m.strip() for raw in app.args.member for m in raw.split(",") if m.strip()]
    view = cab.add(
        app.desk,
        app.args.name,
        manager=app.args.manager,
        members=members,
        rule=rule,
        emergency=app.args.emergency,
    )
    emit(view, app.fmt, CAB_COLUMNS)
    return 0


def _cab_update(app: CliApp) -> int:
    a = app.args
    members = (
        None if a.member is None else [m.strip() for raw in a.member for m in raw.split(",") if m.strip()]
    )
    view = cab.update(
        app.desk,
        a.name,
        manager=a.manager,
        members=members,
        rule=enum_value(CabRule, a.rule, "--rule"),
        emergency=yes_no(a.emergency),
    )
    emit(view, app.fmt, CAB_COLUMNS)
    return 0


def _cab_list(app: CliApp) -> int:
    emit(cab.list_cabs(app.desk), app.fmt, CAB_COLUMNS)
    return 0


def _cab_agenda(app: CliApp) -> int:
    emit(cab.agenda(app.desk, app.args.name), app.fmt, SUMMARY_COLUMNS)
    return 0
