"""SVG snapshots of every screen at 80x24 and 120x40: frozen clock, seeded desk with hostile
and Chinese titles. Look at a changed SVG before accepting it (--snapshot-update)."""

import pytest

from deskterm.tui.app import DeskApp
from tests.tui.conftest import settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def _queue(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)


async def _detail(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def _log_call(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    await pilot.press(*"maria")
    await settle(pilot)


async def _help(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("question_mark")
    await settle(pilot)


async def _close_question(pilot) -> None:  # type: ignore[no-untyped-def]
    await _detail(pilot)
    await pilot.press("C")
    await settle(pilot)


async def _note_with_text(pilot) -> None:  # type: ignore[no-untyped-def]
    await _detail(pilot)
    await pilot.press("i")
    await settle(pilot)
    await pilot.press(*"Rebooted the print server; the queue drains again", "escape")
    await settle(pilot)


async def _agent_card(pilot) -> None:  # type: ignore[no-untyped-def]
    from deskterm.tui.commands import AgentProvider

    await settle(pilot)
    hits = [hit async for hit in AgentProvider(pilot.app.screen).search("alice")]
    hits[0].command()
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "run_before",
    [
        pytest.param(_queue, id="queue"),
        pytest.param(_detail, id="detail"),
        pytest.param(_log_call, id="log-call"),
        pytest.param(_help, id="help"),
        pytest.param(_close_question, id="close-question"),
        pytest.param(_note_with_text, id="discard-question"),
        pytest.param(_agent_card, id="agent-card"),
    ],
)
def test_screen(snap_compare, app: DeskApp, size: tuple[int, int], run_before) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app, terminal_size=size, run_before=run_before)
