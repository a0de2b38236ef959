"""A thread worker whose screen closes while it runs (CI, monkey seed 2: NoActiveAppError)."""

import threading

from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Label

from deskterm.tui.app import DeskApp
from deskterm.tui.base.desk_app import alive


class SlowScreen(Screen[None]):
    """Loads for as long as the test holds the gate, then hands its result to the UI."""

    def __init__(self, gate: threading.Event, outcome: list[str]) -> None:
        super().__init__()
        self.gate, self.outcome = gate, outcome

    def compose(self) -> ComposeResult:
        yield Label("loading", id="slow")

    def on_mount(self) -> None:
        self.load()

    @work(thread=True)
    def load(self) -> None:
        self.gate.wait(10)
        try:
            self.app.call_from_thread(alive(self, self.outcome.append), "shown")
            self.app.call_from_thread(self.notify, "the load failed")
            self.outcome.append("delivered")
        except Exception as exc:  # the bug: the worker dies and takes the desk with it
            self.outcome.append(repr(exc))


async def test_a_worker_outliving_its_screen_is_dropped_not_fatal(app: DeskApp) -> None:
    gate, outcome = threading.Event(), list[str]()
    async with app.run_test(size=(80, 24)) as pilot:
        slow = SlowScreen(gate, outcome)
        app.push_screen(slow)
        await pilot.pause()
        app.pop_screen()  # the agent pressed escape before the load finished
        await pilot.pause()
        gate.set()
        for _ in range(50):
            if outcome:
                break
            await pilot.pause(0.05)
        assert outcome == ["delivered"]  # nothing shown on the closed screen, nothing raised
        assert app.is_running
