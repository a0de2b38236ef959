"""The service level report screen: period by keys, breaches open their tickets."""

from textual.widgets import DataTable

from deskterm.services.sla import sla_reports
from deskterm.tui.app import DeskApp
from deskterm.tui.sla.sla_report import SlaReportScreen
from deskterm.tui.tickets.ticket import TicketScreen
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
        await pilot.press("p")  # a week
        await settle(pilot)
        assert app.screen.days == 7
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert app.screen.period_to == today - timedelta(days=7)
        await pilot.press("right_square_bracket", "p")  # back to 30 days ending today
        await settle(pilot)
        assert app.screen.period_to == today and app.screen.days == 30
        if expected.breaches:
            await pilot.press("enter", "enter")  # focus the breaches, open the first
            await settle(pilot)
            assert isinstance(app.screen, TicketScreen)
            assert app.screen.ref == expected.breaches[0].ref


async def test_a_breach_becomes_an_improvement_plan_item_by_keys(app: DeskApp) -> None:
    from datetime import timedelta

    today = app.desk.clock.now().date()
    expected = sla_reports.report(app.desk, today - timedelta(days=29), today)
    assert expected.breaches, "the seeded desk has breaches in the last 30 days"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"report", "enter")
        await settle(pilot)
        await pilot.press("enter")  # to the breaches
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("tab", *"emma.clarke", "tab", "end", "ctrl+u", *"2026-12-01")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SlaReportScreen)
        plan = app.screen.query_one("#report-sip", DataTable)
        assert plan.row_count == 1
    items = sla_reports.list_sip(app.desk)
    assert [(i.ticket, i.owner, i.due_date.isoformat()) for i in items] == [
        (expected.breaches[0].ref, "emma.clarke", "2026-12-01")
    ]
    assert expected.breaches[0].ref in items[0].title


async def test_a_bad_due_date_keeps_the_dialog_and_says_what_to_type(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"report", "enter")
        await settle(pilot)
        await pilot.press("enter", "i")
        await settle(pilot)
        await pilot.press("tab", "tab", "end", "ctrl+u", *"next week", "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, SlaReportScreen)  # still the dialog, nothing lost
        error = app.screen.query_one("#error-due")
        assert error.display and "2026-12-31" in str(error.render())
    assert sla_reports.list_sip(app.desk) == []
