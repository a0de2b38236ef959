"""``deskterm serve events | web``: the event receiver for monitoring, the wallboard in a browser.

Both are long-running: they announce where they listen (one record on stdout, ``--format``
as every command), log one line per request on stderr, and stop cleanly on SIGTERM (exit 0).
Both listen on loopback unless ``--listen`` says otherwise.
"""

import argparse
import signal
import sys
import threading
from types import FrameType

from deskterm.cli.app import CliApp, add_format, handler
from deskterm.cli.output import emit
from deskterm.domain.core.permissions import Action
from deskterm.serve import events_http, web
from deskterm.serve.listen import Listen, parse_listen
from deskterm.services.core import access
from deskterm.services.core.errors import InvalidInput

ANNOUNCE_COLUMNS = ("serving", "url", "endpoints", "token_required", "read_only")


def serve_commands(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    """The subcommands of ``deskterm serve``, created by whichever serve module registers first
    (``serve ssh`` lives in its own module)."""
    parser = sub.choices.get("serve")
    if parser is None:
        parser = sub.add_parser("serve", help="serve the desk: events over HTTP, the wallboard on the web")
        parser.add_subparsers(dest="serve_command", required=True, metavar="COMMAND")
    found = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return found


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    ssub = serve_commands(sub)
    ev = ssub.add_parser(
        "events",
        help="receive monitoring events over HTTP (POST /events, POST /alertmanager, GET /healthz)",
        description="Delivers JSON lines (POST /events) and Prometheus Alertmanager webhooks (POST "
        "/alertmanager) into event management, as deskterm event ingest does. A bearer token "
        "([serve] events_token or DESKTERM_SERVE_EVENTS_TOKEN) is required off loopback. Stops on "
        "SIGTERM after the requests in flight.",
    )
    ev.add_argument("--listen", default="127.0.0.1:9095", metavar="HOST:PORT", help="default 127.0.0.1:9095")
    ev.add_argument(
        "--max-body",
        type=int,
        default=events_http.MAX_BODY,
        metavar="BYTES",
        help=f"largest body accepted (default {events_http.MAX_BODY}); larger ones get 413",
    )
    add_format(ev)
    handler(ev, _events)

    wb = ssub.add_parser(
        "web",
        help="serve the read-only SLA wallboard (and change calendar) to browsers (textual-serve)",
        description="Each browser gets its own deskterm sla wall --read-only. Put a reverse proxy "
        "with TLS and authentication in front of anything beyond loopback (README).",
    )
    wb.add_argument("--wall", action="store_true", required=True, help="serve the wallboard (required)")
    wb.add_argument("--listen", default="127.0.0.1:8000", metavar="HOST:PORT", help="default 127.0.0.1:8000")
    wb.add_argument(
        "--public-url",
        metavar="URL",
        help="the URL browsers use, behind a reverse proxy (e.g. https://noc.example.com/wall)",
    )
    add_format(wb)
    handler(wb, _web, read_only=True)  # the server's own desk is a viewer's too


def _stop_on_signals(stop: threading.Event) -> None:
    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def _announce(app: CliApp, record: dict[str, object]) -> None:
    emit(record, app.fmt, ANNOUNCE_COLUMNS)
    sys.stdout.flush()


def _events(app: CliApp) -> int:
    a = app.args
    listen = parse_listen(a.listen)
    if not 1 <= a.max_body <= 64 * 1024 * 1024:
        raise InvalidInput("--max-body must be between 1 and 67108864 bytes")
    token = app.settings.serve.events_token
    if token is None and not listen.loopback:
        raise InvalidInput(
            f"serve events refuses to listen on {listen.host} without a token; set [serve] "
            "events_token in the config (or DESKTERM_SERVE_EVENTS_TOKEN), or listen on 127.0.0.1"
        )
    desk = app.desk
    access.check(desk, Action.EVENT_INGEST)  # the server's own OS account delivers the events
    try:
        server = events_http.EventsServer(listen, desk, token=token, max_body=a.max_body)
    except OSError as exc:
        raise InvalidInput(
            f"cannot listen on {listen.url()}: {exc.strerror or exc}; pick another --listen"
        ) from None
    stop = threading.Event()
    _stop_on_signals(stop)
    bound: Listen = server.bound
    _announce(
        app,
        {
            "serving": "events",
            "url": bound.url(),
            "endpoints": ["POST /events", "POST /alertmanager", "GET /healthz"],
            "token_required": token is not None,
            "read_only": False,
        },
    )
    events_http.serve(server, stop)
    print("deskterm serve events: stopped", file=sys.stderr, flush=True)
    return 0


def _web(app: CliApp) -> int:
    a = app.args
    listen = parse_listen(a.listen)
    app.desk.ping()  # opened (read-only) here, so a wrong URL or a database down fails at once

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    def ready(url: str) -> None:
        _announce(
            app,
            {
                "serving": "web",
                "url": url,
                "endpoints": ["GET / (the wallboard)"],
                "token_required": False,
                "read_only": True,
            },
        )

    server = web.make_server(listen, app.settings.db, public_url=a.public_url, log=log, ready=ready)
    try:
        server.serve()
    except OSError as exc:
        raise InvalidInput(
            f"cannot listen on {listen.url()}: {exc.strerror or exc}; pick another --listen"
        ) from None
    print("deskterm serve web: stopped", file=sys.stderr, flush=True)
    return 0
