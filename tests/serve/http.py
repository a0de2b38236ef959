"""Real servers for the tests: ``python -m deskterm serve ...`` as a subprocess on loopback, and
the ``deskterm`` CLI to look at what they delivered."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

START_TIMEOUT = 30.0


@dataclass
class Served:
    """A running ``deskterm serve`` process: its URL, and its log lines as they come."""

    process: subprocess.Popen[str]
    url: str
    log: list[str] = field(default_factory=list)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout)

    def wait_log(self, needle: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((line for line in self.log if needle in line), None)
            if found is not None:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} not logged; the log: {self.log}")


def deskterm(db_url: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deskterm", "--db", db_url, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def start(db_url: str, *args: str, env: dict[str, str] | None = None) -> Served:
    """Start ``deskterm serve ARGS --format json`` and wait for its announcement on stdout."""
    process = subprocess.Popen(
        [sys.executable, "-m", "deskterm", "--db", db_url, "serve", *args, "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None and process.stderr is not None
    served = Served(process, "")

    def drain() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            served.log.append(line.rstrip("\n"))

    threading.Thread(target=drain, daemon=True).start()
    text = ""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            process.wait(10)
            raise AssertionError(f"deskterm serve exited {process.returncode}: {served.log}")
        text += line
        try:
            announced = json.loads(text)
        except json.JSONDecodeError:
            continue
        served.url = announced["url"]
        return served
    process.kill()
    raise AssertionError(f"deskterm serve did not announce itself: {text!r} {served.log}")


@pytest.fixture
def servers() -> Iterator[list[Served]]:
    """Servers started by a test; whatever is left running is stopped (SIGKILL if it hangs)."""
    started: list[Served] = []
    yield started
    for s in started:
        if s.process.poll() is None:
            s.process.send_signal(signal.SIGTERM)
            try:
                s.process.wait(20)
            except subprocess.TimeoutExpired:
                s.process.kill()
                s.process.wait(5)


def request(
    url: str,
    body: bytes | None = None,
    *,
    method: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request; the status, headers and body, error statuses included."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def post_json(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    status, _, data = request(url, body, method="POST", headers=headers)
    assert data.endswith(b"\n") and data.count(b"\n") == 1, data  # one line of JSON
    return status, json.loads(data)
