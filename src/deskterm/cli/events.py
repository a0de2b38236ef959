"""``deskterm event ingest | list | show | rules apply | rules export``: event management.

The input format of ``ingest`` is chosen with ``--input-format deskterm|alertmanager``
(``--format-in`` for short). ``--format`` is, as on every printing command, how the result is
printed (here the summary: table or json); for ``ingest`` it also takes the input formats, so
``deskterm event ingest --format alertmanager`` reads Alertmanager payloads and prints the
summary as a table. Both can be given: ``--input-format alertmanager --format json``.
"""

import argparse
import io
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import TextIO

from deskterm.cli.app import DIFF_COLUMNS, CliApp, add_apply_options, add_format, enum_list, handler
from deskterm.cli.inputs import local_file, read_text
from deskterm.cli.output import emit, one_line, write_fields
from deskterm.domain.core.bounds import FLOAT_MAX, OutOfRange, day_in_range
from deskterm.domain.events.events import Severity, parse_time
from deskterm.domain.sla.terms import parse_duration
from deskterm.services.core.errors import InvalidInput
from deskterm.services.events import event_rules, events

LIST_COLUMNS = (
    "ref",
    "severity",
    "state",
    "count",
    "last_seen",
    "source",
    "node",
    "check",
    "ci",
    "incident",
    "message",
)
SUMMARY_FIELDS = (
    "read",
    "malformed",
    "dropped",
    "recorded",
    "deduplicated",
    "correlated",
    "incidents_opened",
    "incidents_resolved",
    "notes",
    "cleared",
    "unmatched_recoveries",
)
EXIT_MALFORMED = 4


class _IngestFormat(argparse.Action):
    """``--format``: table or json for the summary, or an input format (deskterm, alertmanager)."""

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[no-untyped-def]
        if values in events.FORMATS:
            namespace.input_format_from_format = values
            return
        if values not in ("table", "json"):
            names = ", ".join(("table", "json", *events.FORMATS))
            parser.error(f"--format {values!r}: use one of {names}")
        setattr(namespace, self.dest, values)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("event", help="event management: ingest monitoring events, list, rules")
    esub = p.add_subparsers(dest="event_command", required=True, metavar="COMMAND")

    ing = esub.add_parser(
        "ingest",
        help="read events (JSON lines, or Alertmanager webhook payloads) from files or stdin",
        description="Reads JSON lines {source, node, check, severity, message, time, fingerprint} "
        "or, with --input-format alertmanager, Prometheus Alertmanager webhook payloads. A "
        "malformed line is reported on stderr with its line number and skipped; every other line "
        "is kept, and the exit code is then 4.",
    )
    ing.add_argument("files", nargs="*", metavar="FILE", help="files to read ('-' or none: stdin)")
    ing.add_argument(
        "--input-format",
        "--format-in",
        dest="input_format",
        choices=events.FORMATS,
        default="deskterm",
        help="what the input is (default: deskterm JSON lines)",
    )
    ing.add_argument(
        "--format",
        action=_IngestFormat,
        default="table",
        metavar="{table,json,deskterm,alertmanager}",
        help="how to print the summary (default: table), or what the input is",
    )
    handler(ing, _ingest)

    ls = esub.add_parser("list", help="events, most recently seen first")
    ls.add_argument("--severity", action="append", help="critical, major, minor, warning, info, ok")
    ls.add_argument("--source", help="the monitoring tool, e.g. nagios")
    ls.add_argument("--ci", help="configuration item name")
    ls.add_argument("--since", help="YYYY-MM-DD, an ISO time with zone, or a duration ago (2h, 30m)")
    ls.add_argument("--active", action="store_true", help="only alerts not yet recovered")
    ls.add_argument("--limit", type=int, default=200)
    add_format(ls)
    handler(ls, _list)

    show = esub.add_parser("show", help="one event: counts, times, CI, correlated incident")
    show.add_argument("ref", help="EVT-12 (or evt12)")
    add_format(show)
    handler(show, _show)

    rules = esub.add_parser("rules", help="filtering and significance rules (TOML)")
    rsub = rules.add_subparsers(dest="rules_command", required=True, metavar="COMMAND")
    ap = rsub.add_parser("apply", help="apply the rules file: validated whole, nothing changed on error")
    ap.add_argument("file", help="the rules file ('-' reads standard input)")
    add_format(ap)
    add_apply_options(ap)
    handler(ap, _rules_apply)
    ex = rsub.add_parser("export", help="print the current rules as TOML")
    handler(ex, _rules_export)


def _open_inputs(names: list[str]) -> Iterator[tuple[str, TextIO]]:
    if not names:
        names = ["-"]
    for name in names:
        if name == "-":  # undecodable bytes are kept as such, and refused per line
            raw = getattr(sys.stdin, "buffer", None)
            stdin = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape") if raw else sys.stdin
            yield "", stdin
            continue
        try:
            fh = local_file(name).open(encoding="utf-8", errors="surrogateescape")
        except OSError as exc:
            raise InvalidInput(f"cannot read {name}: {exc.strerror}; check the path") from None
        with fh:
            yield name, fh


def _ingest(app: CliApp) -> int:
    a = app.args
    for name in a.files:  # every file must be readable before anything is ingested
        try:
            found = name == "-" or local_file(name).is_file()
        except (OSError, ValueError):  # a name too long for the file system, say
            found = False
        if not found:
            raise InvalidInput(f"cannot read {name}: no such file; check the path")
    total = events.IngestSummary()
    desk = app.desk

    def report(message: str) -> None:
        print(f"deskterm: {one_line(message)}", file=sys.stderr)  # it quotes the line's data

    given = getattr(a, "input_format_from_format", None)
    if given and a.input_format not in ("deskterm", given):
        raise InvalidInput(f"--format {given} and --input-format {a.input_format} disagree; give one of them")
    fmt = given or a.input_format
    for label, fh in _open_inputs(a.files):
        total = total.merge(events.ingest(desk, fh, fmt=fmt, label=label, on_error=report))
    if app.fmt == "json":
        emit(total, "json", ())
    else:
        pairs = [(name.replace("_", " "), getattr(total, name)) for name in SUMMARY_FIELDS]
        if total.opened:
            pairs.append(("opened", ", ".join(total.opened[:20]) + (" …" if len(total.opened) > 20 else "")))
        if total.resolved:
            pairs.append(
                ("resolved", ", ".join(total.resolved[:20]) + (" …" if len(total.resolved) > 20 else ""))
            )
        write_fields(pairs)
    return EXIT_MALFORMED if total.malformed else 0


def parse_since(value: str, now: datetime) -> datetime:
    """``2026-11-24`` (midnight UTC), an ISO time with a zone, or a duration ago (``2h``)."""
    text = value.strip()
    try:
        seconds = parse_duration(text)
    except ValueError:
        pass
    else:
        if seconds > FLOAT_MAX * 3600:
            raise InvalidInput(
                f"--since {value!r} is out of range; give a duration up to {FLOAT_MAX:g} hours"
            )
        return now - timedelta(seconds=seconds)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        try:
            return datetime.combine(day_in_range(day, "--since"), time(), UTC)
        except OutOfRange as exc:
            raise InvalidInput(str(exc)) from None
    try:
        return parse_time(text)
    except ValueError:
        raise InvalidInput(
            f"--since {value!r}: give a date (2026-11-24), an ISO time with a zone or a duration (2h)"
        ) from None


def _list(app: CliApp) -> int:
    a = app.args
    desk = app.desk
    rows = events.list_events(
        desk,
        severities=enum_list(Severity, a.severity, "severity"),
        source=a.source,
        ci=a.ci,
        since=parse_since(a.since, desk.clock.now()) if a.since else None,
        active_only=a.active,
        limit=a.limit,
    )
    emit(rows, app.fmt, LIST_COLUMNS)
    return 0


def _show(app: CliApp) -> int:
    view = events.get_event(app.desk, app.args.ref)
    if app.fmt != "table":
        emit(view, app.fmt, ("ref", *LIST_COLUMNS[1:], "fingerprint", "first_seen", "cleared_at"))
        return 0
    incident = view.incident
    if incident and view.incident_status:
        incident = f"{incident} ({view.incident_status.value}) {view.incident_title or ''}".strip()
    write_fields(
        [
            ("event", view.ref),
            ("state", view.state),
            ("severity", view.severity),
            ("significance", view.significance),
            ("source", view.source),
            ("node", view.node),
            ("check", view.check),
            ("ci", view.ci or "- (no CI has this name)"),
            ("services", ", ".join(view.services) or "-"),
            ("count", view.count),
            ("first seen", view.first_seen),
            ("last seen", view.last_seen),
            ("cleared", view.cleared_at or "-"),
            ("incident", incident or "-"),
            ("opened it", view.opened_incident),
            ("fingerprint", view.fingerprint),
            ("message", view.message),
        ]
    )
    return 0


def _rules_apply(app: CliApp) -> int:
    text, source = read_text(app.args.file)
    summary = event_rules.apply(app.desk, text, source, prune=app.args.prune, dry_run=app.args.dry_run)
    emit(summary, app.fmt, ("rules", "correlation_window", *DIFF_COLUMNS))
    return 0


def _rules_export(app: CliApp) -> int:
    sys.stdout.write(event_rules.export(app.desk))
    return 0
