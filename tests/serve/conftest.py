"""Fixtures of the SSH server tests: the real ``deskterm serve ssh`` on a free loopback port,
the real OpenSSH client, keys made by ssh-keygen, and agents who own them.

Without ssh or ssh-keygen the tests skip, unless CI is set: then they fail, so CI never passes
without them (``.ci/run`` installs openssh-client).
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from deskterm.services.people import agents, ssh
from tests.conftest import fresh_sqlite, open_desk
from tests.serve.http import servers  # noqa: F401  (the HTTP servers' fixture)

SSH = shutil.which("ssh")
SSH_KEYGEN = shutil.which("ssh-keygen")
DESKTERM = Path(sys.executable).parent / "deskterm"


@pytest.fixture(autouse=True)
def _need_ssh(request: pytest.FixtureRequest) -> None:
    if "ssh" not in request.node.path.name:
        return  # the HTTP servers' tests (tests.serve.http) need no SSH client
    if SSH is None or SSH_KEYGEN is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but the OpenSSH client is not installed: the SSH tests cannot run")
        pytest.skip("the OpenSSH client is not installed (apt-get install openssh-client)")


def make_key(folder: Path, name: str) -> Path:
    path = folder / name
    subprocess.run(
        [str(SSH_KEYGEN), "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@test", "-f", str(path)], check=True
    )
    return path


@dataclass
class Server:
    """A running ``deskterm serve ssh`` and how to reach it."""

    proc: subprocess.Popen[str]
    port: int
    home: Path
    env: dict[str, str]
    fingerprint: str
    log: Path
    extra: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def argv(self, key: Path, *options: str) -> list[str]:
        return [
            str(SSH),
            "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null",
            "-o", "BatchMode=yes",
            "-o", "LogLevel=ERROR",
            "-o", "IdentitiesOnly=yes",
            "-o", "ConnectTimeout=20",
            "-i", str(key),
            "-p", str(self.port),
            *options,
            "127.0.0.1",
        ]  # fmt: skip

    def ssh(
        self, key: Path, *command: str, stdin: str = "", options: tuple[str, ...] = (), timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.argv(key, *options), *command],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def deskterm(self, *args: str) -> subprocess.CompletedProcess[str]:
        """deskterm on the server's machine, as the server's OS account (its data directory)."""
        return subprocess.run(
            [str(DESKTERM), *args], env=self.env, capture_output=True, text=True, timeout=60, check=False
        )

    def stop(self, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)


@dataclass
class Team:
    """Two agents with a key each (alice also owns the desk), and a key nobody has."""

    alice: Path
    bob: Path
    stranger: Path


@pytest.fixture
def serve_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> str:
    """The desk the server serves: SQLite, or PostgreSQL where a test asks for it
    (``@pytest.mark.parametrize("serve_url", ["postgresql"], indirect=True)``)."""
    if getattr(request, "param", "sqlite") == "sqlite":
        return fresh_sqlite(sqlite_template, tmp_path)
    return str(request.getfixturevalue("fresh_pg"))


@pytest.fixture
def team(serve_url: str, tmp_path: Path) -> Team:
    keys = tmp_path / "keys"
    keys.mkdir()
    alice, bob, stranger = (make_key(keys, n) for n in ("alice", "bob", "stranger"))
    desk = open_desk(serve_url)  # acts as alice, the personal desk's owner (an admin)
    try:
        agents.add_agent(desk, "bob", agents.AgentFields(display_name="Bob Builder"))
        ssh.add_key(desk, "alice", (keys / "alice.pub").read_text())
        ssh.add_key(desk, "bob", (keys / "bob.pub").read_text())
    finally:
        desk.close()
    return Team(alice=alice, bob=bob, stranger=stranger)


def start_server(db_url: str, home: Path, config: str = "") -> Server:
    (home / "config" / "deskterm").mkdir(parents=True, exist_ok=True)
    (home / "config" / "deskterm" / "config.toml").write_text(config)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "DESKTERM_DB": db_url,
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
    }
    log = home / "server.log"
    proc = subprocess.Popen(
        [str(DESKTERM), "serve", "ssh", "--listen", "127.0.0.1:0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    second = proc.stdout.readline()
    if not first.startswith("deskterm serve ssh: listening on"):
        proc.kill()
        raise AssertionError(f"the server did not start: {first}{second}{log.read_text()}")
    port = int(first.rsplit(":", 1)[1])
    return Server(proc=proc, port=port, home=home, env=env, fingerprint=second.split()[2], log=log)


@pytest.fixture
def server(serve_url: str, team: Team, tmp_path: Path) -> Iterator[Server]:
    running = start_server(serve_url, tmp_path / "server", "[serve]\nmax_sessions_per_agent = 30\n")
    yield running
    for p in running.extra:
        if p.poll() is None:
            p.kill()
    if running.proc.poll() is None:
        running.proc.kill()
        running.proc.wait(timeout=10)


def wait_for(check: object, timeout: float = 30.0, why: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"{timeout:.0f} s passed waiting for {why}")
        time.sleep(0.1)
