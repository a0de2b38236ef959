"""SVG snapshots of the problems list, a problem's detail and the KEDB dialog at 80x24 and
120x40 (frozen clock, seeded desk with the demo problems). Look at each before accepting."""

import pytest

from deskterm.demo import problems as demo_problems
from deskterm.services.core.context import Desk
from deskterm.tui.app import DeskApp
from tests.tui.conftest import settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def _list(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)


async def _detail(pilot) -> None:  # type: ignore[no-untyped-def]
    await _list(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def _kedb(pilot) -> None:  # type: ignore[no-untyped-def]
    await _list(pilot)
    await pilot.press("K", *"邮件 outlook")
    await settle(pilot)


@pytest.fixture
def prb_app(app: DeskApp, tui_desk: Desk) -> DeskApp:
    demo_problems.seed(tui_desk, seed=1)
    return app


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "run_before",
    [
        pytest.param(_list, id="problems"),
        pytest.param(_detail, id="problem-detail"),
        pytest.param(_kedb, id="kedb-search"),
    ],
)
def test_screen(snap_compare, prb_app: DeskApp, size: tuple[int, int], run_before) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(prb_app, terminal_size=size, run_before=run_before)
