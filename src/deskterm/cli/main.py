"""The ``deskterm`` command. No subcommand opens the TUI; subcommands are scriptable.

Exit codes are an API: 0 ok, 2 usage, 3 not found, 4 invalid input, 5 conflict,
6 database unavailable or wrong version, 7 not permitted. Errors are one sentence on stderr.
"""

import argparse
import os
import sys
from collections.abc import Sequence

from deskterm import __version__
from deskterm.cli.app import CliApp
from deskterm.config import ConfigError
from deskterm.services.core.errors import DesktermError

EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    # The command modules (and the services they use) load only when a command is parsed:
    # opening the desk, the common case, does not pay for them.
    from deskterm.cli import (
        catalogue,
        changes,
        csat,
        db,
        demo,
        events,
        handover,
        people,
        problems,
        reports,
        sla,
        team,
        tickets,
    )

    parser = argparse.ArgumentParser(
        prog="deskterm",
        description="An ITIL v3 IT service desk in the terminal. Without a command, opens the desk.",
        epilog="Exit codes: 0 ok, 2 usage, 3 not found, 4 invalid input, 5 conflict, "
        "6 database unavailable or wrong version, 7 not permitted.",
    )
    parser.add_argument("--version", action="version", version=f"deskterm {__version__}")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (env DESKTERM_DB); default: SQLite in your data directory; "
        "teams: postgresql+psycopg://user@host/db",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (
        tickets,
        people,
        catalogue,
        sla,
        demo,
        db,
        handover,
        reports,
        csat,
        problems,
        changes,
        events,
        team,
    ):
        module.register(sub)
    return parser


def _run_tui(app: CliApp) -> int:
    from deskterm.tui.app import run  # the one lazy import of Textual

    return run(app.desk)


def _opens_the_desk(argv: Sequence[str]) -> argparse.Namespace | None:
    """``deskterm`` or ``deskterm --db URL``: the TUI, parsed without building every command."""
    tiny = argparse.ArgumentParser(add_help=False)
    tiny.add_argument("--db")
    try:
        known, rest = tiny.parse_known_args(argv)
    except SystemExit:
        return None
    return None if rest else argparse.Namespace(db=known.db, command=None)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _opens_the_desk(argv)
    if args is None:
        args = build_parser().parse_args(argv)
    app = CliApp(args)
    try:
        fn = getattr(args, "handler", None)
        return fn(app) if fn is not None else _run_tui(app)
    except DesktermError as exc:
        print(f"deskterm: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except ConfigError as exc:
        print(f"deskterm: {exc}", file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        print("deskterm: interrupted; nothing half-written was kept", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("DESKTERM_DEBUG"):
            raise
        print(
            f"deskterm: unexpected {type(exc).__name__}: {exc}; nothing was changed by the failed "
            "step. Run again with DESKTERM_DEBUG=1 for details and report it",
            file=sys.stderr,
        )
        return 1
    finally:
        app.close()


if __name__ == "__main__":
    raise SystemExit(main())
