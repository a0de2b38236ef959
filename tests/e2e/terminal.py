"""Shared helpers of the terminal tests: one tmux server per terminal, the real ``deskterm``.

Each terminal is its own tmux server (a unique ``-L`` socket) with a fixed size, running the
real console script next to the test interpreter against a copy of the seeded desk. Tests type
keys and poll ``capture-pane`` until the screen shows what it should (no fixed sleeps). The
command runs inside a small shell wrapper that prints its exit status; a crash is caught by that
status and by the traceback in the pane's scrollback.
"""

import itertools
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

DESKTERM = Path(sys.executable).parent / "deskterm"
TMUX = shutil.which("tmux")
EXITED = re.compile(r"\[deskterm exited (\d+)\]")
CRASHED = re.compile(r"^\s*\w+(Error|Exception): ", re.MULTILINE)
SOCKETS = itertools.count()


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

    def quit(self, timeout: float = 10.0) -> None:
        """ctrl+q: deskterm exits with status 0 and printed no traceback."""
        self.keys("C-q")
        shown = self.wait(lambda s: EXITED.search(s) is not None, timeout=timeout, why="deskterm to exit")
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


def queue_visible(shown: str) -> bool:
    return "Ref" in shown and re.search(r"(INC|REQ)-\d+", shown) is not None


def picked(shown: str) -> bool:
    """The caller lookup shows the chosen contact and its list of matches has closed."""
    lines = shown.splitlines()
    for i, line in enumerate(lines[:-1]):
        if "María 王 <maria.wang@example.com>" in line and "Title" in lines[i + 1]:
            return True
    return False


def below(label: str, text: str) -> Callable[[str], bool]:
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
