"""SVG snapshots of the event console at 80x24 and 120x40 (frozen clock, seeded desk with demo
events, a hostile and Chinese message). Look at a changed SVG before accepting it."""

import pytest

from deskterm.demo import events as demo_events
from deskterm.services.core.context import Desk
from deskterm.tui.app import DeskApp
from tests.tui.conftest import settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def _console(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("5")
    await settle(pilot)


async def _filtered(pilot) -> None:  # type: ignore[no-untyped-def]
    await _console(pilot)
    await pilot.press("s", "s", "j", "j")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "run_before", [pytest.param(_console, id="console"), pytest.param(_filtered, id="filtered")]
)
def test_event_console(snap_compare, tui_desk: Desk, app: DeskApp, size: tuple[int, int], run_before) -> None:  # type: ignore[no-untyped-def]
    demo_events.seed(tui_desk)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
