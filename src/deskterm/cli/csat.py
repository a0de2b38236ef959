"""``deskterm csat record | due | list``: customer satisfaction surveys."""

import argparse

from deskterm.cli.app import CliApp, add_format, handler
from deskterm.cli.output import emit
from deskterm.services.reports import csat

ANSWER_COLUMNS = ("id", "at", "ref", "score", "channel", "caller", "recorded_by", "comment", "title")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("csat", help="customer satisfaction: record survey answers, list due surveys")
    csub = p.add_subparsers(dest="csat_command", required=True, metavar="COMMAND")
    rec = csub.add_parser("record", help="record a caller's answer for a resolved ticket")
    rec.add_argument("ref")
    rec.add_argument("--score", required=True, type=int, help="1 (very unhappy) to 5 (very happy)")
    rec.add_argument("--comment", default="")
    rec.add_argument("--channel", default="phone", help="phone (default), meeting or online")
    add_format(rec)
    handler(rec, _record)
    due = csub.add_parser("due", help="resolved tickets whose caller has not been surveyed yet")
    due.add_argument("--limit", type=int, default=200)
    add_format(due)
    handler(due, _due)
    ls = csub.add_parser("list", help="recorded answers, newest first")
    ls.add_argument("--limit", type=int, default=200)
    add_format(ls)
    handler(ls, _list)


def _record(app: CliApp) -> int:
    a = app.args
    emit(csat.record(app.desk, a.ref, a.score, a.comment, a.channel), app.fmt, ANSWER_COLUMNS)
    return 0


def _due(app: CliApp) -> int:
    rows = csat.due(app.desk, limit=app.args.limit)
    emit(rows, app.fmt, ("ref", "resolved_at", "caller", "phone", "email", "group", "title"))
    return 0


def _list(app: CliApp) -> int:
    emit(csat.answers(app.desk, limit=app.args.limit), app.fmt, ANSWER_COLUMNS)
    return 0
