"""TUI fixtures: one seeded desk (demo data plus hostile and Chinese titles), a frozen clock,
a fixed agent, copied fresh for each test so that tests never see each other's writes."""

import shutil
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from deskterm.demo.tickets import generate_demo
from deskterm.domain.core.clock import FixedClock
from deskterm.services.core.commands import AddContact, LogIncident
from deskterm.services.core.context import Desk
from deskterm.services.people import people
from deskterm.services.sla import sla_definitions
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
    generate_demo(desk, tickets=300, seed=11)
    definitions = resources.files("deskterm.demo").joinpath("sla.toml").read_text(encoding="utf-8")
    sla_definitions.apply(desk, definitions, "demo_sla.toml")
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


@pytest.fixture
def app(tui_desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DeskApp:
    """The app without its timer (tests trigger refresh themselves) and a private drafts dir."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return DeskApp(tui_desk, poll=False)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait until every worker (database calls) is done and the screen has caught up."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


@pytest.fixture(scope="session")
def big_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A desk with 6000 tickets: more open ones than one window of the queue holds."""
    folder = tmp_path_factory.mktemp("big")
    url = fresh_sqlite(sqlite_template, folder)
    desk = open_desk(url, FixedClock(FROZEN))
    generate_demo(desk, tickets=6000, seed=5)
    desk.close()
    return Path(url.removeprefix("sqlite:///"))


@pytest.fixture
def big_app(big_template: Path, tmp_path: Path) -> Iterator[DeskApp]:
    target = tmp_path / "big.sqlite"
    shutil.copy(big_template, target)
    desk = open_desk(f"sqlite:///{target}", FixedClock(FROZEN), IDENTITY)
    yield DeskApp(desk, poll=False)
    desk.close()
