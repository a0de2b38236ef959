"""``deskterm audit verify | export``: check the audit trail's hash chain, and copy the trail
out (to a SIEM, an auditor) in a form that can be verified without deskterm.

Both work on the desk as it is (not migrated first): an auditor's check changes nothing.
"""

import argparse
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from deskterm.cli.app import CliApp, add_format, handler
from deskterm.cli.events import parse_since
from deskterm.cli.output import cell, csv_text, emit, json_line, table_text, write_safe

FINDING_COLUMNS = ("row", "finding")
TABLE_COLUMNS = ("id", "at", "actor", "record_kind", "record_ref", "field", "old", "new", "hash")
TABLE_WIDTHS = (8, 16, 12, 11, 10, 16, 24, 24, 12)
EXPORT_FORMATS = ("jsonl", "json", "csv", "table")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("audit", help="the audit trail: verify its hash chain, export it for a SIEM")
    asub = p.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    ver = asub.add_parser(
        "verify",
        help="walk the hash chain; name each row changed, removed or inserted; exit 4 if any",
        description="Walk the audit trail's hash chain in one snapshot. Prints one line per row "
        "that breaks it (the first is the first row touched) and exits 4, or one ok line with the "
        "chain's head (admins, desk managers, viewers).",
    )
    add_format(ver)
    handler(ver, _verify)
    ex = asub.add_parser(
        "export",
        help="the trail in chain order with each row's hash and the previous one (JSON Lines)",
        description="Stream the audit rows in chain order, each with its hash and the hash it is "
        "chained to, so a copy can be verified without deskterm (README: Verifying an export). "
        "jsonl is the verifiable format; csv and table are for reading.",
    )
    ex.add_argument(
        "--since",
        metavar="DATE|DURATION",
        help="from the first row written at or after a date (2026-11-24), an ISO time with a zone "
        "or a duration ago (7d), and every row after it; default: the whole trail",
    )
    ex.add_argument(
        "--format",
        choices=EXPORT_FORMATS,
        default="jsonl",
        help="jsonl (default: one JSON object a line), json (one array), csv or table",
    )
    handler(ex, _export)


def _verify(app: CliApp) -> int:
    from deskterm.services.db import audit

    report = audit.verify(app.desk_as_found)
    if app.fmt == "json":
        emit(report, "json", FINDING_COLUMNS)
    elif app.fmt == "csv":
        emit(report.findings, "csv", FINDING_COLUMNS)
    elif report.findings:
        for found in report.findings:
            print(found.finding)  # each sentence names its row
    else:
        print(f"ok: {report.rows} audit rows, chain intact, head {report.head}")
    if report.findings:
        print(
            f"deskterm: audit verify found {len(report.findings)} broken link(s), the first at audit "
            f"row {report.findings[0].row}; compare with a backup (deskterm db restore) and find out "
            "who wrote to the database outside deskterm",
            file=sys.stderr,
        )
        return 4
    return 0


def _export(app: CliApp) -> int:
    from deskterm.services.db import audit

    desk = app.desk_as_found
    since = parse_since(app.args.since, desk.clock.now()) if app.args.since else None
    rows = audit.export(desk, since)
    fmt = app.fmt
    if fmt == "jsonl":
        chunks: Iterable[str] = (json_line(row) + "\n" for row in rows)
    elif fmt == "json":
        chunks = _json_array(rows)
    elif fmt == "csv":
        chunks = csv_text(([cell(row[k]) for k in audit.EXPORT_FIELDS] for row in rows), audit.EXPORT_FIELDS)
    else:
        chunks = table_text((_table_row(row) for row in rows), TABLE_COLUMNS, TABLE_WIDTHS)
    write_safe(chunks, sys.stdout)
    return 0


def _json_array(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    yield "["
    first = True
    for row in rows:
        yield ("\n  " if first else ",\n  ") + json_line(row)
        first = False
    yield "]\n" if first else "\n]\n"


def _table_row(row: dict[str, Any]) -> list[str]:
    shown = {**row, "at": str(row["at"])[:16].replace("T", " "), "hash": (row["hash"] or "")[:12]}
    if shown["record_ref"] is None:
        shown["record_ref"] = str(row["record_id"])
    return [cell(shown[k]) for k in TABLE_COLUMNS]
