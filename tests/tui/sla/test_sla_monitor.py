"""The SLA monitor, the queue's SLA column and Breaching view, and the incident's clocks, by keys."""

from datetime import timedelta

import pytest

from deskterm.domain.core.clock import FixedClock
from deskterm.services.sla import sla
from deskterm.services.tickets.queue import QueueView
from deskterm.tui.app import DeskApp
from deskterm.tui.sla.sla_monitor import BANDS, SlaMonitorScreen, SlaTable
from deskterm.tui.tickets.queue import QueueScreen
from deskterm.tui.tickets.queue_table import QueueTable, time_left
from deskterm.tui.tickets.ticket import ExplainScreen, TicketScreen
from tests.tui.conftest import settle
from tests.tui.tickets.test_ticket_screen import screen_lines, screen_text

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def monitor(app: DeskApp) -> SlaMonitorScreen:
    screen = app.screen
    assert isinstance(screen, SlaMonitorScreen)
    return screen


def in_order(rows) -> bool:  # type: ignore[no-untyped-def]
    keys = [r.sort_key() for r in rows]
    return keys == sorted(keys)


async def test_2_opens_the_monitor_sorted_by_time_left_and_banded(app: DeskApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        screen = monitor(app)
        rows = screen.table.rows
        assert len(rows) == len(sla.monitor(app.desk))
        assert {r.band for r in rows} == set(BANDS), "the seeded desk has every band"
        assert in_order(rows)
        running = [r.left_seconds for r in rows if r.band != "paused" and r.left_seconds is not None]
        breached = [r for r in rows if r.band == "breached"]
        assert breached and rows[0].band == "breached" and rows[-1].band == "paused"
        assert all(r.left.startswith("-") for r in breached if r.left_seconds is not None)
        assert running[: len(breached)] == sorted(running[: len(breached)])
        text = screen_text(app)
        # Bands read by label and symbol, not only colour.
        for label in ("✖ BREACHED", "▲ AT RISK", "● ok"):
            assert label in text
        assert "Agreement" in text and "Business services SLA" in text
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_colon_sla_opens_the_monitor(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"sla", "enter")
        await settle(pilot)
        assert monitor(app).table.rows
        assert "not built yet" not in screen_text(app)


async def test_filters_by_keys_and_escape_clears_them(app: DeskApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        screen = monitor(app)
        everything = list(screen.table.rows)

        await pilot.press("f")  # breaching within 1h
        await settle(pilot)
        assert screen.within == 1
        within_1h = screen.table.rows
        assert within_1h and all(r.left_seconds is not None and r.left_seconds <= 3600 for r in within_1h)
        assert "within 1h" in screen_text(app)
        await pilot.press("f", "f")
        await settle(pilot)
        assert screen.within == 8
        assert len(screen.table.rows) >= len(within_1h)
        await pilot.press("f")
        await settle(pilot)
        assert screen.within is None and screen.table.rows == everything

        await pilot.press("b")  # band: breached only
        await settle(pilot)
        assert screen.band == "breached"
        assert screen.table.rows and {r.band for r in screen.table.rows} == {"breached"}
        await pilot.press("b", "b")
        await settle(pilot)
        assert screen.band == "ok" and {r.band for r in screen.table.rows} == {"ok"}

        await pilot.press("escape")
        await settle(pilot)
        assert screen.band is None and screen.table.rows == everything

        await pilot.press("slash", *"network")
        await settle(pilot)
        shown = screen.table.rows
        assert shown and len(shown) < len(everything)
        assert all("network" in (r.group + r.agreement).lower() for r in shown)
        await pilot.press("enter", "j")  # enter keeps the filter and gives the keys back to the list
        await settle(pilot)
        assert screen.table.cursor == 1 and screen.text == "network"
        await pilot.press("escape")
        await settle(pilot)
        assert screen.text == "" and screen.table.rows == everything


async def test_moving_and_enter_opens_the_ticket(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        screen = monitor(app)
        await pilot.press("G")
        assert screen.table.cursor == len(screen.table.rows) - 1
        await pilot.press("g", "j", "j", "k")
        assert screen.table.cursor == 1
        await pilot.press("pagedown")
        assert screen.table.cursor == 1 + screen.table.page_rows
        await pilot.press("pageup")
        assert screen.table.cursor == 1
        ref = screen.table.rows[1].ref
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.ref == ref
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and screen.table.cursor == 1


async def test_live_countdown_repaints_only_what_changed(app: DeskApp) -> None:
    clock = app.desk.clock
    assert isinstance(clock, FixedClock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        screen = monitor(app)
        before = list(screen.table.rows)
        painted = screen.table.repaints

        screen.tick()  # nothing moved: the same text, nothing drawn
        await settle(pilot)
        assert screen.table.rows == before and screen.table.repaints == painted

        clock.advance(timedelta(minutes=7))
        screen.tick()
        await settle(pilot)
        after = screen.table.rows
        assert [r.key for r in after] == [r.key for r in before] or screen.table.repaints > painted
        first = next(r for r in after if r.left_seconds is not None)
        was = next(r for r in before if r.key == first.key)
        assert first.left == time_left(was.left_seconds - 7 * 60)  # type: ignore[operator]
        changed = sum(1 for a, b in zip(before, after, strict=False) if a != b)
        visible = screen.table.page_rows
        assert screen.table.repaints - painted <= max(1, min(changed, visible))
        assert first.left in screen_text(app)


async def test_queue_has_an_sla_column_and_a_breaching_view(app: DeskApp) -> None:
    now = app.desk.clock.now()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        table = screen.query_one(QueueTable)
        assert "SLA" in screen_lines(app)[2]
        assert any(r.sla_due is not None for r in table.rows)
        while screen.query_spec.view is not QueueView.BREACHING:
            await pilot.press("v")
            await settle(pilot)
        rows = table.rows
        assert rows and all(r.status.is_open for r in rows)
        assert all(r.sla_due is not None and r.sla_due <= now + timedelta(hours=4) for r in rows)
        assert "[Breaching]" in screen_text(app)
        breaching = {r.ref for r in sla.monitor(app.desk, within_hours=4)}
        assert {r.ref for r in rows} == breaching
        while screen.query_spec.sort != "sla":
            await pilot.press("s")
            await settle(pilot)
        dues = [r.sla_due for r in table.rows]
        assert dues == sorted(dues)  # type: ignore[type-var]
        overdue = next(r for r in table.rows if r.sla_due is not None and r.sla_due < now)
        assert time_left((overdue.sla_due - now).total_seconds(), short=True) in screen_text(app)  # type: ignore[operator]


async def test_the_detail_shows_its_clocks_and_x_explains_them(app: DeskApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        ref = monitor(app).table.rows[0].ref  # the most overdue
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.ref == ref
        assert screen.explanation is not None and screen.explanation.clocks
        text = screen_text(app)
        assert "Clocks" in text and "✖ breached" in text and "resolution" in text
        assert "Business services SLA (SLA)" in text
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ExplainScreen)
        text = screen_text(app)
        assert f"SLA clocks of {ref}" in text and "outside business hours" in text
        assert "target" in text and "remaining" in text
        await pilot.press("j", "pagedown", "G", "escape")
        await settle(pilot)
        assert app.screen is screen


async def test_hostile_titles_show_as_typed_and_wide_text_aligns(app: DeskApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        text = screen_text(app)
        assert "[bold]not bold[/]" in text
        assert "\x1b" not in text
        lines = [line for line in screen_lines(app) if "BREACHED" in line or "● ok" in line]
        refs = {line.index("INC-") for line in lines if "INC-" in line}
        assert len(refs) == 1, "the ref column starts at the same cell on every row"


@pytest.mark.parametrize("size", SIZES)
def test_monitor_snapshot(snap_compare, app: DeskApp, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert pilot.app.screen.query_one(SlaTable).rows

    assert snap_compare(app, terminal_size=size, run_before=run_before)
