"""``deskterm serve ssh``: run the SSH server, or (``--status``) list who is connected to it."""

import argparse
import sys
from pathlib import Path

from deskterm.cli.app import CliApp, add_format, handler
from deskterm.cli.output import emit
from deskterm.services.core.errors import InvalidInput, NotFound

SESSION_COLUMNS = ("id", "login", "kind", "command", "address", "fingerprint", "started", "pid")


def register(serve_sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = serve_sub.add_parser(
        "ssh",
        help="the desk over SSH: agents log in with their keys (deskterm agent key add)",
        description="Serve the desk over SSH until SIGTERM. Agents authenticate by public key only; "
        "an interactive session gets the TUI, a command runs the CLI as that agent.",
    )
    p.add_argument("--listen", metavar="HOST:PORT", help="address to listen on (default [serve] ssh_listen)")
    p.add_argument("--host-key", metavar="PATH", help="host key file (default: made in the data directory)")
    p.add_argument("--status", action="store_true", help="list the sessions of the running server")
    add_format(p)
    handler(p, _serve)


def _listen(text: str) -> str:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise InvalidInput(f"--listen {text!r} is not HOST:PORT; give e.g. 127.0.0.1:2222")
    return f"{host or '127.0.0.1'}:{port}"


def _serve(app: CliApp) -> int:
    from deskterm.serve import hostkey, sessions

    if app.args.status:
        state = sessions.read_state(hostkey.serve_dir() / sessions.STATE_NAME)
        if state is None:
            raise NotFound("no deskterm serve ssh is running for this account; start one")
        records = state.get("sessions", [])
        if app.fmt == "table":
            where, key, pid = state.get("listen"), state.get("host_key"), state.get("pid")
            print(f"listening on {where}, host key {key}, pid {pid}")
        emit(records, app.fmt, SESSION_COLUMNS)
        return 0
    from deskterm.serve import ssh

    listen = _listen(app.args.listen or app.settings.serve.ssh_listen)
    key = Path(app.args.host_key) if app.args.host_key else None
    try:
        return ssh.serve(app.settings, listen, key, sys.stdout)
    except OSError as exc:
        raise InvalidInput(
            f"cannot serve on {listen}: {exc.strerror or exc}; choose another --listen"
        ) from None
