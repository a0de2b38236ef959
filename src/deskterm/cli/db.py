"""``deskterm db upgrade | current | downgrade REV | grants``: the schema of the desk database
and, on PostgreSQL, the roles agents connect as (backup, restore, check: cli/db_backup.py)."""

import argparse
import sys

from deskterm.cli import db_backup
from deskterm.cli.app import CliApp, add_format, handler
from deskterm.cli.output import emit
from deskterm.services.core import schema
from deskterm.services.core.errors import InvalidInput

COLUMNS = ("database", "current", "head", "up_to_date")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = sub.add_parser("db", help="the database: schema upgrade, current, downgrade; backup, restore, check")
    dbsub = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    up = dbsub.add_parser("upgrade", help="bring the database to this deskterm's schema")
    up.add_argument("revision", nargs="?", default="head", help="target revision (default head)")
    add_format(up)
    handler(up, _upgrade)
    cur = dbsub.add_parser("current", help="show the database's schema revision and the code's")
    add_format(cur)
    handler(cur, _current)
    down = dbsub.add_parser("downgrade", help="step the schema back to REV ('base' empties it)")
    down.add_argument("revision", help="target revision, e.g. base or 0001")
    down.add_argument("--yes", action="store_true", help="do not ask: drop what the downgrade drops")
    add_format(down)
    handler(down, _downgrade)
    db_backup.register(dbsub)
    gr = dbsub.add_parser(
        "grants", help="PostgreSQL: a group role with only what agents need, their login roles"
    )
    add_format(gr)
    handler(gr, _grants)


def _upgrade(app: CliApp) -> int:
    emit(schema.upgrade(app.settings, app.args.revision), app.fmt, COLUMNS)
    return 0


def _current(app: CliApp) -> int:
    emit(schema.current(app.settings), app.fmt, COLUMNS)
    return 0


def _downgrade(app: CliApp) -> int:
    """Says what will be dropped and asks (on a terminal), or needs --yes; then downgrades."""
    plan = schema.downgrade_plan(app.settings, app.args.revision)
    if plan.tables and not app.args.yes:
        if not sys.stdin.isatty():
            raise InvalidInput(f"{plan.sentence()}; add --yes to go ahead (nothing was changed)")
        print(f"{plan.sentence()}.", file=sys.stderr)
        answer = input("Drop them? Type yes to go ahead: ")
        if answer.strip().lower() != "yes":
            raise InvalidInput("downgrade cancelled; nothing was changed")
    emit(schema.downgrade(app.settings, app.args.revision), app.fmt, COLUMNS)
    return 0


def _grants(app: CliApp) -> int:
    from deskterm.services.db import grants as db_grants

    emit(db_grants.grants(app.desk), app.fmt, ("group_role", "admin_role", "login_roles", "revoked"))
    return 0
