"""SVG snapshots of the handover and reports screens at 80x24 and 120x40 (seeded desk, frozen
clock, past handovers and survey answers from demo_handover, a draft note on this shift)."""

import pytest

from deskterm.demo import handover as demo_handover
from deskterm.services.core.context import Desk
from deskterm.services.handover import handover
from deskterm.tui.app import DeskApp
from tests.tui.conftest import settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def seeded_app(app: DeskApp, tui_desk: Desk) -> DeskApp:
    demo_handover.seed(tui_desk, seed=3)
    handover.set_note(tui_desk, "Printers on floor 3 still down; vendor due at 11:00")
    handover.set_item_note(tui_desk, "INC-233", "Bridge call every hour; next at 10:00")
    return app


async def _handover(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("6")
    await settle(pilot)


async def _previous(pilot) -> None:  # type: ignore[no-untyped-def]
    await _handover(pilot)
    await pilot.press("left_square_bracket")
    await settle(pilot)


async def _history(pilot) -> None:  # type: ignore[no-untyped-def]
    await _handover(pilot)
    await pilot.press("l")
    await settle(pilot)


async def _reports(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("colon", *"reports", "enter")
    await settle(pilot)


async def _volume_by_hour(pilot) -> None:  # type: ignore[no-untyped-def]
    await _reports(pilot)
    for _ in range(2):  # mttr -> ... -> volume is 7 steps forward, 2 back
        await pilot.press("N")
        await settle(pilot)
    await pilot.press("b")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "run_before",
    [
        pytest.param(_handover, id="handover"),
        pytest.param(_previous, id="handover-signed-off"),
        pytest.param(_history, id="handover-history"),
        pytest.param(_reports, id="reports"),
        pytest.param(_volume_by_hour, id="reports-volume-by-hour"),
    ],
)
def test_screen(snap_compare, seeded_app: DeskApp, size: tuple[int, int], run_before) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(seeded_app, terminal_size=size, run_before=run_before)
