"""``deskterm demo [--tickets N] [--seed S] [--if-empty]``: fill an empty desk with a realistic one."""

import argparse
import sys

from deskterm.cli.app import CliApp, add_format, handler
from deskterm.cli.output import emit, write_fields
from deskterm.services.core.errors import InvalidInput

COLUMNS = ("tickets", "notes", "audit_entries", "contacts", "agents", "groups", "services", "cis", "seconds")
OPERATIONS = ("changes", "problems", "known_errors", "events", "handovers")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="fill an empty database with a realistic demo desk")
    p.add_argument("--tickets", type=int, default=2000, help="how many tickets (default 2000)")
    p.add_argument("--seed", type=int, default=7, help="same seed, same desk (default 7)")
    p.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing (exit 0) when the desk already has data, instead of refusing",
    )
    add_format(p)
    handler(p, _demo)


def _demo(app: CliApp) -> int:
    from deskterm.demo import tickets as demo  # only loaded when asked: keeps every other command quick

    a = app.args
    if not 1 <= a.tickets <= 1_000_000:
        raise InvalidInput("--tickets must be between 1 and 1000000")
    if not demo.desk_is_empty(app.desk):
        if a.if_empty:
            print("this desk already has data; no demo data added", file=sys.stderr)
            return 0
        raise InvalidInput(
            "this desk already holds data, and demo data only goes into an empty one; "
            "use --db sqlite:///some/new.sqlite (or --if-empty to skip quietly)"
        )
    tty = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if tty:
            print(f"\rdemo: {done}/{total} tickets", end="", file=sys.stderr, flush=True)

    summary = demo.generate_demo(app.desk, tickets=a.tickets, seed=a.seed, progress=progress)
    from importlib import resources

    from deskterm.services.sla import sla_definitions

    definitions = resources.files("deskterm.demo").joinpath("sla.toml").read_text(encoding="utf-8")
    sla_definitions.apply(app.desk, definitions, "the demo's SLA definitions")
    from deskterm.demo.operations import seed_operations

    operations = seed_operations(app.desk, seed=a.seed)
    if tty:
        print(file=sys.stderr)
    record = summary.model_dump() | {k: operations.get(k, 0) for k in OPERATIONS}
    if app.fmt == "table":  # one record: a line per count fits 80 columns
        write_fields([(k.replace("_", " "), record[k]) for k in COLUMNS + OPERATIONS])
    else:
        emit(record, app.fmt, COLUMNS + OPERATIONS)
    return 0
