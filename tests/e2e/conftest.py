"""Fixtures of the terminal tests: tmux is required, each test gets its own desk and terminals."""

import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.terminal import DESKTERM, SOCKETS, TMUX, Terminal

# the seeded TUI desk (demo tickets, the caller María 王, hostile titles), found by name
from tests.tui.conftest import seeded_template, seeded_url  # noqa: F401


@pytest.fixture(autouse=True)
def _need_tmux() -> None:
    if TMUX is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but tmux is not installed: the terminal tests cannot run")
        pytest.skip("tmux is not installed (apt-get install tmux); the terminal tests need it")
    assert DESKTERM.exists(), f"the deskterm command is not installed next to {sys.executable}"


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
        term = Terminal(f"deskterm-e2e-{os.getpid()}-{next(SOCKETS)}-{time.monotonic_ns()}")
        started.append(term)
        term.start(env, width=width, height=height)
        return term

    yield start
    for term in started:
        term.close()
