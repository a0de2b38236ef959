"""A real Prometheus Alertmanager (the distribution's ``prometheus-alertmanager``, installed by
``.ci/run``) with a webhook receiver pointing at ``deskterm serve events``: an alert posted to
Alertmanager's API opens an incident, its resolution resolves it."""

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import Cli
from tests.serve.http import Served, request, start

ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
TOKEN = "alertmanager-to-deskterm-token"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        ALERTMANAGER is None and not os.environ.get("CI"),
        reason="prometheus-alertmanager is not installed (.ci/run installs it)",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(webhook: str) -> str:
    return f"""
route:
  receiver: deskterm
  group_by: [alertname, instance]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: deskterm
    webhook_configs:
      - url: {webhook}/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: {TOKEN}
"""


@pytest.fixture
def alertmanager(tmp_path: Path, db_url: str, servers: list[Served]) -> Iterator[tuple[str, Served]]:
    """Alertmanager on a loopback port, its webhook at a deskterm server that wants a token."""
    assert ALERTMANAGER is not None, "CI: prometheus-alertmanager must be installed (.ci/run)"
    served = start(db_url, "events", "--listen", "127.0.0.1:0", env={"DESKTERM_SERVE_EVENTS_TOKEN": TOKEN})
    servers.append(served)
    config = tmp_path / "alertmanager.yml"
    config.write_text(_config(served.url))
    port = _free_port()
    process = subprocess.Popen(
        [
            ALERTMANAGER,
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if request(f"{url}/-/ready", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"alertmanager did not start: {process.stderr and process.stderr.read()}"
                )
            time.sleep(0.2)
        yield url, served
    finally:
        process.terminate()
        process.wait(20)


def _post_alert(url: str, alert: dict[str, Any]) -> None:
    status, _, body = request(
        f"{url}/api/v2/alerts",
        json.dumps([alert]).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    assert status == 200, body


def _wait(what: str, check: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"waited {timeout:.0f} s for {what}")


def test_an_alert_through_alertmanager_opens_an_incident_and_its_resolution_resolves_it(
    alertmanager: tuple[str, Served], db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url, served = alertmanager
    cli = Cli(db_url, capsys)
    now = datetime.now(UTC)
    alert = {
        "labels": {"alertname": "DiskFull", "instance": "db-01:9100", "severity": "critical"},
        "annotations": {"summary": "the data disk of db-01 is 97% full"},
        "startsAt": (now - timedelta(seconds=5)).isoformat(),
    }
    _post_alert(url, alert)

    def event() -> dict[str, Any] | None:
        return next((e for e in cli.json("event", "list") if e["node"] == "db-01"), None)

    opened = _wait("the alert to arrive as an event", event)
    assert opened["source"] == "prometheus" and opened["check"] == "DiskFull"
    assert opened["state"] == "active" and opened["incident"]
    incident = cli.json("ticket", "show", opened["incident"])
    assert incident["status"] != "resolved" and incident["channel"] == "event"
    assert served.wait_log("POST /alertmanager 200")

    _post_alert(url, {**alert, "endsAt": datetime.now(UTC).isoformat()})  # resolved now
    cleared = _wait("the resolution", lambda: (e := event()) and e["state"] != "active" and e)
    assert cleared["incident"] == opened["incident"]
    assert cli.json("ticket", "show", opened["incident"])["status"] == "resolved"
    assert len(cli.json("event", "list")) == 1
