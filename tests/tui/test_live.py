"""Two agents at once: this process drives the desk through Pilot, with the live pulse on; a
separate OS process (the real ``deskterm`` command) is the other agent.

The app polls ``queue.pulse`` every POLL_SECONDS; what the other agent does must show within
two seconds without losing the agent's place (cursor, window, filter), and an edit prepared
on a version that changed meanwhile must be refused with a conflict naming what and who.
The tests wait in small real steps and read the widgets, not screenshots.
"""

import asyncio
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, Label, TextArea

from deskterm.services.core.commands import AddContact, LogIncident
from deskterm.services.core.context import Desk
from deskterm.services.core.identity import current_identity
from deskterm.services.people import people
from deskterm.services.tickets import queue, tickets
from deskterm.services.tickets.queue import QueueQuery, queue_page
from deskterm.tui.app import POLL_SECONDS, DeskApp
from deskterm.tui.base.form import FormDialog
from deskterm.tui.tickets.queue import QueueScreen
from deskterm.tui.tickets.queue_table import QueueTable
from deskterm.tui.tickets.ticket import TicketScreen
from tests.conftest import FROZEN
from tests.tui.conftest import settle

DESKTERM = Path(sys.executable).parent / "deskterm"
WITHIN = 2.0  # seconds the other agent's change may take to show
OTHER = current_identity().login  # the other process acts as the OS account


@pytest.fixture
def live(tui_desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DeskApp:
    """The app as ``deskterm`` runs it: polling the pulse on its timer."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert POLL_SECONDS <= 1.0
    return DeskApp(tui_desk)


async def other_agent(url: str, *args: str) -> float:
    """Run ``deskterm --db URL ARGS`` as a separate process; returns when it has finished."""
    proc = await asyncio.create_subprocess_exec(
        str(DESKTERM),
        "--db",
        url,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, f"deskterm {' '.join(args)} failed ({proc.returncode}): {err.decode()}"
    return time.monotonic()


async def eventually(check: Callable[[], bool], what: str, since: float, within: float = WITHIN) -> float:
    """Wait in small real steps until ``check()`` holds; fail after ``within`` seconds."""
    while not check():
        if time.monotonic() - since > within:
            pytest.fail(f"{what} did not show within {within} s")
        await asyncio.sleep(0.05)
    return time.monotonic() - since


def queue_table(app: DeskApp) -> QueueTable:
    assert isinstance(app.screen, QueueScreen)
    return app.screen.query_one(QueueTable)


def title_of(table: QueueTable, ref: str) -> str | None:
    return next((r.title for r in table.rows if r.ref == ref), None)


async def test_another_agents_title_change_shows_and_cursor_and_filter_stay(
    live: DeskApp, seeded_url: str
) -> None:
    async with live.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"María")
        await settle(pilot)
        await pilot.press("enter", "j")  # enter: the table has the keys again, the filter stays
        await settle(pilot)
        table = queue_table(live)
        assert len(table.rows) >= 3, "the filter leaves María's three tickets"
        assert table.cursor == 1
        mine = table.current
        assert mine is not None
        other = table.rows[2].ref

        done = await other_agent(
            seeded_url, "ticket", "update", mine.ref, "--title", "María 的打印机又卡纸了"
        )
        took = await eventually(
            lambda: title_of(table, mine.ref) == "María 的打印机又卡纸了", "the new title", since=done
        )
        assert table.current is not None and table.current.ref == mine.ref, "the cursor stays on the ticket"
        assert table.cursor == 1
        box = live.screen.query_one("#queue-filter", Input)
        assert box.value == "María" and box.display, "the filter text stays"
        assert table.query_spec.text == "María"
        assert live.focused is table

        # A change to a ticket not under the cursor shows too, and the cursor still does not move.
        done = await other_agent(seeded_url, "ticket", "update", other, "--title", "María: second change")
        second = await eventually(lambda: title_of(table, other) == "María: second change", "it", done)
        took = max(took, second)
        assert table.current is not None and table.current.ref == mine.ref
        print(f"live refresh took {took:.2f} s at most")


async def test_the_cursor_follows_its_ticket_when_another_agent_reorders_the_queue(
    live: DeskApp, seeded_url: str
) -> None:
    async with live.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"María", "enter")
        await settle(pilot)
        table = queue_table(live)
        first, second = table.rows[0], table.rows[1]
        await pilot.press("j")
        assert table.current is not None and table.current.ref == second.ref

        # the first row drops to P5: it sorts below the cursor's ticket now
        done = await other_agent(
            seeded_url, "ticket", "update", first.ref, "--impact", "low", "--urgency", "low"
        )
        await eventually(lambda: table.rows[-1].ref == first.ref, "the new order", since=done)
        assert table.current is not None and table.current.ref == second.ref
        assert table.cursor == 0


async def test_repeated_refreshes_keep_a_scrolled_window_in_place(live: DeskApp, seeded_url: str) -> None:
    """Down the queue (the window no longer starts at the first row), refresh after refresh."""
    async with live.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = queue_table(live)
        await pilot.press("pagedown", "pagedown", "j", "j", *"kkkkk")
        await settle(pilot)
        assert table.top > 0, "scrolled: the window starts below the first row"
        assert 0 < table.cursor - table.top < table.page_rows - 1, "the cursor is mid-screen"
        top_ref = table.rows[table.top].ref
        mine = table.current
        assert mine is not None
        screen_pos = table.cursor - table.top

        for n in range(3):
            new = f"Scrolled refresh {n}"
            done = await other_agent(seeded_url, "ticket", "update", mine.ref, "--title", new)
            await eventually(lambda new=new: title_of(table, mine.ref) == new, f"refresh {n}", since=done)
            await settle(pilot)
            assert table.current is not None and table.current.ref == mine.ref, f"cursor, refresh {n}"
            assert table.rows[table.top].ref == top_ref, f"the window moved on refresh {n}"
            assert table.cursor - table.top == screen_pos, f"the cursor moved on screen on refresh {n}"


async def test_an_open_ticket_shows_another_agents_note(live: DeskApp, seeded_url: str) -> None:
    async with live.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        ref = queue_table(live).rows[0].ref
        await pilot.press("enter")
        await settle(pilot)
        screen = live.screen
        assert isinstance(screen, TicketScreen) and screen.view is not None
        assert screen.view.ref == ref

        body = "Caller rang back: 打印机又好了"
        done = await other_agent(seeded_url, "ticket", "note", ref, body, "--minutes", "3")
        await eventually(
            lambda: screen.view is not None and any(n.body == body for n in screen.view.notes),
            "the other agent's note",
            since=done,
        )
        note = next(n for n in screen.view.notes if n.body == body)
        assert note.author == OTHER

        done = await other_agent(seeded_url, "ticket", "update", ref, "--title", "Retitled elsewhere")
        await eventually(
            lambda: screen.view is not None and screen.view.title == "Retitled elsewhere",
            "the other agent's new title",
            since=done,
        )
        assert live.screen is screen


async def test_saving_over_another_agents_change_is_a_conflict_naming_what_and_who(
    live: DeskApp, tui_desk: Desk, seeded_url: str
) -> None:
    async with live.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        ref = queue_table(live).rows[0].ref
        await pilot.press("enter")
        await settle(pilot)
        screen = live.screen
        assert isinstance(screen, TicketScreen) and screen.view is not None
        seen = screen.view.version

        await pilot.press("R")  # the resolve dialog carries the version the agent saw
        await settle(pilot)
        dialog = live.screen
        assert isinstance(dialog, FormDialog)

        done = await other_agent(seeded_url, "ticket", "update", ref, "--title", "Changed while you typed")
        await eventually(
            lambda: screen.view is not None and screen.view.version > seen, "the change underneath", done
        )
        assert live.screen is dialog, "the dialog stays open over the reloaded ticket"

        await pilot.press("tab", *"Rebooted the print server")
        assert dialog.query_one("#field-resolution", TextArea).text == "Rebooted the print server"
        await pilot.press("ctrl+s")
        error = dialog.query_one("#error-form", Label)
        await eventually(lambda: bool(error.display and str(error.content)), "the conflict", time.monotonic())

        said = str(error.content)
        assert "changed since you saw it" in said
        assert f"version {seen}" in said
        assert "title" in said and OTHER in said, said
        assert live.screen is dialog, "the dialog stays with what was typed"
        assert dialog.query_one("#field-resolution", TextArea).text == "Rebooted the print server"

        now = tickets.get_ticket(tui_desk, ref)
        assert now.status.value != "resolved"
        assert now.resolution is None
        assert now.title == "Changed while you typed"


def test_the_other_agent_is_not_the_tests_agent(tui_desk: Desk) -> None:
    """The conflict test relies on two different agents: alice here, the OS account there."""
    assert tui_desk.whoami().login == "alice" != OTHER
    assert queue_page(tui_desk, QueueQuery(text="María")).rows


async def test_our_own_change_made_while_a_pulse_is_reading_is_not_missed(
    tui_desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``changed_here`` after our own write must look again even when a pulse is in flight.

    A pulse that read the desk just before the write brings the old token back; if the look
    asked for meanwhile is dropped, the queue waits for the next tick (or, without the timer,
    forever). No timer here, so only ``changed_here`` can bring the new call into the queue.
    """
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    app = DeskApp(tui_desk, poll=False)
    real_pulse = queue.pulse
    hold, has_read, release = threading.Event(), threading.Event(), threading.Event()

    def slow_pulse(desk: Desk) -> queue.Pulse:
        fresh = real_pulse(desk)
        if hold.is_set():
            hold.clear()
            has_read.set()
            release.wait(10)
        return fresh

    monkeypatch.setattr(queue, "pulse", slow_pulse)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = queue_table(app)
        hold.set()
        app.changed_here()  # a pulse starts and reads the desk as it is now
        await eventually(has_read.is_set, "the pulse reading", since=time.monotonic())

        caller = people.add_contact(tui_desk, AddContact(name="Late Caller", email="late@example.com"))
        new = tickets.log_incident(
            tui_desk,
            LogIncident(title="Logged during a pulse", caller=f"#{caller.id}", impact="high", urgency="high"),
        )
        app.changed_here()  # what the log-call dialog does after saving
        release.set()
        await eventually(
            lambda: any(r.ref == new.ref for r in table.rows), "our own new call", since=time.monotonic()
        )


async def test_a_change_by_an_agent_whose_clock_is_behind_still_shows(live: DeskApp, seeded_url: str) -> None:
    """Each agent stamps its writes with its own clock; the pulse must not depend on those stamps
    (a change stamped before the newest one would change no max(updated_at) token)."""
    async with live.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = queue_table(live)
        ref = table.rows[0].ref
        behind = FROZEN - timedelta(minutes=1)  # the seeded desk's latest change is at FROZEN
        script = (
            "import sys, datetime\n"
            "from deskterm.config import Settings\n"
            "from deskterm.domain.core.clock import FixedClock\n"
            "from deskterm.services.tickets import tickets\n"
            "from deskterm.services.core.commands import UpdateTicket\n"
            "from deskterm.services.core.context import Desk\n"
            "clock = FixedClock(datetime.datetime.fromisoformat(sys.argv[2]))\n"
            "desk = Desk.open(Settings(db=sys.argv[1]), clock=clock)\n"
            "tickets.update_ticket(desk, UpdateTicket(ref=sys.argv[3], title='Changed by a slow clock'))\n"
            "desk.close()\n"
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, seeded_url, behind.isoformat(), ref, stderr=asyncio.subprocess.PIPE
        )
        _, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        await eventually(
            lambda: title_of(table, ref) == "Changed by a slow clock", "the change", since=time.monotonic()
        )
