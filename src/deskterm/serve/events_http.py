"""``deskterm serve events``: monitoring delivers events over HTTP into event management.

``POST /events`` takes deskterm JSON lines, ``POST /alertmanager`` Prometheus Alertmanager
webhook payloads (version 4); both go through :func:`deskterm.services.events.events.ingest`,
the very function behind ``deskterm event ingest``, so parsing, filtering rules,
de-duplication and correlation are the same. The server acts as its own OS account, which
needs the ``event.ingest`` permission (checked once at start).

The answer is the sender's cue to retry: 2xx only once every event of the body is committed;
503 (with ``Retry-After``) when the database is unavailable or busy, so Alertmanager and
friends send again (de-duplication makes a repeat harmless); 4xx for what a retry cannot fix
(the malformed lines of a body are reported with 422, its good lines are kept, as
``event ingest`` keeps them). Every answer is one line of JSON.

The standard library's threading HTTP server is enough for a webhook's load: one thread per
request, at most ``MAX_IN_FLIGHT`` ingesting at once (the rest get 503), a socket timeout
against slow senders, one request per connection (HTTP/1.0), so a stop finishes quickly.
"""

import hmac
import io
import json
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from deskterm.domain.core.text import neutralise
from deskterm.serve.listen import Listen
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import (
    Conflict,
    DatabaseUnavailable,
    DesktermError,
    InvalidInput,
    NotPermitted,
)
from deskterm.services.events import events

MAX_BODY = 1024 * 1024  # bytes; a webhook payload is a few KiB, a JSON-lines batch a few thousand
MAX_IN_FLIGHT = 8
SOCKET_TIMEOUT = 30.0
RETRY_AFTER = "10"
ROUTES = {"/events": "deskterm", "/alertmanager": "alertmanager"}


class Answer(Exception):
    """An HTTP answer other than success: its status and one sentence (the JSON ``error``)."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


class EventsServer(ThreadingHTTPServer):
    """The listening socket, the desk it delivers into, and what every request shares."""

    daemon_threads = False  # server_close() waits for the requests in flight
    block_on_close = True

    def __init__(
        self,
        listen: Listen,
        desk: Desk,
        *,
        token: str | None,
        max_body: int = MAX_BODY,
        log: Callable[[str], None] | None = None,
    ) -> None:
        import socket

        self.address_family = socket.AF_INET6 if ":" in listen.host else socket.AF_INET
        super().__init__((listen.host, listen.port), EventsHandler)
        self.desk = desk
        self.token = token
        self.max_body = max_body
        self.log = log or _stderr
        self.slots = threading.BoundedSemaphore(MAX_IN_FLIGHT)

    @property
    def bound(self) -> Listen:
        host, port = self.server_address[:2]
        return Listen(str(host), int(port))


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class EventsHandler(BaseHTTPRequestHandler):
    server: EventsServer
    protocol_version = "HTTP/1.0"
    timeout = SOCKET_TIMEOUT
    server_version = "deskterm-serve-events"
    sys_version = ""
    _summary: events.IngestSummary | None = None  # what the request's ingest did, for the log

    def version_string(self) -> str:
        return self.server_version

    # -- routing ----------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._answer(self._get)

    def do_POST(self) -> None:
        self._answer(self._post)

    def do_PUT(self) -> None:
        self._answer(self._not_allowed)

    do_DELETE = do_PATCH = do_PUT

    def _not_allowed(self) -> tuple[int, dict[str, Any]]:
        raise Answer(405, "use POST /events, POST /alertmanager or GET /healthz")

    def _path(self) -> str:
        return self.path.split("?", 1)[0]

    def _get(self) -> tuple[int, dict[str, Any]]:
        if self._path() in ROUTES:
            raise Answer(405, f"{self._path()} takes POST; GET /healthz tells whether the desk answers")
        if self._path() != "/healthz":
            raise Answer(404, "no such path; use POST /events, POST /alertmanager or GET /healthz")
        self.server.desk.ping()
        return 200, {"status": "ok"}

    def _post(self) -> tuple[int, dict[str, Any]]:
        fmt = ROUTES.get(self._path())
        if fmt is None:
            raise Answer(
                404, "no such path; POST JSON lines to /events or Alertmanager's webhook to /alertmanager"
            )
        self._authorise()
        body = self._body()
        if not self.server.slots.acquire(blocking=False):
            raise Answer(503, "too many deliveries at once; retry shortly")
        try:
            return self._ingest(body, fmt)
        finally:
            self.server.slots.release()

    # -- the steps of a delivery -------------------------------------------------------------

    def _authorise(self) -> None:
        token = self.server.token
        if token is None:
            return  # loopback only: refused at start otherwise
        given = self.headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
            raise Answer(401, "a valid bearer token is required (Authorization: Bearer TOKEN)")

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            raise Answer(411, "send the body with a Content-Length, not chunked")
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            raise Answer(411, "a Content-Length header is required")
        try:
            length = int(length_text)
        except ValueError:
            raise Answer(400, "the Content-Length header is not a number") from None
        if length < 0:
            raise Answer(400, "the Content-Length header is negative")
        if length > self.server.max_body:
            self.close_connection = True  # the body is not read: the connection cannot go on
            raise Answer(413, f"the body is over {self.server.max_body} bytes; send fewer events per request")
        body = self.rfile.read(length)
        if len(body) < length:
            raise Answer(400, "the body ended before its Content-Length")
        if not body.strip():
            raise Answer(400, "the body is empty; send one event per line as JSON")
        return body

    def _ingest(self, body: bytes, fmt: str) -> tuple[int, dict[str, Any]]:
        lines = io.TextIOWrapper(io.BytesIO(body), encoding="utf-8", errors="surrogateescape")
        summary = events.ingest(self.server.desk, lines, fmt=fmt, label="")
        self._summary = summary
        data = summary.model_dump(mode="json")
        if summary.malformed:
            kept = summary.read - summary.malformed
            raise Answer(
                422,
                f"{summary.malformed} of {summary.read} events malformed (the first: "
                f"{summary.errors[0] if summary.errors else '?'}); the other {kept} were kept",
                summary=data,
            )
        return 200, data

    # -- answering ---------------------------------------------------------------------------

    def _answer(self, work: Callable[[], tuple[int, dict[str, Any]]]) -> None:
        started = time.monotonic()
        self._summary = None
        retry = False
        try:
            status, data = work()
        except Answer as exc:
            status, data = exc.status, {"error": exc.message, **exc.extra}
        except DatabaseUnavailable as exc:
            status, data, retry = 503, {"error": exc.message}, True
        except Conflict as exc:  # two deliveries met on a new fingerprint twice: send again
            status, data, retry = 503, {"error": exc.message}, True
        except NotPermitted as exc:
            status, data = 403, {"error": exc.message}
        except InvalidInput as exc:
            status, data = 422, {"error": exc.message}
        except DesktermError as exc:
            status, data = 500, {"error": exc.message}
        except Exception as exc:  # never a traceback to the sender; the log names it
            status, data = 500, {"error": f"unexpected {type(exc).__name__}; see the server's log"}
        payload = (json.dumps(data, ensure_ascii=True, separators=(",", ":")) + "\n").encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            if retry or status == 503:
                self.send_header("Retry-After", RETRY_AFTER)
            if status == 401:
                self.send_header("WWW-Authenticate", 'Bearer realm="deskterm"')
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # the sender hung up; it retries if it cares
        self._log(status, len(payload), time.monotonic() - started, data)

    def _log(self, status: int, size: int, seconds: float, data: dict[str, Any]) -> None:
        s = self._summary
        what = ""
        if s is not None:
            what = (
                f" read={s.read} malformed={s.malformed} recorded={s.recorded} "
                f"deduplicated={s.deduplicated} opened={s.incidents_opened} resolved={s.incidents_resolved}"
            )
        elif status >= 400:
            what = f" error={data.get('error', '')}"
        line = (
            f"deskterm serve events: {self.client_address[0]} {self.command} {self._path()[:200]} "
            f"{status} {size}B {seconds * 1000:.0f}ms{what}"
        )
        self.server.log(neutralise(line))

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the standard library's own lines (raw request text): ``_log`` says it all."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors found while reading the request line (too long, bad version) as one JSON line."""
        payload = (json.dumps({"error": f"bad request ({code})"}) + "\n").encode()
        self.close_connection = True
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(payload)
        except OSError:
            pass
        self.server.log(neutralise(f"deskterm serve events: {self.client_address[0]} - - {code}"))


def serve(server: EventsServer, stop: threading.Event) -> None:
    """Serve until ``stop`` is set; then stop accepting, let the requests in flight finish,
    and close the socket."""
    runner = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    runner.start()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.shutdown()  # no new connections are accepted from here
        server.server_close()  # joins the request threads still running
        runner.join()
