"""``deskterm sla apply | export | explain | monitor``: service level management."""

import argparse
import sys
from pathlib import Path

from deskterm.cli.app import CliApp, add_format, handler
from deskterm.cli.output import emit, write_table
from deskterm.domain.text import neutralise
from deskterm.services import sla, sla_definitions
from deskterm.services.errors import InvalidInput

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


def _apply(app: CliApp) -> int:
    name = app.args.file
    if name == "-":
        text, source = sys.stdin.read(), "standard input"
    else:
        path = Path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"cannot read {name}: {exc}; check the path") from None
        source = name
    summary = sla_definitions.apply(app.desk, text, source)
    emit(summary, app.fmt, ("calendars", "agreements", "escalations", "clocks", "removed"))
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
