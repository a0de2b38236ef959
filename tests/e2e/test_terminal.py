"""The installed ``deskterm`` command in a real terminal (tmux): what an agent actually sees.

Each test starts its own tmux server (a unique ``-L`` socket) with a fixed size, runs the real
console script next to the test interpreter against a copy of the seeded desk, types keys,
and polls ``capture-pane`` until the screen shows what it should (no fixed sleeps: after a key
that moves the focus, the tests wait until the screen is quiet, as a person would). The command
runs inside a small shell wrapper that prints its exit status; a crash is caught by that status
and by the traceback in the pane's scrollback (deskterm currently exits 0 after a crash).
"""

import itertools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# the seeded TUI desk (demo tickets, the caller María 王, hostile titles), found by name
from tests.tui.conftest import seeded_template, seeded_url  # noqa: F401

pytestmark = pytest.mark.e2e

DESKTERM = Path(sys.executable).parent / "deskterm"
TMUX = shutil.which("tmux")
EXITED = re.compile(r"\[deskterm exited (\d+)\]")
CRASHED = re.compile(r"^\s*\w+(Error|Exception): ", re.MULTILINE)
_sockets = itertools.count()


@pytest.fixture(autouse=True)
def _need_tmux() -> None:
    if TMUX is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but tmux is not installed: the terminal tests cannot run")
        pytest.skip("tmux is not installed (apt-get install tmux); the terminal tests need it")
    assert DESKTERM.exists(), f"the deskterm command is not installed next to {sys.executable}"


class Terminal:
    """One tmux server with one pane running deskterm."""

    def __init__(self, socket: str) -> None:
        self.socket = socket
        self.last = ""

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            [str(TMUX), "-f", "/dev/null", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, env: dict[str, str], *, width: int, height: int) -> None:
        assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        inner = f'env -i {assignments} {shlex.quote(str(DESKTERM))}; echo "[deskterm exited $?]"; sleep 600'
        self.tmux("new-session", "-d", "-x", str(width), "-y", str(height), "-s", "desk", inner)

    def screen(self) -> str:
        self.last = self.tmux("capture-pane", "-p", "-t", "desk")
        return self.last

    def wait(self, what: str | Callable[[str], bool], timeout: float = 10.0, why: str = "") -> str:
        """Poll the screen until it contains ``what`` (or ``what(screen)`` holds)."""
        test = what if callable(what) else (lambda s: what in s)
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if test(shown):
                return shown
            exited = EXITED.search(shown)
            if exited or time.monotonic() > deadline:
                state = f"deskterm exited with {exited.group(1)}" if exited else f"{timeout:.0f} s passed"
                raise AssertionError(f"{state} waiting for {why or what!r}; the screen was:\n{shown}")
            time.sleep(0.1)

    def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> str:
        """Wait until the screen has not changed for ``quiet`` seconds.

        Textual forwards each key to the widget focused when the key is read, and moves the
        focus only when the key that moves it has been handled, so keys sent in one burst after
        ``tab``, ``/`` or a key that opens a dialog can reach the old widget. A person sees the
        screen change before typing on; so do the tests.
        """
        deadline = time.monotonic() + timeout
        shown, since = self.screen(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = self.screen()
            if now != shown:
                shown, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return shown
        return shown

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "desk", *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "desk", "-l", text)

    def history(self) -> str:
        """Everything the pane printed, scrollback included (where a traceback would be)."""
        return self.tmux("capture-pane", "-p", "-t", "desk", "-S", "-", "-E", "-")

    def quit(self) -> None:
        """ctrl+q: deskterm exits with status 0 and printed no traceback."""
        self.keys("C-q")
        shown = self.wait(lambda s: EXITED.search(s) is not None, why="deskterm to exit")
        match = EXITED.search(shown)
        assert match is not None
        printed = self.history()
        assert int(match.group(1)) == 0, printed
        assert "Traceback" not in printed and CRASHED.search(printed) is None, printed

    def close(self) -> None:
        try:
            socket = self.tmux("display-message", "-p", "#{socket_path}").strip()
        except AssertionError:
            socket = ""
        subprocess.run(
            [str(TMUX), "-L", self.socket, "kill-server"], capture_output=True, timeout=10, check=False
        )
        if socket:
            Path(socket).unlink(missing_ok=True)  # tmux leaves it behind


@pytest.fixture
def desk_url(request: pytest.FixtureRequest) -> str:
    """This test's own copy of the seeded desk (the ``seeded_url`` fixture)."""
    return str(request.getfixturevalue("seeded_url"))


@pytest.fixture
def terminal(tmp_path: Path, desk_url: str) -> Iterator[Callable[..., Terminal]]:
    """Start deskterm on a copy of the seeded desk in a fresh tmux server."""
    started: list[Terminal] = []

    def start(*, width: int = 80, height: int = 24, **extra: str) -> Terminal:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "LANG": "C.UTF-8",
            "TERM": "xterm-256color",
            "DESKTERM_DB": desk_url,
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            **extra,
        }
        term = Terminal(f"deskterm-e2e-{os.getpid()}-{next(_sockets)}-{time.monotonic_ns()}")
        started.append(term)
        term.start(env, width=width, height=height)
        return term

    yield start
    for term in started:
        term.close()


def _queue_visible(shown: str) -> bool:
    return "Ref" in shown and re.search(r"(INC|REQ)-\d+", shown) is not None


def _picked(shown: str) -> bool:
    """The caller lookup shows the chosen contact and its list of matches has closed."""
    lines = shown.splitlines()
    for i, line in enumerate(lines[:-1]):
        if "María 王 <maria.wang@example.com>" in line and "Title" in lines[i + 1]:
            return True
    return False


def _below(label: str, text: str) -> Callable[[str], bool]:
    """The screen shows ``text`` on the line under the one that shows ``label`` (a form field)."""

    def test(shown: str) -> bool:
        lines = shown.splitlines()
        return any(label in above and text in line for above, line in itertools.pairwise(lines))

    return test


def cli(url: str, *args: str, tmp_path: Path) -> str:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = subprocess.run(
        [str(DESKTERM), "--db", url, *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_log_a_call_find_it_resolve_it_and_quit(
    terminal: Callable[..., Terminal],
    desk_url: str,
    tmp_path: Path,
) -> None:
    unique = f"e2e jam {os.getpid() % 10_000}{time.monotonic_ns() % 1000}"
    resolution = "Cleared the paper path"
    term = terminal()
    term.wait(_queue_visible, why="the queue")

    # n: log a call for María, pick her from the matches, give it a title, save.
    term.keys("n")
    term.wait("Log a call")
    term.settle()
    term.type("maria")
    term.wait("maria.wang@example.com", why="María among the matches")
    term.keys("Enter")
    term.wait(_picked, why="María chosen and the matches closed")
    term.keys("Tab")
    term.settle()
    term.type(unique)
    term.wait(_below("Title", unique), why="the title in its field")
    term.keys("C-s")
    shown = term.wait("Logged INC-")
    ref = re.search(r"Logged (INC-\d+)", shown)
    assert ref is not None
    ref_text = ref.group(1)

    # /: filter on the title; enter hands the keys back to the table; enter opens the ticket.
    term.keys("/")
    term.settle()
    term.type(unique.split()[-1])
    term.wait(lambda s: any(ref_text in line and unique in line for line in s.splitlines()), why="the row")
    term.keys("Enter")
    term.wait("⏎ Open", why="the table to have the keys again")
    term.keys("Enter")
    term.wait(lambda s: re.search(rf"{ref_text} P\d new", s) is not None, why=f"{ref_text}'s detail")

    # R: resolve with the default code (fixed) and a text.
    term.keys("R")
    term.wait("What was done")
    term.settle()
    term.keys("Tab")
    term.settle()
    term.type(resolution)
    term.wait(_below("What was done", resolution), why="the resolution in its field")
    term.keys("C-s")
    term.wait(f"resolution: - → {resolution}", why="the resolution in the timeline")
    assert re.search(rf"{ref_text} P\d resolved", term.last), term.last

    term.quit()

    listed = ["ticket", "list", "--status", "resolved", "--search", unique, "--format", "json"]
    found = json.loads(cli(desk_url, *listed, tmp_path=tmp_path))
    assert [t["ref"] for t in found] == [ref_text]
    ticket = json.loads(cli(desk_url, "ticket", "show", ref_text, "--format", "json", tmp_path=tmp_path))
    assert ticket["status"] == "resolved"
    assert ticket["resolution_code"] == "fixed"
    assert ticket["resolution"] == resolution
    assert ticket["title"] == unique
    assert ticket["caller_email"] == "maria.wang@example.com"


def test_vt100_without_colour_shows_the_queue(terminal: Callable[..., Terminal]) -> None:
    term = terminal(TERM="vt100", NO_COLOR="1")
    term.wait(_queue_visible, why="the queue")
    term.keys("?")
    term.wait("Keys: queue")
    term.keys("Escape")
    term.wait(lambda s: "Keys: queue" not in s and _queue_visible(s), why="the help to close")
    term.quit()


def test_a_tiny_terminal_still_answers_keys(terminal: Callable[..., Terminal]) -> None:
    term = terminal(width=40, height=12)
    term.wait(_queue_visible, why="the queue")
    term.keys("?")
    term.wait("Keys: queue")
    term.keys("Escape")
    term.wait(lambda s: "Keys: queue" not in s and _queue_visible(s), why="the help to close")
    term.keys("n")
    term.wait("Log a call")
    term.settle()
    term.keys("Escape")
    term.wait(lambda s: "Log a call" not in s and _queue_visible(s), why="the empty form to close")
    term.quit()
