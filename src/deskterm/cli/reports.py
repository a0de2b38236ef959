"""``deskterm report NAME``: the service desk's KPIs (mttr, escalation, handling, cost, fcr,
reopen, backlog, volume, csat) by period, group, agent, service and priority."""

import argparse
import sys
from datetime import date
from typing import Any

from deskterm.cli.app import CliApp, handler
from deskterm.cli.output import cell, emit
from deskterm.domain.core.bounds import OutOfRange, day_in_range
from deskterm.domain.core.text import neutralise
from deskterm.services.core.errors import InvalidInput
from deskterm.services.reports import report_facts, reports


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "report",
        help="service desk reports: " + ", ".join(reports.NAMES),
        description="Service desk KPIs over whole UTC days; the README defines each figure.",
    )
    p.add_argument("name", choices=reports.NAMES, metavar="NAME", help=", ".join(reports.NAMES))
    p.add_argument("--from", dest="period_from", required=True, metavar="DATE", help="first day, YYYY-MM-DD")
    p.add_argument("--to", dest="period_to", required=True, metavar="DATE", help="last day, YYYY-MM-DD")
    p.add_argument("--by", choices=reports.DIMENSIONS, help="break down by (each report has a default)")
    p.add_argument("--group")
    p.add_argument("--agent", help="agent login")
    p.add_argument("--service")
    p.add_argument("--priority", help="P1 to P5")
    p.add_argument("--format", choices=("table", "json", "csv", "md"), default="table")
    handler(p, _report)


def _date(value: str | None, what: str) -> date:
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        raise InvalidInput(f"{what} {value!r} is not a date; write it as YYYY-MM-DD") from None
    try:
        return day_in_range(day, what)
    except OutOfRange as exc:
        raise InvalidInput(str(exc)) from None


def _report(app: CliApp) -> int:
    a = app.args
    result = reports.run(
        app.desk,
        a.name,
        _date(a.period_from, "--from"),
        _date(a.period_to, "--to"),
        by=a.by,
        filters=report_facts.Filters(group=a.group, agent=a.agent, service=a.service, priority=a.priority),
    )
    columns = [result.by if c == "key" else c for c in result.columns]
    rows = [{(result.by if k == "key" else k): v for k, v in r.items()} for r in [*result.rows, result.total]]
    if app.fmt == "json":
        emit(result, "json", ())
    elif app.fmt == "csv":
        emit(rows, "csv", columns)
    elif app.fmt == "md":
        sys.stdout.write(markdown(result.title, result, columns, rows))
    else:
        print(f"{result.title}, {result.period_from} .. {result.period_to}, by {result.by}{_filters(result)}")
        emit(rows, "table", columns)
        for note in result.notes:
            print(f"({note})")
    return 0


def _filters(result: reports.Report) -> str:
    given = {k: v for k, v in result.filters.model_dump().items() if v}
    return "; " + ", ".join(f"{k} {v}" for k, v in given.items()) if given else ""


def markdown(title: str, result: reports.Report, columns: list[str], rows: list[dict[str, Any]]) -> str:
    head = "| " + " | ".join(c.replace("_", " ") for c in columns) + " |"
    rule = "|" + "---|" * len(columns)
    body = [
        "| " + " | ".join(neutralise(cell(r.get(c))).replace("|", "\\|") for c in columns) + " |"
        for r in rows
    ]
    out = f"# {title}, {result.period_from} to {result.period_to}{neutralise(_filters(result))}\n\n"
    out += "\n".join([head, rule, *body]) + "\n"
    for note in result.notes:
        out += f"\n_{note}_\n"
    return out
