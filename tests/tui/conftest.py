"""TUI fixtures: one seeded desk (demo data plus hostile and Chinese titles), a frozen clock,
a fixed agent, copied fresh for each test so that tests never see each other's writes."""

import asyncio
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from deskterm import demo
from deskterm.domain.core.clock import FixedClock
from deskterm.services.core.commands import AddContact, LogIncident
from deskterm.services.core.context import Desk
from deskterm.services.people import people
from deskterm.services.tickets import tickets
from deskterm.tui.app import DeskApp
from tests.conftest import FROZEN, IDENTITY, fresh_sqlite, open_desk

HOSTILE = [
    ("[bold]not bold[/] and [/] and [link=http://x]link[/link]", "high", "high"),
    ("红色警报 \x1b[31mescape\x1b[0m 打印机卡纸", "high", "high"),
    ("邮件系统全部无法登录", "high", "medium"),
]


@pytest.fixture(scope="session")
def seeded_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite desk with 300 demo tickets, the demo SLA definitions (so every open
    ticket has clocks) and three hostile tickets on top."""
    folder = tmp_path_factory.mktemp("seeded")
    url = fresh_sqlite(sqlite_template, folder)
    desk = open_desk(url, FixedClock(FROZEN))
    demo.seed(desk, tickets=300, seed=11, operations=False)
    caller = people.add_contact(desk, AddContact(name="María 王", email="maria.wang@example.com"))
    for title, impact, urgency in HOSTILE:
        tickets.log_incident(
            desk,
            LogIncident(title=title, caller=f"#{caller.id}", impact=impact, urgency=urgency, service="Email"),
        )
    desk.close()
    return Path(url.removeprefix("sqlite:///"))


@pytest.fixture
def seeded_url(seeded_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "desk.sqlite"
    shutil.copy(seeded_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def tui_desk(seeded_url: str) -> Iterator[Desk]:
    desk = open_desk(seeded_url, FixedClock(FROZEN), IDENTITY)
    yield desk
    desk.close()


@pytest.fixture(autouse=True)
def _steady_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text cursors do not blink in the TUI tests: they stay as focus left them. A blink every
    half second would let a snapshot taken on a busy machine catch the cursor off."""
    monkeypatch.setattr(Input, "_toggle_cursor", _cursor_on)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)


def _cursor_on(self: Input) -> None:
    self._cursor_visible = True


@pytest.fixture
def app(tui_desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DeskApp:
    """The app without its timer (tests trigger refresh themselves) and a private drafts dir."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return DeskApp(tui_desk, poll=False)


SETTLE_TIMEOUT = 60.0  # seconds: generous, for a machine whose cores are busy with other work


def _quiet(app: DeskApp) -> bool:
    """No worker running, no key typed ahead waiting, nothing left to lay out or paint."""
    if any(not worker.is_finished for worker in app.workers):
        return False
    if getattr(getattr(app, "keys", None), "busy", False):  # the app's KeyOrder
        return False
    try:
        screen = app.screen
    except Exception:  # between screens
        return False
    pending = ("_layout_required", "_scroll_required", "_repaint_required", "_recompose_required")
    return not any(getattr(screen, name, False) for name in pending) and not getattr(
        screen, "_dirty_widgets", None
    )


async def settle(pilot, *, timeout: float = SETTLE_TIMEOUT) -> None:  # type: ignore[no-untyped-def]
    """Wait until the app is quiet: every worker (database calls) done, every key and message
    handled and the screen repainted, and still so one round later (a handler may start the
    next worker). Not a fixed number of rounds: it waits as long as the app is busy, up to
    ``timeout``. A test that needs a particular result on screen waits for it with ``wait_for``."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    rounds = quiet = 0
    while rounds < 3 or quiet < 2:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            busy = [w.name for w in app.workers if not w.is_finished]
            raise AssertionError(f"the app was still busy after {timeout:.0f} s (workers: {busy})")
        running = [worker for worker in app.workers if not worker.is_finished]
        if running:  # a worker that fails or is cancelled (its screen closed) is done too
            waiting = asyncio.gather(*(worker.wait() for worker in running), return_exceptions=True)
            try:
                await asyncio.wait_for(waiting, remaining)
            except TimeoutError:
                continue
        await pilot.pause()
        rounds += 1
        quiet = quiet + 1 if _quiet(app) else 0


async def wait_for(  # type: ignore[no-untyped-def]
    pilot,
    condition: Callable[[], object],
    *,
    timeout: float = 30.0,
    message: str = "",
) -> None:
    """Pause the app until ``condition()`` holds; fail with ``message`` after ``timeout`` seconds.

    The wait for what a test needs (a row drawn, a screen pushed, a worker's result on screen),
    however slow the machine: never a fixed number of rounds, never a sleep.
    """
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return
        if time.monotonic() > deadline:
            what = message or getattr(condition, "__name__", repr(condition))
            raise AssertionError(
                f"waited {timeout:.0f} s for {what}; the screen is {type(pilot.app.screen).__name__}"
            )
        await pilot.pause()


@pytest.fixture(scope="session")
def big_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A desk with 6000 tickets: more open ones than one window of the queue holds."""
    folder = tmp_path_factory.mktemp("big")
    url = fresh_sqlite(sqlite_template, folder)
    desk = open_desk(url, FixedClock(FROZEN))
    demo.generate_demo(desk, tickets=6000, seed=5)
    desk.close()
    return Path(url.removeprefix("sqlite:///"))


@pytest.fixture
def big_app(big_template: Path, tmp_path: Path) -> Iterator[DeskApp]:
    target = tmp_path / "big.sqlite"
    shutil.copy(big_template, target)
    desk = open_desk(f"sqlite:///{target}", FixedClock(FROZEN), IDENTITY)
    yield DeskApp(desk, poll=False)
    desk.close()
