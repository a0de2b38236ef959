"""``deskterm change calendar | kpi | windows``: what change management reads over a period.

The forward schedule of change, the change KPIs and the blackout and maintenance windows all
take a period (``--from``/``--to``); they share its parsing here, apart from the RFC lifecycle
in :mod:`deskterm.cli.changes`. Dates are ISO 8601: ``2026-12-01T22:00`` is local time,
``2026-12-01T22:00+01:00`` carries its offset; ``--from``/``--to`` also take a plain day
(``2026-12-01``, local midnight).
"""

import argparse
import sys
from datetime import date, datetime, time, timedelta

from deskterm.cli.app import DIFF_COLUMNS, CliApp, add_apply_options, add_format, handler
from deskterm.cli.inputs import read_text
from deskterm.cli.output import emit, write_fields
from deskterm.domain.core.bounds import OutOfRange, day_in_range
from deskterm.services.changes import change_windows, changes
from deskterm.services.core.errors import InvalidInput

CALENDAR_COLUMNS = (
    "planned_start",
    "planned_end",
    "ref",
    "state",
    "authorised",
    "collision_count",
    "collision_text",
    "title",
)
KPI_COLUMNS = (
    "closed",
    "met_quality",
    "met_time",
    "met_cost",
    "met_all",
    "benefits_expected",
    "benefits_realised",
    "disruptions",
    "previous_disruptions",
    "unauthorised",
    "previous_unauthorised",
    "backlog",
    "previous_backlog",
    "backlog_avg_age_days",
    "backlog_oldest_age_days",
    "backlog_oldest",
)
DATE_HELP = "ISO date and time, e.g. 2026-12-01T22:00 (local) or 2026-12-01T22:00+01:00"


def register_periods(cs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The ``calendar``, ``kpi`` and ``windows`` subcommands of ``deskterm change``."""
    ca = cs.add_parser("calendar", help="the forward schedule of change in a period")
    _period(ca)
    add_format(ca)
    handler(ca, _calendar)

    kp = cs.add_parser("kpi", help="change KPIs over a period (and the period before it)")
    _period(kp)
    add_format(kp)
    handler(kp, _kpi)

    wn = cs.add_parser("windows", help="blackout and maintenance windows, standard change templates")
    ws = wn.add_subparsers(dest="windows_command", required=True, metavar="COMMAND")
    wa = ws.add_parser(
        "apply", help="apply [[blackout]], [[maintenance]] and [[template]] entries from a TOML file"
    )
    wa.add_argument("file", help="the windows file ('-' reads standard input)")
    add_format(wa)
    add_apply_options(wa)
    handler(wa, _windows_apply)
    we = ws.add_parser("export", help="print the current windows and templates as TOML")
    handler(we, _windows_export)
    wl = ws.add_parser("list", help="blackouts and maintenance occurrences in a period")
    _period(wl)
    add_format(wl)
    handler(wl, _windows_list)


def _period(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="period_from", required=True, help=f"a day (YYYY-MM-DD) or {DATE_HELP}")
    p.add_argument("--to", dest="period_to", required=True, help="the last day (included), or a time")


def parse_when(value: str | None, what: str) -> datetime:
    """ISO date-time; without an offset it is local time."""
    try:
        parsed = datetime.fromisoformat((value or "").strip())
    except ValueError:
        raise InvalidInput(
            f"{what} {value!r} is not a date and time; write it like 2026-12-01T22:00 (local time) "
            "or 2026-12-01T22:00+01:00"
        ) from None
    try:
        day_in_range(parsed, what)
        return parsed if parsed.tzinfo is not None else parsed.astimezone()
    except (OutOfRange, OverflowError) as exc:
        raise InvalidInput(
            str(exc) if isinstance(exc, OutOfRange) else f"{what} {value!r} is out of range"
        ) from None


def period_bounds(app: CliApp) -> tuple[datetime, datetime]:
    def bound(value: str, what: str, end: bool) -> datetime:
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            return parse_when(value, what)
        try:
            day_in_range(day, what)
        except OutOfRange as exc:
            raise InvalidInput(str(exc)) from None
        if end:
            day += timedelta(days=1)
        return datetime.combine(day, time(0)).astimezone()

    return bound(app.args.period_from, "--from", False), bound(app.args.period_to, "--to", True)


def _calendar(app: CliApp) -> int:
    start, end = period_bounds(app)
    emit(changes.calendar(app.desk, start, end), app.fmt, CALENDAR_COLUMNS)
    return 0


def _kpi(app: CliApp) -> int:
    start, end = period_bounds(app)
    view = changes.kpi(app.desk, start, end)
    if app.fmt != "table":
        emit(view, app.fmt, ("start", "end", *KPI_COLUMNS))
        return 0
    write_fields([(c.replace("_", " "), getattr(view, c)) for c in ("start", "end", *KPI_COLUMNS)])
    return 0


def _read(name: str) -> tuple[str, str]:
    return read_text(name)


def _windows_apply(app: CliApp) -> int:
    text, source = _read(app.args.file)
    a = app.args
    summary = change_windows.apply(app.desk, text, source, prune=a.prune, dry_run=a.dry_run)
    emit(summary, app.fmt, ("blackouts", "maintenance", "templates", *DIFF_COLUMNS))
    return 0


def _windows_export(app: CliApp) -> int:
    sys.stdout.write(change_windows.export(app.desk))
    return 0


def _windows_list(app: CliApp) -> int:
    start, end = period_bounds(app)
    emit(changes.windows(app.desk, start, end), app.fmt, ("start", "end", "kind", "name", "target"))
    return 0
