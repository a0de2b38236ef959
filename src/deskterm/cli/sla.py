"""``deskterm sla apply | export | explain | monitor``: service level management."""

import argparse
import os
import sys
from datetime import date
from typing import Any

from deskterm.cli.app import DIFF_COLUMNS, CliApp, add_apply_options, add_format, handler
from deskterm.cli.inputs import read_text
from deskterm.cli.output import emit, write_table
from deskterm.domain.core.bounds import OutOfRange, day_in_range
from deskterm.domain.core.text import neutralise
from deskterm.services.core.errors import InvalidInput
from deskterm.services.sla import sla, sla_definitions

MONITOR_COLUMNS = (
    "band",
    "time_left",
    "ref",
    "priority",
    "metric",
    "agreement",
    "group",
    "assignee",
    "title",
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("sla", help="service level agreements: definitions, clocks, monitor")
    ssub = p.add_subparsers(dest="sla_command", required=True, metavar="COMMAND")
    ap = ssub.add_parser("apply", help="apply calendars, agreements and escalations from a TOML file")
    ap.add_argument("file", help="the definitions file ('-' reads standard input)")
    add_format(ap)
    add_apply_options(ap)
    handler(ap, _apply)
    ex = ssub.add_parser("export", help="print the current definitions as TOML")
    handler(ex, _export)
    xp = ssub.add_parser("explain", help="every clock of a ticket and the timeline behind it")
    xp.add_argument("ref")
    add_format(xp)
    handler(xp, _explain)
    mo = ssub.add_parser("monitor", help="running targets, soonest due first")
    mo.add_argument("--group")
    mo.add_argument("--agreement")
    mo.add_argument("--kind", help="SLA, OLA or UC")
    mo.add_argument("--within", type=float, metavar="HOURS", help="only those due within HOURS")
    mo.add_argument("--limit", type=int, default=200)
    add_format(mo)
    handler(mo, _monitor)
    rp = ssub.add_parser("report", help="service level report: achievement per agreement and priority")
    rp.add_argument("--from", dest="period_from", required=True, metavar="DATE", help="first day, YYYY-MM-DD")
    rp.add_argument("--to", dest="period_to", required=True, metavar="DATE", help="last day, YYYY-MM-DD")
    rp.add_argument("--agreement")
    rp.add_argument("--format", choices=("table", "json", "csv", "md"), default="table")
    handler(rp, _report)
    sp = ssub.add_parser("sip", help="service improvement plan: list items, or add one")
    sp.add_argument("action", nargs="?", choices=("list", "add"), default="list")
    sp.add_argument("--title")
    sp.add_argument("--owner", help="agent login")
    sp.add_argument("--due", help="YYYY-MM-DD")
    sp.add_argument("--agreement")
    sp.add_argument("--ticket", help="the breached ticket it comes from")
    add_format(sp)
    handler(sp, _sip)
    wl = ssub.add_parser("wall", help="a read-only wallboard of the SLA clocks (q quits)")
    wl.add_argument(
        "--read-only",
        action="store_true",
        help="open the desk as a viewer: every write refused, whatever your roles (deskterm serve web)",
    )
    handler(wl, _wall)
    es = ssub.add_parser("escalate", help="fire the escalation rules whose warn or breach time has come")
    add_format(es)
    handler(es, _escalate)


def _apply(app: CliApp) -> int:
    text, source = read_text(app.args.file)
    summary = sla_definitions.apply(app.desk, text, source, prune=app.args.prune, dry_run=app.args.dry_run)
    emit(summary, app.fmt, ("calendars", "agreements", "escalations", "clocks", *DIFF_COLUMNS))
    return 0


def _export(app: CliApp) -> int:
    sys.stdout.write(sla_definitions.export(app.desk))
    return 0


def _explain(app: CliApp) -> int:
    view = sla.explain(app.desk, app.args.ref)
    if app.fmt != "table":
        emit(view, app.fmt, ("ref", "now"))
        return 0
    if not view.clocks:
        print(f"{view.ref}: no agreement applies (its service and group have no SLA, OLA or UC)")
        return 0
    for c in view.clocks:
        due = f"{c.due_at:%Y-%m-%d %H:%M} UTC" if c.due_at else "-"
        print(
            f"{view.ref}  {c.agreement} ({c.kind})  {c.metric}  {c.priority}: {c.state.upper()}  "
            f"target {c.target}, used {c.elapsed}, paused {c.paused}, left {c.remaining}, due {due}"
        )
        write_table(
            [
                [
                    f"{g.start:%m-%d %H:%M}",
                    f"{g.end:%m-%d %H:%M}",
                    "counted" if g.counted else "-",
                    neutralise(g.reason),
                ]
                for g in c.segments
            ],
            ("from", "to", "clock", "why"),
            sys.stdout,
            max_width=80,
        )
        print()
    return 0


def _monitor(app: CliApp) -> int:
    a = app.args
    rows = sla.monitor(
        app.desk, group=a.group, agreement=a.agreement, kind=a.kind, within_hours=a.within, limit=a.limit
    )
    emit(rows, app.fmt, MONITOR_COLUMNS)
    return 0


def _date(value: str | None, what: str) -> date:
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        raise InvalidInput(f"{what} {value!r} is not a date; write it as YYYY-MM-DD") from None
    try:
        return day_in_range(day, what)
    except OutOfRange as exc:
        raise InvalidInput(str(exc)) from None


REPORT_COLUMNS = (
    "agreement",
    "kind",
    "priority",
    "metric",
    "tickets",
    "met",
    "breached",
    "running",
    "achievement_pct",
    "mean",
    "p90",
)
BREACH_COLUMNS = ("ref", "agreement", "priority", "metric", "breached_at", "target", "used", "reason")


def _report(app: CliApp) -> int:
    from deskterm.services.sla import sla_reports

    a = app.args
    result = sla_reports.report(
        app.desk, _date(a.period_from, "--from"), _date(a.period_to, "--to"), a.agreement
    )
    if app.fmt == "md":
        sys.stdout.write(_markdown(result))
    elif app.fmt == "json":
        emit(result, "json", ())
    elif app.fmt == "csv":
        emit(result.rows, "csv", REPORT_COLUMNS)
    else:
        print(f"Service level report {result.period_from} .. {result.period_to}")
        emit(result.rows, "table", REPORT_COLUMNS)
        if result.breaches:
            print("\nBREACHES")
            emit(result.breaches, "table", BREACH_COLUMNS)
    return 0


def _markdown(result: Any) -> str:
    from deskterm.cli.output import cell

    def table(rows: list[Any], columns: tuple[str, ...]) -> str:
        head = "| " + " | ".join(c.replace("_", " ") for c in columns) + " |"
        rule = "|" + "---|" * len(columns)
        body = [
            "| " + " | ".join(neutralise(cell(getattr(r, c))).replace("|", "\\|") for c in columns) + " |"
            for r in rows
        ]
        return "\n".join([head, rule, *body]) + "\n"

    out = f"# Service level report {result.period_from} to {result.period_to}\n\n"
    out += table(result.rows, REPORT_COLUMNS)
    if result.breaches:
        out += "\n## Breaches\n\n" + table(result.breaches, BREACH_COLUMNS)
    return out


def _sip(app: CliApp) -> int:
    from deskterm.services.sla import sla_reports

    a = app.args
    columns = ("id", "due_date", "status", "owner", "agreement", "ticket", "title")
    if a.action == "add":
        if not a.title or not a.owner or not a.due:
            raise InvalidInput("sip add needs --title, --owner and --due (YYYY-MM-DD)")
        item = sla_reports.add_sip(
            app.desk, a.title, a.owner, _date(a.due, "--due"), agreement=a.agreement, ref=a.ticket
        )
        emit(item, app.fmt, columns)
    else:
        emit(sla_reports.list_sip(app.desk), app.fmt, columns)
    return 0


def _escalate(app: CliApp) -> int:
    from deskterm.services.sla import sla_reports

    emit(
        sla_reports.run_escalations(app.desk),
        app.fmt,
        ("ref", "agreement", "metric", "at", "action", "detail"),
    )
    return 0


def _wall(app: CliApp) -> int:
    # A full-screen board on a pipe or in cron would run forever and write screen-control
    # sequences where text is expected: it needs a terminal on both ends, or Textual's web driver
    # (``serve web --wall``: textual-serve runs the wall on pipes and draws it in the browser).
    web = os.environ.get("TEXTUAL_DRIVER", "").endswith(":WebDriver")
    if not web and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InvalidInput(
            "sla wall is a full-screen board and needs a terminal; run it in a terminal or a tmux "
            "pane, or use deskterm sla monitor for text"
        )
    from deskterm.tui.sla.wall import run_wall  # the CLI's lazy import of the TUI

    return run_wall(app.desk)
