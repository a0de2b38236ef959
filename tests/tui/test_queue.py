"""The queue by keys: views, filter, sort, selection and bulk actions, take next, open, jump."""

from deskterm.services import tickets
from deskterm.tui.app import DeskApp
from deskterm.tui.screens.queue import QueueScreen
from deskterm.tui.widgets.queue_table import QueueTable
from tests.tui.conftest import settle


def table(app: DeskApp) -> QueueTable:
    return app.screen.query_one(QueueTable)


async def test_the_queue_opens_on_all_open_tickets_most_urgent_first(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        rows = table(app).rows
        assert rows, "the queue shows tickets"
        assert [r.priority.value for r in rows] == sorted(r.priority.value for r in rows)
        assert all(r.status.is_open for r in rows)
        assert table(app).total == len(tickets.list_tickets(app.desk, open_only=True, limit=10_000))


async def test_filter_as_you_type_and_escape_clears(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = table(app).total
        await pilot.press("slash", *"邮件")
        await settle(pilot)
        shown = table(app).rows
        assert shown and all("邮件" in (r.title + r.caller + (r.service or "")) for r in shown)
        await pilot.press("escape")
        await settle(pilot)
        assert table(app).total == before
