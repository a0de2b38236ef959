"""A program in a pseudo-terminal, read by a thread that timestamps every chunk it writes.

The child gets the pty as its controlling terminal, so a window-size change reaches it as a real
SIGWINCH. Times are ``time.perf_counter()`` in this process: the moment a key is written, the
moment the bytes it caused could be read back. A small screen (:mod:`vt`) replays the bytes, so
"the new rows are on screen" is checked on what a terminal would show, not on raw bytes.
"""

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tests.benchmarks.vt import Screen


class BenchError(RuntimeError):
    """A measure could not be taken (timeout, crash): reported, never replaced by a number."""


@dataclass
class Response:
    """What one stimulus (a key, a resize, the spawn itself) caused on the terminal."""

    sent: float  # when the stimulus was given
    first: float | None  # first byte back
    done: float | None  # the ``until`` condition first held on the screen
    match: float | None  # the screen first equalled its final (settled) state
    last: float | None  # last byte before the output went quiet
    nbytes: int

    def ms(self, which: str) -> float:
        value = getattr(self, which)
        if value is None:
            raise BenchError(f"no {which!r} time: the screen never changed")
        return (value - self.sent) * 1000


def _set_size(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class PtySession:
    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: dict[str, str],
        cols: int = 120,
        rows: int = 40,
        cwd: str | None = None,
    ) -> None:
        self.argv, self.env, self.cwd = list(argv), env, cwd
        self.cols, self.rows = cols, rows
        self.screen = Screen(cols, rows)  # fed up to self._fed
        self._fed = 0
        self._chunks: list[tuple[float, bytes]] = []
        self._cond = threading.Condition()
        self._eof = False
        self.proc: subprocess.Popen[bytes] | None = None
        self.spawned = 0.0

    # -- life -------------------------------------------------------------------------------

    def start(self) -> float:
        master, slave = pty.openpty()
        _set_size(slave, self.cols, self.rows)

        def become_terminal_owner() -> None:  # runs in the child between fork and exec
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.master = master
        self.spawned = time.perf_counter()
        self.proc = subprocess.Popen(
            self.argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=self.env,
            cwd=self.cwd,
            preexec_fn=become_terminal_owner,
            close_fds=True,
        )
        os.close(slave)
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()
        return self.spawned

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.5)
                if not ready:
                    if self.proc is not None and self.proc.poll() is not None and self._eof_soon():
                        break
                    continue
                data = os.read(self.master, 1 << 16)
            except OSError:  # EIO: the child closed the terminal
                break
            now = time.perf_counter()
            if not data:
                break
            with self._cond:
                self._chunks.append((now, data))
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def _eof_soon(self) -> bool:
        ready, _, _ = select.select([self.master], [], [], 0)
        return not ready

    def close(self) -> int | None:
        """Quit with ctrl+q; kill the child (ours, by pid) if it does not go within 5 s."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.write(self.master, b"\x11")
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait(timeout=5)
        self._reader.join(timeout=2)
        with contextlib.suppress(OSError):
            os.close(self.master)
        return self.proc.returncode

    def __enter__(self) -> "PtySession":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- looking ----------------------------------------------------------------------------

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def rss_mb(self) -> float:
        """Resident memory of the child now (VmRSS), in MB."""
        with open(f"/proc/{self.pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        raise BenchError("no VmRSS in /proc status")

    def cpu_seconds(self) -> float:
        """CPU time the child has used so far (user + system, all threads)."""
        with open(f"/proc/{self.pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def chunks(self) -> list[tuple[float, bytes]]:
        """Everything read so far, as (read time, bytes)."""
        with self._cond:
            return list(self._chunks)

    def output(self) -> bytes:
        with self._cond:
            return b"".join(b for _, b in self._chunks)

    def output_tail(self, n: int = 2000) -> str:
        with self._cond:
            data = b"".join(b for _, b in self._chunks[-20:])
        return data[-n:].decode("utf-8", "replace")

    def _died(self) -> str:
        shown = "\n".join(line.rstrip() for line in self.screen.lines() if line.strip())
        code = self.proc.poll() if self.proc else None
        return f"(exit status {code}); the screen was:\n{shown}\nlast output: {self.output_tail(600)!r}"

    # -- stimulus and response --------------------------------------------------------------

    def send(self, data: bytes) -> float:
        sent = time.perf_counter()
        os.write(self.master, data)
        return sent

    def resize(self, cols: int, rows: int) -> float:
        """Change the window size (the kernel sends SIGWINCH to the child)."""
        self.cols, self.rows = cols, rows
        sent = time.perf_counter()
        _set_size(self.master, cols, rows)
        return sent

    def catch_up(self) -> int:
        """Feed the screen every chunk read so far; the index the next response starts from."""
        with self._cond:
            chunks = self._chunks[self._fed :]
            self._fed = len(self._chunks)
        self.screen.feed_all(b for _, b in chunks)
        return self._fed

    def respond(
        self,
        stimulus: Callable[[], float],
        *,
        until: Callable[[Screen], bool] | None = None,
        quiet: float = 0.3,
        timeout: float = 15.0,
        compare: str = "cells",
        clear: bool = False,
        min_wait: float = 0.0,
    ) -> Response:
        """Give a stimulus and follow the output until ``until`` holds and then nothing comes for
        ``quiet`` seconds. ``match`` is when the screen first equalled that final state (by cells
        with their styles, or by text only); ``clear`` blanks the screen first (after a resize,
        so that only what is drawn again counts).
        """
        start = self.catch_up()
        before = self.screen.copy()
        sent = stimulus()
        if clear:
            before.resize(self.cols, self.rows, clear=True)
            self.screen.resize(self.cols, self.rows, clear=True)
        elif (self.cols, self.rows) != (self.screen.cols, self.screen.rows):
            before.resize(self.cols, self.rows, clear=False)
            self.screen.resize(self.cols, self.rows, clear=False)
        deadline = sent + timeout
        done: float | None = sent if until is None else None
        while True:
            with self._cond:
                new = self._chunks[self._fed :]
                self._fed = len(self._chunks)
                eof = self._eof
                last = self._chunks[-1][0] if len(self._chunks) > start else sent
            for t, data in new:
                self.screen.feed(data)
                if done is None and until is not None and until(self.screen):
                    done = t
            if new:
                continue
            if eof:
                raise BenchError(f"the program ended {self._died()}")
            now = time.perf_counter()
            if done is not None and now - max(last, done) >= quiet and now - sent >= min_wait:
                break
            if now > deadline:
                raise BenchError(f"timed out after {timeout:.0f} s {self._died()}")
            with self._cond:
                if len(self._chunks) == self._fed and not self._eof:
                    self._cond.wait(0.02)
        with self._cond:
            chunks = self._chunks[start : self._fed]
        final = self.screen
        same = final.same_cells if compare == "cells" else final.same_text
        match = None
        if not same(before):
            replay = before
            for t, data in chunks:
                replay.feed(data)
                if same(replay):
                    match = t
                    break
        return Response(
            sent=sent,
            first=chunks[0][0] if chunks else None,
            done=done if until is not None else None,
            match=match,
            last=chunks[-1][0] if chunks else None,
            nbytes=sum(len(b) for _, b in chunks),
        )

    def idle_bytes(self, seconds: float) -> int:
        """Bytes written while nothing is asked of the program for ``seconds``."""
        start = self.catch_up()
        time.sleep(seconds)
        with self._cond:
            count = sum(len(b) for _, b in self._chunks[start:])
        self.catch_up()
        return count
