"""The ``deskterm`` command. No subcommand opens the TUI; subcommands are scriptable.

Exit codes are an API: 0 ok, 2 usage, 3 not found, 4 invalid input, 5 conflict,
6 database unavailable or wrong version, 7 not permitted. Errors are one sentence on stderr.
"""

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from deskterm import __version__
from deskterm.cli.app import CliApp
from deskterm.cli.output import SafeStream, one_line
from deskterm.config import ConfigError
from deskterm.domain.core.bounds import OutOfRange, float_in_range, int_in_range
from deskterm.services.core.errors import DesktermError, InvalidInput

EXIT_INTERRUPTED = 130
EXIT_USAGE = 2
EXIT_INVALID = 4


class DeskParser(argparse.ArgumentParser):
    """argparse with the CLI's error contract: one safe line on stderr, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {one_line(message)}; see '{self.prog} --help'\n")


def _out_of_range(exc: BaseException) -> bool:
    """Errors from values beyond what Python's types hold (dates past 9999, huge numbers,
    absurd nesting): bad input that slipped past a check, so exit 4 rather than 1."""
    if isinstance(exc, OverflowError | RecursionError):
        return True
    return isinstance(exc, ValueError) and "out of range" in str(exc)


def _check_numbers(args: argparse.Namespace) -> None:
    """Every number on the command line within its type (database integers, sane floats)."""
    for name, value in vars(args).items():
        option = "--" + name.replace("_", "-")
        for item in value if isinstance(value, list) else [value]:
            try:
                if isinstance(item, int) and not isinstance(item, bool):
                    int_in_range(item, option)
                elif isinstance(item, float):
                    float_in_range(item, option)
            except OutOfRange as exc:
                raise InvalidInput(str(exc)) from None


PATHS = frozenset({"db", "file", "files"})  # file names may hold any bytes; they are opened, not stored


def _check_text(args: argparse.Namespace) -> None:
    """Every text argument decodable: bytes that are not UTF-8 reach Python as lone surrogates,
    which no database can store and no terminal can show; refused here, once, as exit 4."""
    for name, value in vars(args).items():
        if name in PATHS:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and any("\ud800" <= ch <= "\udfff" for ch in item):
                what = name.replace("_", "-")
                raise InvalidInput(
                    f"the {what} argument holds bytes that are not UTF-8; type it again in a UTF-8 terminal"
                )


def _fail(message: str) -> None:
    print(f"deskterm: {one_line(message)}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    # The command modules (and the services they use) load only when a command is parsed:
    # opening the desk, the common case, does not pay for them.
    from deskterm.cli import (
        audit,
        cab,
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

    parser = DeskParser(
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
        cab,
        events,
        team,
        audit,
    ):
        module.register(sub)
    _register_serve(sub)
    return parser


def _register_serve(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``deskterm serve ssh|events|web``, each server from its own module."""
    from deskterm.cli import serve_ssh, serve_web

    serve = sub.add_parser("serve", help="serve the desk: SSH for agents, events over HTTP, the wallboard")
    serve_sub = serve.add_subparsers(dest="serve_command", required=True, metavar="SERVER")
    serve_ssh.register(serve_sub)
    serve_web.register(sub)  # finds the serve parser made here


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
    fn = getattr(args, "handler", None)
    stdout = sys.stdout
    if fn is not None:  # a command: everything it prints goes through the output policy
        sys.stdout = SafeStream(stdout)
    try:
        _check_numbers(args)
        _check_text(args)
        return fn(app) if fn is not None else _run_tui(app)
    except DesktermError as exc:
        _fail(exc.message)
        return exc.exit_code
    except ConfigError as exc:
        _fail(str(exc))
        return EXIT_INVALID
    except KeyboardInterrupt:
        _fail("interrupted; nothing half-written was kept")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("DESKTERM_DEBUG"):
            raise
        if _out_of_range(exc):
            what = "the input is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            _fail(f"a value is out of range ({what}); give dates, numbers and nesting of sane size")
            return EXIT_INVALID
        _fail(
            f"unexpected {type(exc).__name__}: {exc}; nothing was changed by the failed "
            "step. Run again with DESKTERM_DEBUG=1 for details and report it"
        )
        return 1
    finally:
        sys.stdout = stdout
        app.close()


if __name__ == "__main__":
    raise SystemExit(main())
