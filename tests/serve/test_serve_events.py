"""``deskterm serve events``: the real server on loopback, on SQLite and PostgreSQL, delivers
into event management exactly as ``deskterm event ingest`` does."""

import json
import os
import signal
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from deskterm.services.core.identity import current_identity
from tests.cli.test_cli import Cli
from tests.conftest import _pg_admin, open_desk
from tests.serve.http import Served, deskterm, post_json, request, start
from tests.services import factories as f

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "alertmanager"
TOKEN = "s3cret-token-for-the-webhook"


def event(node: str, severity: str = "critical", check: str = "http", minute: int = 0) -> str:
    return json.dumps(
        {
            "source": "nagios",
            "node": node,
            "check": check,
            "severity": severity,
            "message": f"{check} on {node}",
            "time": f"2026-11-24T09:{minute:02d}:00Z",
        }
    )


def lines(*items: str) -> bytes:
    return ("\n".join(items) + "\n").encode()


@pytest.fixture
def cli(db_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(db_url, capsys)


def test_json_lines_become_events_deduplicated_and_correlated(
    db_url: str, cli: Cli, servers: list[Served]
) -> None:
    served = start(db_url, "events", "--listen", "127.0.0.1:0")
    servers.append(served)
    status, summary = post_json(
        f"{served.url}/events",
        lines(event("web-01"), event("web-01", minute=1), event("web-02", "warning", "disk")),
    )
    assert status == 200, summary
    assert (summary["read"], summary["recorded"], summary["deduplicated"], summary["malformed"]) == (
        3,
        2,
        1,
        0,
    )
    assert summary["incidents_opened"] == 1
    listed = {e["node"]: e for e in cli.json("event", "list")}
    assert listed["web-01"]["count"] == 2 and listed["web-01"]["incident"] == summary["opened"][0]
    assert listed["web-02"]["severity"] == "warning"
    status, again = post_json(f"{served.url}/events", lines(event("web-01", minute=2)))
    assert status == 200 and again["deduplicated"] == 1 and again["recorded"] == 0
    assert {e["node"]: e["count"] for e in cli.json("event", "list")}["web-01"] == 3
    log = served.wait_log("POST /events 200")
    assert "read=3" in log and "recorded=2" in log


def test_a_malformed_line_is_422_and_the_good_lines_are_kept(
    db_url: str, cli: Cli, servers: list[Served]
) -> None:
    served = start(db_url, "events", "--listen", "127.0.0.1:0")
    servers.append(served)
    hostile = "{\x1b]0;owned\x07"
    status, answer = post_json(f"{served.url}/events", lines(event("web-01"), hostile, event("web-03")))
    assert status == 422
    assert answer["summary"]["malformed"] == 1 and answer["summary"]["recorded"] == 2
    assert "line 2" in answer["error"] and "the other 2 were kept" in answer["error"]
    assert sorted(e["node"] for e in cli.json("event", "list")) == ["web-01", "web-03"]
    status, answer = post_json(f"{served.url}/events", b"\n\n")
    assert status == 400 and "empty" in answer["error"]
    status, answer = post_json(f"{served.url}/nowhere", lines(event("web-01")))
    assert status == 404
    status, _, _ = request(f"{served.url}/events", method="GET")
    assert status == 405
    status, _, _ = request(f"{served.url}/healthz", b"x", method="PUT")
    assert status == 405
    served.wait_log("POST /events 422")
    assert not any("\x1b" in line or "\x07" in line for line in served.log)  # the log is safe text


def test_alertmanager_payloads_open_and_resolve_an_incident(
    db_url: str, cli: Cli, servers: list[Served]
) -> None:
    served = start(db_url, "events", "--listen", "127.0.0.1:0")
    servers.append(served)
    status, opened = post_json(f"{served.url}/alertmanager", (FIXTURES / "firing.json").read_bytes())
    assert status == 200 and opened["incidents_opened"] == 1, opened
    status, resolved = post_json(f"{served.url}/alertmanager", (FIXTURES / "resolved.json").read_bytes())
    assert status == 200 and resolved["incidents_resolved"] == 1, resolved
    assert resolved["resolved"] == opened["opened"]
    status, bad = post_json(f"{served.url}/alertmanager", b'{"version": "4", "alerts": [{"status": "x"}]}')
    assert status == 422 and bad["summary"]["malformed"] == 1


def test_an_oversize_body_is_413_and_changes_nothing(db_url: str, cli: Cli, servers: list[Served]) -> None:
    served = start(db_url, "events", "--listen", "127.0.0.1:0", "--max-body", "1000")
    servers.append(served)
    body = lines(*(event(f"web-{n:02d}") for n in range(20)))
    assert len(body) > 1000
    status, answer = post_json(f"{served.url}/events", body)
    assert status == 413 and "1000 bytes" in answer["error"]
    assert cli.json("event", "list") == []
    status, answer = post_json(f"{served.url}/events", lines(event("web-01")))
    assert status == 200  # the server goes on


def _break_database(db_url: str) -> None:
    """Make the desk's database unusable under the running server."""
    if db_url.startswith("sqlite"):
        path = Path(db_url.removeprefix("sqlite:///"))  # in place: the server holds it open
        for suffix in ("", "-wal", "-shm"):
            target = Path(f"{path}{suffix}")
            if target.exists():
                with target.open("r+b") as fh:
                    fh.write(b"this is no database" * 300)
        return
    name = db_url.rsplit("/", 1)[1]
    _pg_admin(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_healthz_and_a_database_down_is_503_so_the_sender_retries(
    db_url: str, cli: Cli, servers: list[Served]
) -> None:
    served = start(db_url, "events", "--listen", "127.0.0.1:0")
    servers.append(served)
    status, _, body = request(f"{served.url}/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    _break_database(db_url)
    status, headers, body = request(f"{served.url}/healthz")
    assert status == 503 and "error" in json.loads(body)
    status, headers, body = request(f"{served.url}/events", lines(event("web-01")), method="POST")
    assert status == 503 and headers.get("Retry-After") == "10"
    assert body[-1:] == b"\n" and "database" in json.loads(body)["error"]
    assert served.stop() == 0


def test_a_token_is_required_off_loopback_and_checked_when_set(
    db_url: str, cli: Cli, servers: list[Served]
) -> None:
    refused = deskterm(db_url, "serve", "events", "--listen", "0.0.0.0:0")
    assert refused.returncode == 4
    assert "without a token" in refused.stderr and refused.stderr.count("\n") == 1
    served = start(db_url, "events", "--listen", "0.0.0.0:0", env={"DESKTERM_SERVE_EVENTS_TOKEN": TOKEN})
    servers.append(served)
    port = urlsplit(served.url).port
    url = f"http://127.0.0.1:{port}/events"
    for headers in ({}, {"Authorization": "Bearer wrong-token-wrong-token"}, {"Authorization": TOKEN}):
        status, answer = post_json(url, lines(event("web-01")), headers)
        assert status == 401 and "bearer token" in answer["error"]
    assert cli.json("event", "list") == []
    status, answer = post_json(url, lines(event("web-01")), {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and answer["recorded"] == 1
    short = deskterm(db_url, "serve", "events", env={**os.environ, "DESKTERM_SERVE_EVENTS_TOKEN": "short"})
    assert short.returncode == 4 and "events_token" in short.stderr


def test_sigterm_finishes_the_request_in_flight_then_exits_0(
    db_url: str, cli: Cli, servers: list[Served]
) -> None:
    served = start(db_url, "events", "--listen", "127.0.0.1:0")
    servers.append(served)
    parts = urlsplit(served.url)
    body = lines(event("web-07"))
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as conn:
        conn.sendall(
            b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body[:10]
        )
        time.sleep(0.5)  # the request is in flight: its body half sent
        served.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        with pytest.raises(OSError):  # no new connection is accepted any more
            socket.create_connection((parts.hostname, parts.port), timeout=5).close()
        conn.sendall(body[10:])
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.0 200"), answer
    assert served.process.wait(20) == 0
    served.wait_log("stopped")
    assert [e["node"] for e in cli.json("event", "list")] == ["web-07"]


def test_an_os_account_without_event_ingest_cannot_start_the_server(db_url: str, cli: Cli) -> None:
    owner = open_desk(db_url)  # alice owns the desk; this OS account becomes a viewer
    try:
        f.contact(owner)
        me = cli.json("whoami")
        f.grant(owner, me["login"], "viewer")
    finally:
        owner.close()
    assert me["login"].startswith(current_identity().login)
    refused = deskterm(db_url, "serve", "events", "--listen", "127.0.0.1:0")
    assert refused.returncode == 7 and "take in events" in refused.stderr
