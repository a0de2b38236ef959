"""``deskterm serve ssh``: the desk over SSH, agents authenticated by their public keys.

asyncssh speaks the protocol; this module decides who may come in and what they get. Public-key
authentication only (no passwords, no keyboard-interactive, no forwarding, no SFTP); a key is
looked up among the agents' keys at each login, so a key added or removed takes effect at once.
A session without a command gets the TUI in a pseudo-terminal, one with a command runs that CLI
command (see :mod:`deskterm.serve.child`). Logins, logouts and refusals of known keys are in the
desk's audit trail; an unknown key has no agent to attribute a row to, so its refusal goes to
the server's log (standard error, the journal under systemd) with its fingerprint and address.
"""

import asyncio
import contextlib
import os
import secrets
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import asyncssh

from deskterm.config import Settings
from deskterm.serve import child, hostkey
from deskterm.serve.sessions import STATE_NAME, Registry, SessionInfo
from deskterm.services.core.context import Desk
from deskterm.services.people import ssh as keys

EXIT_USAGE = 2
EXIT_REFUSED = 7  # over a limit, or the server stopping


def log(message: str, stream: TextIO | None = None) -> None:
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    print(f"{stamp} {message}", file=stream or sys.stderr, flush=True)


class _Connection(asyncssh.SSHServer):
    """One client connection: its address, the keys it offered, and the agent it proved to be."""

    def __init__(self, server: "DeskServer") -> None:
        self.server = server
        self.address = "?"
        self.offered: list[str] = []
        self.candidate: tuple[keys.KeyMatch, str] | None = None
        self.agent: tuple[keys.KeyMatch, str] | None = None
        self.conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername")
        self.address = f"{peer[0]}:{peer[1]}" if peer else "?"
        self.server.connections[conn] = self

    def connection_lost(self, exc: Exception | None) -> None:
        if self.conn is not None:
            self.server.connections.pop(self.conn, None)
        if self.agent is not None:
            match, fp = self.agent
            self.server.audit(match.agent_id, "ssh logout", f"key {fp} from {self.address}")
            log(f"logout {match.login} key {fp} from {self.address}")
        elif self.offered:
            fps = ", ".join(dict.fromkeys(self.offered))
            log(f"refused key {fps} from {self.address}: no agent has it (deskterm agent key add)")

    def begin_auth(self, username: str) -> bool:
        return True  # the key decides who you are; the user name is not asked

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def host_based_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        fp = str(key.get_fingerprint("sha256"))
        match = await asyncio.to_thread(keys.agent_for_key, self.server.desk, key.public_data)
        if match is None:
            self.offered.append(fp)
            return False
        if not match.active:
            log(f"refused key {fp} from {self.address}: agent {match.login} is inactive")
            self.server.audit(match.agent_id, "ssh refused", f"key {fp} from {self.address}: inactive")
            return False
        self.candidate = (match, fp)  # the signed request that follows proves it, or not
        return True

    def auth_completed(self) -> None:
        self.agent = self.candidate
        if self.agent is not None:
            match, fp = self.agent
            self.server.audit(match.agent_id, "ssh login", f"key {fp} from {self.address}")
            log(f"login {match.login} key {fp} from {self.address}")


class DeskServer:
    """The listening server, its sessions, and its hand-over secret."""

    def __init__(self, settings: Settings, desk: Desk, state_dir: Path) -> None:
        self.settings = settings
        self.desk = desk
        self.state_dir = state_dir
        self.id = secrets.token_hex(8)
        self.token = secrets.token_urlsafe(32)
        self.connections: dict[asyncssh.SSHServerConnection, _Connection] = {}
        self.stopping = asyncio.Event()
        self.tasks: set[asyncio.Task[None]] = set()
        self.registry: Registry | None = None

    def audit(self, agent_id: int, event: str, detail: str) -> None:
        """An audit row, written off the event loop; a database hiccup is logged, never fatal."""

        async def write() -> None:
            try:
                await asyncio.to_thread(keys.record_session, self.desk, agent_id, event, detail)
            except Exception as exc:
                log(f"could not audit {event} ({detail}): {exc}")

        task = asyncio.ensure_future(write())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _refusal(self, agent_id: int, command: str | None, terminal: bool) -> tuple[str | None, int]:
        """Why a session is refused before it starts, with its exit status (7: limits, 2: usage)."""
        assert self.registry is not None
        why = self.registry.refusal(agent_id)
        if why is None and self.stopping.is_set():
            why = "the desk server is stopping; try again in a moment"
        if why is not None:
            return why, EXIT_REFUSED
        if not command and not terminal:
            return "this session has no terminal for the desk; use ssh -t, or give a command", EXIT_USAGE
        return None, 0

    async def handle(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        """One session: refused over a limit, else the TUI or a command as the agent."""
        conn = process.channel.get_connection()
        owner = self.connections.get(conn) if isinstance(conn, asyncssh.SSHServerConnection) else None
        assert self.registry is not None
        if owner is None or owner.agent is None:
            process.exit(7)
            return
        match, fp = owner.agent
        command = process.command
        why, code = self._refusal(match.agent_id, command, process.get_terminal_type() is not None)
        argv: list[str] = []
        if why is None and command:
            try:
                argv = child.command_argv(command)
            except ValueError as exc:
                why, code = str(exc), EXIT_USAGE
        if why is not None:
            self.audit(match.agent_id, "ssh refused", f"key {fp} from {owner.address}: {why}")
            process.stderr.write(f"deskterm: {why}\n".encode())
            process.exit(code)
            return
        info = self.registry.add(
            SessionInfo(
                login=match.login,
                agent_id=match.agent_id,
                fingerprint=fp,
                address=owner.address,
                kind="command" if command else "tui",
                command=argv[0] if argv else "",
            )
        )
        grant = child.Grant(
            agent_id=match.agent_id,
            login=match.login,
            fingerprint=fp,
            server=self.id,
            token=self.token,
            db_url=self.settings.db,
            data_home=self.state_dir / "sessions" / f"{match.agent_id}",
        )
        env = child.environment(grant, process.get_terminal_type())
        idle = self.settings.serve.idle_timeout

        def started(pid: int) -> None:
            info.pid = pid
            self.registry.update() if self.registry else None

        code = 1
        try:
            if command:
                code = await child.run_command(process, argv, env, idle, self.stopping, started)
            else:
                code = await child.run_tui(process, env, idle, self.stopping, started)
        except Exception as exc:  # one session's failure is that session's
            log(f"session of {match.login} failed: {type(exc).__name__}: {exc}")
        finally:
            self.registry.remove(info)
            with contextlib.suppress(asyncssh.Error, OSError):
                process.exit(code)

    async def run(self, host: str, port: int, host_key: Path | None, out: TextIO) -> int:
        key, key_path, made = hostkey.load_or_create(host_key)
        await asyncio.to_thread(keys.register_server, self.desk, self.id, self.token)
        try:
            acceptor = await asyncssh.create_server(
                lambda: _Connection(self),
                host,
                port,
                server_host_keys=[key],
                process_factory=self.handle,
                encoding=None,
                line_editor=False,
                password_auth=False,
                kbdint_auth=False,
                x509_trusted_certs=None,
                agent_forwarding=False,
                x11_forwarding=False,
                allow_scp=False,
                login_timeout=30,
                keepalive_interval=60,
            )
        except BaseException:
            await asyncio.to_thread(keys.unregister_server, self.desk, self.id)
            raise
        bound = acceptor.sockets[0].getsockname() if acceptor.sockets else (host, port)
        listen = f"{bound[0]}:{bound[1]}"
        fingerprint = hostkey.fingerprint(key)
        self.registry = Registry(
            self.settings.serve,
            self.state_dir / STATE_NAME,
            {"pid": os.getpid(), "listen": listen, "host_key": fingerprint, "since": _now()},
        )
        self.registry.write()
        made_text = " (made now)" if made else ""
        print(f"deskterm serve ssh: listening on {listen}", file=out, flush=True)
        print(f"host key {fingerprint} ED25519 {key_path}{made_text}", file=out, flush=True)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)
        try:
            await self.stopping.wait()
            log("stopping: ending the sessions (drafts are saved)")
            acceptor.close()
            await self._drain()
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
            self.registry.clear()
            await asyncio.to_thread(keys.unregister_server, self.desk, self.id)
        log("stopped")
        return 0

    async def _drain(self) -> None:
        """Wait for the sessions to end (each hangs up on its process) and the audit to be written."""
        assert self.registry is not None
        deadline = asyncio.get_running_loop().time() + 4 * child.GRACE
        while self.registry.sessions and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.1)
        for conn in list(self.connections):
            conn.close()
        await asyncio.sleep(0.2)  # let the logouts be queued
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=10)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def serve(settings: Settings, listen: str, host_key: Path | None, out: TextIO) -> int:
    """Run the server until SIGTERM or SIGINT; 0 after a graceful stop."""
    host, _, port_text = listen.rpartition(":")
    desk = Desk.open(settings)
    try:
        server = DeskServer(settings, desk, hostkey.serve_dir())
        return asyncio.run(server.run(host.strip("[]") or "127.0.0.1", int(port_text), host_key, out))
    finally:
        desk.close()
