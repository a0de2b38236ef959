"""Who is connected: the sessions of a running server, its limits, and its state file.

The state file (0600, replaced whole on each change) is how ``deskterm serve ssh --status``
sees a running server without talking to it: the server's pid, address and host key
fingerprint, and one line per session. A state file whose pid is gone belongs to a server that
was killed; ``--status`` says so rather than listing ghosts.
"""

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any

from deskterm.config import ServeSettings

STATE_NAME = "ssh-state.json"


@dataclass
class SessionInfo:
    """One SSH session: who, with which key, from where, doing what."""

    login: str
    agent_id: int
    fingerprint: str
    address: str
    kind: str  # "tui" or "command"
    command: str = ""  # the command's first word (a command session)
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    pid: int | None = None
    id: int = 0


class Registry:
    """The open sessions, the limits they are admitted under, and the state file."""

    def __init__(self, limits: ServeSettings, state_path: Path, server: dict[str, Any]) -> None:
        self.limits = limits
        self.state_path = state_path
        self.server = server
        self.sessions: dict[int, SessionInfo] = {}
        self._ids = count(1)

    def refusal(self, agent_id: int) -> str | None:
        """Why one more session of this agent is refused now, or None."""
        if len(self.sessions) >= self.limits.max_sessions:
            return f"the server has its maximum of {self.limits.max_sessions} sessions; try again later"
        mine = sum(1 for s in self.sessions.values() if s.agent_id == agent_id)
        if mine >= self.limits.max_sessions_per_agent:
            return f"you have {mine} sessions open, the most one agent may have; close one and try again"
        return None

    def add(self, info: SessionInfo) -> SessionInfo:
        info.id = next(self._ids)
        self.sessions[info.id] = info
        self.write()
        return info

    def update(self) -> None:
        self.write()

    def remove(self, info: SessionInfo) -> None:
        self.sessions.pop(info.id, None)
        self.write()

    def write(self) -> None:
        state = {**self.server, "sessions": [asdict(s) for s in self.sessions.values()]}
        tmp = self.state_path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(state, fh)
        os.replace(tmp, self.state_path)

    def clear(self) -> None:
        self.state_path.unlink(missing_ok=True)


def read_state(state_path: Path) -> dict[str, Any] | None:
    """The running server's state, or None when no server runs (or it was killed)."""
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict):
        return None
    pid = state.get("pid")
    if not isinstance(pid, int) or not _alive(pid):
        return None
    return state


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
