"""The TUI over SSH in a real terminal (tmux running the OpenSSH client with ``-tt``): the queue,
a window change, a dropped link that keeps the draft, the idle timeout, ``--status``, and a
graceful stop with sessions open."""

import json
import shlex
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.terminal import SOCKETS, TMUX, Terminal
from tests.serve.conftest import Server, Team, start_server, wait_for

EVENT = '{"source": "nagios", "node": "web1", "check": "disk", "severity": "critical", "message": "full"}\n'


@pytest.fixture(autouse=True)
def _need_tmux() -> None:
    if TMUX is None:
        pytest.fail("tmux is not installed: the SSH terminal tests need it (apt-get install tmux)")


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    opened: list[Terminal] = []
    yield opened
    for term in opened:
        term.close()


def connect(
    server: Server, key: Path, terminals: list[Terminal], width: int = 100, height: int = 30
) -> Terminal:
    term = Terminal(f"deskterm-ssh-{next(SOCKETS)}-{time.monotonic_ns()}")
    terminals.append(term)
    client = shlex.join(server.argv(key, "-tt"))
    inner = f'env TERM=xterm-256color {client}; echo "[deskterm exited $?]"; sleep 600'
    term.tmux("new-session", "-d", "-x", str(width), "-y", str(height), "-s", "desk", inner)
    return term


def drafts(server: Server) -> list[Path]:
    return sorted((server.home / "data" / "deskterm" / "serve" / "sessions").glob("*/deskterm/drafts/*"))


def start_call(term: Terminal, title: str) -> None:
    term.keys("n")
    term.wait("Log a call", timeout=20)
    term.settle()
    term.keys("Tab")
    term.settle()
    term.type(title)
    term.wait(title, timeout=10)


def test_tui_shows_the_queue_resizes_and_quits(server: Server, team: Team, terminals: list[Terminal]) -> None:
    assert server.ssh(team.bob, "event", "ingest", "-", stdin=EVENT).returncode == 0
    term = connect(server, team.alice, terminals)
    shown = term.wait("web1: disk critical", timeout=40, why="the queue over SSH")
    assert "alice" in shown.splitlines()[0]
    assert "Group / assignee" not in shown  # no room at 100 columns
    term.tmux("resize-window", "-t", "desk", "-x", "140", "-y", "24")
    term.wait("Group / assignee", timeout=20, why="the wider layout after the window change")
    status = server.deskterm("serve", "ssh", "--status", "--format", "json")
    assert status.returncode == 0, status.stderr
    sessions = json.loads(status.stdout)
    assert [(s["login"], s["kind"]) for s in sessions] == [("alice", "tui")]
    term.quit(timeout=20)


def test_a_dropped_link_keeps_the_draft(server: Server, team: Team, terminals: list[Terminal]) -> None:
    term = connect(server, team.alice, terminals)
    term.wait("Take next", timeout=40)
    start_call(term, "Printer on fire")
    term.close()  # the client's terminal and the client are gone: the link drops
    wait_for(lambda: drafts(server), why="the draft saved on the hang-up")
    assert "Printer on fire" in drafts(server)[0].read_text()
    again = connect(server, team.alice, terminals)
    again.wait("was not saved: Printer on fire", timeout=40, why="the draft offered back")


def test_idle_sessions_end(serve_url: str, team: Team, tmp_path: Path) -> None:
    server = start_server(serve_url, tmp_path / "idle", "[serve]\nidle_timeout = 2\n")
    try:
        client = subprocess.Popen(
            [*server.argv(team.bob), "event", "ingest", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert client.wait(timeout=60) == 128 + signal.SIGHUP  # stdin stays open: nothing is typed
        assert client.stderr is not None
        assert "nothing typed for 2 seconds" in client.stderr.read()
        assert client.stdin is not None
        client.stdin.close()
    finally:
        assert server.stop() == 0


def test_sigterm_with_sessions_open(server: Server, team: Team, terminals: list[Terminal]) -> None:
    term = connect(server, team.alice, terminals)
    term.wait("Take next", timeout=40)
    start_call(term, "Stopped mid-call")
    script = subprocess.Popen(
        [*server.argv(team.bob), "event", "ingest", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    server.extra.append(script)
    state = server.home / "data" / "deskterm" / "serve" / "ssh-state.json"
    wait_for(lambda: len(json.loads(state.read_text())["sessions"]) == 2, why="both sessions listed")
    began = time.monotonic()
    assert server.stop(timeout=60) == 0
    assert time.monotonic() - began < 15
    term.wait("the desk server is stopping", timeout=10)
    assert "Stopped mid-call" in drafts(server)[0].read_text()
    script.communicate(timeout=20)
    assert script.returncode != 0  # told, not left hanging
    assert not state.exists()
    assert server.deskterm("serve", "ssh", "--status").returncode == 3


def test_session_limits_refuse_with_a_sentence(serve_url: str, team: Team, tmp_path: Path) -> None:
    server = start_server(serve_url, tmp_path / "limits", "[serve]\nmax_sessions_per_agent = 1\n")
    held = subprocess.Popen(
        [*server.argv(team.bob), "event", "ingest", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        state = server.home / "data" / "deskterm" / "serve" / "ssh-state.json"
        wait_for(lambda: state.exists() and json.loads(state.read_text())["sessions"], why="bob's session")
        second = server.ssh(team.bob, "whoami")
        assert second.returncode == 7 and "the most one agent may have" in second.stderr
        assert server.ssh(team.alice, "whoami").returncode == 0  # another agent is not held back
        no_tty = server.ssh(team.alice, options=("-T",))
        assert no_tty.returncode == 2 and "use ssh -t" in no_tty.stderr
    finally:
        assert held.stdin is not None
        held.stdin.close()
        assert held.wait(timeout=60) == 0
        assert server.stop() == 0
