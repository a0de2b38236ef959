"""One session's process: deskterm itself, run as the authenticated agent.

Each session is a process of its own (``python -m deskterm``), so a crash, a hang or a slow
client stays in that session. Bytes are moved with back-pressure: when a client reads slowly,
the server stops reading that session's output and its process waits on its pipe or terminal;
nothing is buffered without bound and no other session notices. When the client goes, the
process gets SIGHUP (the TUI saves its drafts on it), then SIGTERM, then SIGKILL.
"""

import asyncio
import contextlib
import fcntl
import os
import shlex
import signal
import struct
import sys
import termios
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from deskterm.services.core.context import HANDOVER_ENV, SERVED_ENV

#: Commands a session may not run: they act on the server's machine, not on the desk.
REFUSED = {
    "serve": "runs on the server itself",
    "demo": "writes files on the server",
    "db": "is for the desk's owner on the server itself",
}
CHUNK = 65536
GRACE = 5.0  # seconds between SIGHUP, SIGTERM and SIGKILL
KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "XDG_CONFIG_HOME", "SYSTEMROOT")


@dataclass
class Grant:
    """What a session's process is handed: the agent, the key, the server's secret, the desk."""

    agent_id: int
    login: str
    fingerprint: str
    server: str
    token: str
    db_url: str
    data_home: Path


@dataclass
class Activity:
    """When the client last typed (the idle timeout counts from it), and whether it hung up."""

    last: float = field(default_factory=time.monotonic)
    why: str = ""

    def touch(self) -> None:
        self.last = time.monotonic()


def environment(grant: Grant, term: str | None) -> dict[str, str]:
    """The session's environment: little of the server's, the desk, the hand-over."""
    env = {k: os.environ[k] for k in KEPT_ENV if k in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    grant.data_home.mkdir(parents=True, exist_ok=True, mode=0o700)
    values = (str(grant.agent_id), grant.fingerprint, grant.server, grant.token)
    env.update(dict(zip(HANDOVER_ENV, values, strict=True)))
    env.update(
        {
            "DESKTERM_DB": grant.db_url,
            SERVED_ENV: "1",
            "XDG_DATA_HOME": str(grant.data_home),  # drafts per agent, not shared between agents
            "TERM": term or "xterm-256color",
        }
    )
    return env


def command_argv(command: str) -> list[str]:
    """The deskterm arguments of an SSH command, or ValueError saying why it is refused."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise ValueError(f"the command cannot be split into words ({exc}); check its quotes") from None
    if argv and argv[0] == "deskterm":
        argv = argv[1:]
    if any(a == "--db" or a.startswith("--db=") for a in argv[:2]):
        raise ValueError("the server chooses the database; leave out --db")
    if argv and argv[0] in REFUSED:
        raise ValueError(f"deskterm {argv[0]} {REFUSED[argv[0]]}; it is not offered over SSH")
    return argv


async def stop(proc: asyncio.subprocess.Process) -> None:
    """Hang up on the process (drafts are saved), then insist."""
    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGKILL):
        if proc.returncode is not None:
            return
        try:
            os.kill(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            await asyncio.wait_for(proc.wait(), GRACE)
        except TimeoutError:
            continue


async def _watch(
    proc: asyncio.subprocess.Process,
    process: asyncssh.SSHServerProcess[bytes],
    activity: Activity,
    idle: int,
    stopping: asyncio.Event,
) -> None:
    """End the process when the client goes, the session idles out, or the server stops."""
    closed = asyncio.ensure_future(process.channel.wait_closed())
    stop_asked = asyncio.ensure_future(stopping.wait())
    try:
        while proc.returncode is None:
            left = (activity.last + idle - time.monotonic()) if idle else 3600.0
            if idle and left <= 0:
                took = f"{idle} seconds" if idle < 120 else f"{idle // 60} minutes"
                activity.why = f"nothing typed for {took}: the session ends; your draft is kept"
                break
            done, _ = await asyncio.wait(
                {closed, stop_asked}, timeout=min(max(left, 0.1), 30.0), return_when=asyncio.FIRST_COMPLETED
            )
            if stop_asked in done:
                activity.why = "the desk server is stopping: the session ends; your draft is kept"
                break
            if closed in done:
                activity.why = "hung up"
                break
        await stop(proc)
    finally:
        closed.cancel()
        stop_asked.cancel()


async def _client_to(
    process: asyncssh.SSHServerProcess[bytes],
    write: Callable[[bytes], Awaitable[None]],
    activity: Activity,
    resize: Callable[[int, int], None] | None = None,
) -> None:
    while True:
        try:
            data = await process.stdin.read(CHUNK)
        except asyncssh.TerminalSizeChanged as change:
            if resize is not None:
                resize(change.width, change.height)
            continue
        except (asyncssh.BreakReceived, asyncssh.SignalReceived):
            continue
        except (asyncssh.Error, OSError):
            return
        if not data:
            return
        activity.touch()
        await write(data)


async def run_command(
    process: asyncssh.SSHServerProcess[bytes],
    argv: list[str],
    env: dict[str, str],
    idle: int,
    stopping: asyncio.Event,
    started: Callable[[int], None],
) -> int:
    """One CLI command: stdin, stdout and stderr passed through; its exit status returned."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "deskterm",
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    started(proc.pid)
    activity = Activity()
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    child_in = proc.stdin

    async def to_child(data: bytes) -> None:
        child_in.write(data)
        await child_in.drain()

    async def feed() -> None:
        try:
            await _client_to(process, to_child, activity)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            child_in.close()

    async def out(reader: asyncio.StreamReader, writer: asyncssh.SSHWriter[bytes]) -> None:
        while chunk := await reader.read(CHUNK):
            activity.touch()
            try:
                writer.write(chunk)
                await writer.drain()
            except (asyncssh.Error, OSError):
                return

    feeder = asyncio.ensure_future(feed())
    watcher = asyncio.ensure_future(_watch(proc, process, activity, idle, stopping))
    await asyncio.gather(out(proc.stdout, process.stdout), out(proc.stderr, process.stderr))
    code = await proc.wait()
    feeder.cancel()
    watcher.cancel()
    return _tell(process, activity, code)


def _tell(process: asyncssh.SSHServerProcess[bytes], activity: Activity, code: int) -> int:
    if activity.why and activity.why != "hung up":
        with contextlib.suppress(asyncssh.Error, OSError):
            process.stderr.write(f"\r\ndeskterm: {activity.why}\r\n".encode())
    return code if code >= 0 else 128 - code  # killed by signal N: 128 + N, as shells say


def _set_size(fd: int, width: int, height: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", max(height, 1), max(width, 1), 0, 0))


def _settle(ready: "asyncio.Future[None]") -> None:
    if not ready.done():
        ready.set_result(None)


async def _readable(fd: int) -> None:
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    loop.add_reader(fd, _settle, ready)
    try:
        await ready
    finally:
        loop.remove_reader(fd)


async def _writable(fd: int) -> None:
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    loop.add_writer(fd, _settle, ready)
    try:
        await ready
    finally:
        loop.remove_writer(fd)


async def run_tui(
    process: asyncssh.SSHServerProcess[bytes],
    env: dict[str, str],
    idle: int,
    stopping: asyncio.Event,
    started: Callable[[int], None],
) -> int:
    """The TUI in a pseudo-terminal of its own, sized and resized as the client's window."""
    width, height, _, _ = process.get_terminal_size()
    master, slave = os.openpty()
    _set_size(master, width or 80, height or 24)
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "deskterm.serve.tty", stdin=slave, stdout=slave, stderr=slave, env=env
        )
    finally:
        os.close(slave)
    started(proc.pid)
    os.set_blocking(master, False)
    activity = Activity()

    async def to_child(data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(master, view) :]
            except BlockingIOError:
                await _writable(master)

    def resize(w: int, h: int) -> None:
        _set_size(master, w, h)  # the kernel sends the session SIGWINCH

    async def from_child() -> None:
        while True:
            try:
                data = os.read(master, CHUNK)
            except BlockingIOError:
                await _readable(master)
                continue
            except OSError:  # EIO: every holder of the terminal's other side has gone
                return
            if not data:
                return
            try:
                process.stdout.write(data)
                await process.stdout.drain()  # a slow client holds back this session only
            except (asyncssh.Error, OSError):
                return

    feeder = asyncio.ensure_future(_client_to(process, to_child, activity, resize))
    watcher = asyncio.ensure_future(_watch(proc, process, activity, idle, stopping))
    try:
        await from_child()
        code = await proc.wait()
    finally:
        feeder.cancel()
        watcher.cancel()
        os.close(master)
    return _tell(process, activity, code)
