"""SVG snapshots of change management at 80x24 and 120x40: the board, a change's detail,
the forward schedule of change (week and month) and the KPIs, on the seeded desk with the
demo changes on top (frozen clock). Look at a changed SVG before accepting it."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskterm.demo import changes as demo_changes
from deskterm.domain.core.clock import FixedClock
from deskterm.tui.app import DeskApp
from tests.conftest import FROZEN, IDENTITY, open_desk
from tests.tui.conftest import settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture(scope="session")
def changes_template(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded desk with the demo CABs, windows and changes added."""
    target = tmp_path_factory.mktemp("changes") / "changes.sqlite"
    shutil.copy(seeded_template, target)
    desk = open_desk(f"sqlite:///{target}", FixedClock(FROZEN))
    demo_changes.seed(desk, seed=1)
    desk.close()
    return target


@pytest.fixture
def change_app(changes_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DeskApp]:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    target = tmp_path / "desk.sqlite"
    shutil.copy(changes_template, target)
    desk = open_desk(f"sqlite:///{target}", FixedClock(FROZEN), IDENTITY)
    yield DeskApp(desk, poll=False)
    desk.close()


async def _board(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    await pilot.press("l", "l")  # authorisation, between assessment and scheduled
    await settle(pilot)


async def _detail(pilot) -> None:  # type: ignore[no-untyped-def]
    await _board(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def _week(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)


async def _month(pilot) -> None:  # type: ignore[no-untyped-def]
    await _week(pilot)
    await pilot.press("p")
    await settle(pilot)


async def _kpi(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    await pilot.press("K")
    await settle(pilot)
    for _ in range(50):  # the table is painted a frame after its rows arrive
        if getattr(pilot.app.screen, "loads", 0):
            break
        await pilot.pause(0.05)
    await pilot.pause(0.1)
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "run_before",
    [
        pytest.param(_board, id="board"),
        pytest.param(_detail, id="detail"),
        pytest.param(_week, id="calendar-week"),
        pytest.param(_month, id="calendar-month"),
        pytest.param(_kpi, id="kpi"),
    ],
)
def test_change_screen(snap_compare, change_app: DeskApp, size: tuple[int, int], run_before) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(change_app, terminal_size=size, run_before=run_before)
