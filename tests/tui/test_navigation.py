"""Navigation that cannot crash: records open, come back, and the stack stays bounded."""

from textual.screen import Screen

from deskterm.tui.app import MAX_PUSHED, DeskApp
from tests.tui.conftest import settle


def _names(app: DeskApp) -> list[str]:
    return [type(s).__name__ for s in app.screen_stack]


async def test_open_ticket_switch_mode_open_another_does_not_crash(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "TicketScreen"
        await pilot.press("2")
        await settle(pilot)
        assert _names(app) == ["SlaMonitorScreen"]
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "TicketScreen"
        await pilot.press("1")
        await settle(pilot)
        assert _names(app) == ["QueueScreen"]
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "TicketScreen"


async def test_same_ref_comes_back_and_stack_is_bounded(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.show_ticket("INC-1")
        await settle(pilot)
        app.show_ticket("INC-2")
        await settle(pilot)
        app.show_ticket("INC-1")
        await settle(pilot)
        assert _names(app) == ["QueueScreen", "TicketScreen"]
        for n in range(3, 3 + 3 * MAX_PUSHED):
            app.show_ticket(f"INC-{n}")
            await settle(pilot)
        assert len(app.screen_stack) <= MAX_PUSHED + 1
        for word in ("report", "report", "reports", "report"):
            await pilot.press("colon", *word, "enter")
            await settle(pilot)
        assert len(app.screen_stack) <= MAX_PUSHED + 1
        await pilot.press("1")
        await settle(pilot)
        assert _names(app) == ["QueueScreen"]


async def test_every_main_screen_from_every_main_screen(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        names = {
            "1": "QueueScreen",
            "2": "SlaMonitorScreen",
            "3": "ChangeBoardScreen",
            "4": "ProblemsScreen",
            "5": "EventConsoleScreen",
            "6": "HandoverScreen",
        }
        for first in names:
            for second in names:
                await pilot.press(first)
                await settle(pilot)
                await pilot.press("enter")
                await settle(pilot)
                await pilot.press(second)
                await settle(pilot)
                screen: Screen[object] = app.screen
                assert type(screen).__name__ == names[second], (first, second, _names(app))
