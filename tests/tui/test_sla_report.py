"""The service level report screen: period by keys, breaches open their tickets."""

from textual.widgets import DataTable

from deskterm.services import sla_reports
from deskterm.tui.app import DeskApp
from deskterm.tui.screens.sla_report import SlaReportScreen
from deskterm.tui.screens.ticket import TicketScreen
from tests.tui.conftest import settle


async def test_report_screen_shows_targets_and_opens_a_breach(app: DeskApp) -> None:
    today = app.desk.clock.now().date()
    from datetime import timedelta

    expected = sla_reports.report(app.desk, today - timedelta(days=29), today)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"report", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SlaReportScreen)
        rows = app.screen.query_one("#report-rows", DataTable)
        assert rows.row_count == len(expected.rows)
        breaches = app.screen.query_one("#report-breaches", DataTable)
        assert breaches.row_count == len(expected.breaches)
        await pilot.press("m")  # a week
        await settle(pilot)
        assert app.screen.days == 7
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert app.screen.period_to == today - timedelta(days=7)
        await pilot.press("right_square_bracket", "m")  # back to 30 days ending today
        await settle(pilot)
        assert app.screen.period_to == today and app.screen.days == 30
        if expected.breaches:
            await pilot.press("enter", "enter")  # focus the breaches, open the first
            await settle(pilot)
            assert isinstance(app.screen, TicketScreen)
            assert app.screen.ref == expected.breaches[0].ref
