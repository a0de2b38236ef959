"""``deskterm db backup | restore | check``: keep a desk safe and prove it sound.

Registered under ``deskterm db`` by cli/db.py; kept apart so the schema commands stay small.
"""

import argparse
import sys
from pathlib import Path

from deskterm.cli.app import CliApp, add_format, handler
from deskterm.cli.output import emit

BACKUP_COLUMNS = ("file", "schema_revision", "tickets", "audit_rows", "bytes", "seconds", "removed")
RESTORE_COLUMNS = ("database", "backup_revision", "schema_revision", "upgraded", "tickets", "replaced_backup")
FINDING_COLUMNS = ("check", "subject", "finding")


def register(dbsub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    bk = dbsub.add_parser(
        "backup",
        help="a consistent copy of the live desk, with a manifest beside it",
        description="Copy the desk while agents keep working (SQLite's online backup; PostgreSQL: "
        "pg_dump -Fc). Writes FILE (mode 0600) and FILE.manifest.json. Without FILE, a timestamped "
        "file in the backups folder beside the SQLite desk (PostgreSQL: in the data directory).",
    )
    bk.add_argument("file", nargs="?", type=Path, help="where to write the backup: a new file or a folder")
    bk.add_argument("--keep", type=int, metavar="N", help="keep the newest N backups of this desk there")
    add_format(bk)
    handler(bk, _backup)
    rs = dbsub.add_parser(
        "restore",
        help="put a backup back (checks its manifest; keeps the replaced desk as a backup)",
    )
    rs.add_argument("file", type=Path, help="a backup written by deskterm db backup")
    rs.add_argument("--yes", action="store_true", help="replace a desk that holds work")
    add_format(rs)
    handler(rs, _restore)
    ck = dbsub.add_parser(
        "check",
        help="integrity, foreign keys, refs, SLA due times and the audit chain; exit 4 on findings",
    )
    add_format(ck)
    handler(ck, _check)


def _backup(app: CliApp) -> int:
    from deskterm.services.db import backup

    emit(backup.backup(app.desk_as_found, app.args.file, keep=app.args.keep), app.fmt, BACKUP_COLUMNS)
    return 0


def _restore(app: CliApp) -> int:
    from deskterm.services.db import restore

    emit(restore.restore(app.desk_as_found, app.args.file, yes=app.args.yes), app.fmt, RESTORE_COLUMNS)
    return 0


def _check(app: CliApp) -> int:
    from deskterm.services.db import integrity

    report = integrity.check(app.desk_as_found)
    if app.fmt == "json":
        emit(report, "json", FINDING_COLUMNS)
    elif report.findings:
        emit(report.findings, app.fmt, FINDING_COLUMNS)
    else:
        print(f"ok: no findings in {', '.join(report.checks)} ({report.audit_rows} audit rows chained)")
    if report.findings:
        print(
            f"deskterm: db check found {len(report.findings)} problem(s); restore a good backup "
            "(deskterm db restore FILE) or repair what each line names",
            file=sys.stderr,
        )
        return 4
    return 0
