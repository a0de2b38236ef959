"""The read-only wallboard: large counts per band and the soonest targets."""

from textual.widgets import Digits

from deskterm.services.core.context import Desk
from deskterm.services.sla import sla
from deskterm.tui.sla.wall import WallApp
from tests.tui.conftest import settle


async def test_the_wallboard_counts_clocks_by_band(tui_desk: Desk) -> None:
    figures = sla.band_counts(tui_desk)
    expected = {
        "breached": figures.breached,
        "at-risk": figures.at_risk,
        "ok": figures.ok,
        "paused": figures.paused,
    }
    rows = sla.monitor(tui_desk, limit=5000)
    assert sum(expected.values()) == len(rows)
    app = WallApp(tui_desk, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for band in ("breached", "at-risk", "ok", "paused"):
            shown = app.query_one(f"#count-{band}", Digits).value
            assert shown == str(expected[band]) == str(sum(1 for r in rows if r.band == band))
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running


async def test_c_shows_the_change_calendar_read_only_and_escape_comes_back(tui_desk: Desk) -> None:
    from deskterm.tui.sla.wall import WallCalendarScreen

    app = WallApp(tui_desk, poll=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, WallCalendarScreen)
        assert app.screen.loads >= 1
        await pilot.press("enter")  # opens nothing: the wall only shows the schedule
        await settle(pilot)
        assert isinstance(app.screen, WallCalendarScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, WallCalendarScreen) and app.is_running
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running
