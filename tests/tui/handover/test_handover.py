"""The handover screen by keys: the digest, notes, sign-off, the next shift's status-line flag,
acknowledgement by the incoming agent; the reports screen and the survey dialog."""

from collections.abc import Iterator
from datetime import timedelta

import pytest

from deskterm.domain.core.clock import FixedClock
from deskterm.services.core.context import Desk
from deskterm.services.core.identity import OsIdentity
from deskterm.services.handover import handover
from deskterm.services.reports import csat
from deskterm.tui.app import DeskApp
from deskterm.tui.handover.handover import HandoverScreen
from deskterm.tui.reports.reports import ReportsScreen
from deskterm.tui.widgets.status_line import StatusLine
from tests.conftest import FROZEN, open_desk
from tests.tui.conftest import settle
from tests.tui.tickets.test_ticket_screen import screen_text

CAROL = OsIdentity(uid=4343, login="carol", display_name="Carol Incoming")
NEXT_SHIFT = timedelta(hours=7)  # 16:30, the late shift


def handover_screen(app: DeskApp) -> HandoverScreen:
    screen = app.screen
    assert isinstance(screen, HandoverScreen)
    return screen


async def test_6_shows_the_digest_and_notes_and_sign_off_by_keys(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        screen = handover_screen(app)
        assert screen.digest is not None and screen.digest.shift.key == "2026-11-24:early"
        text = screen_text(app)
        assert "2026-11-24:early" in text and "○ not signed off" in text
        assert "Major incidents and P1/P2" in text
        # The overall note.
        await pilot.press("o")
        await settle(pilot)
        await pilot.press(*"Printers on floor 3 still down", "ctrl+s")
        await settle(pilot)
        assert screen.digest.note == "Printers on floor 3 still down"
        assert "✎ draft" in screen_text(app)
        # A note on the item under the cursor.
        ref = screen.current_ref()
        assert ref is not None
        await pilot.press("e")
        await settle(pilot)
        await pilot.press(*"call back at 10", "ctrl+s")
        await settle(pilot)
        assert screen.digest.item_notes == {ref: "call back at 10"}
        assert "✎ call back at 10" in screen_text(app)
        # Sign off: asked first; "n" changes nothing, "y" signs.
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert screen.digest.handover is not None and screen.digest.handover.status == "draft"
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert screen.digest.handover is not None and screen.digest.handover.status == "signed-off"
        assert screen.digest.handover.outgoing == "alice"
        assert "✔ signed off by alice" in screen_text(app)
        # The outgoing agent cannot acknowledge their own handover.
        await pilot.press("a")
        await settle(pilot)
        assert screen.digest.handover.status == "signed-off"


@pytest.fixture
def incoming(seeded_url: str, tui_desk: Desk) -> Iterator[Desk]:
    """The same desk, the next shift, another agent."""
    handover.set_note(tui_desk, "Mail relay restarted at 09:00")
    handover.sign_off(tui_desk)
    desk = open_desk(seeded_url, FixedClock(FROZEN + NEXT_SHIFT), CAROL)
    yield desk
    desk.close()


async def test_the_next_shift_is_flagged_until_acknowledged_by_keys(incoming: Desk) -> None:
    app = DeskApp(incoming, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        line = app.screen.query_one(StatusLine)
        assert line.handover == "ack handover (6)"
        assert "⚑ ack handover (6)" in screen_text(app)
        await pilot.press("6")
        await settle(pilot)
        screen = handover_screen(app)
        assert screen.digest is not None and screen.digest.shift.key == "2026-11-24:late"
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert screen.digest.shift.key == "2026-11-24:early"
        assert "✔ signed off by alice (as handed over)" in screen_text(app)
        assert "Mail relay restarted at 09:00" in screen_text(app)
        await pilot.press("a")
        await settle(pilot)
        assert screen.digest.handover is not None
        assert (screen.digest.handover.status, screen.digest.handover.acknowledged_by) == (
            "acknowledged",
            "carol",
        )
        assert screen.query_one(StatusLine).handover == ""
        assert handover.pending_ack(incoming) is None
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert screen.digest.shift.key == "2026-11-24:late"


async def test_colon_handover_and_reports(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"handover", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HandoverScreen)
        await pilot.press("colon", *"reports", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        assert screen.result is not None and screen.result.name == "mttr"
        assert "mttr 2026-10-26..2026-11-24 (30d) by priority  Mean time to respond" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert screen.result.name == "escalation"
        await pilot.press("N", "N")
        await settle(pilot)
        assert screen.result.name == "csat"
        await pilot.press("b")
        await settle(pilot)
        assert screen.result.by == "agent"
        await pilot.press("p")
        await settle(pilot)
        assert screen.days == 90 and screen.result.period_from.isoformat() == "2026-08-27"
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert screen.result.period_to.isoformat() == "2026-08-26"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HandoverScreen)


async def test_S_on_a_resolved_ticket_records_a_survey(app: DeskApp, tui_desk: Desk) -> None:
    due = csat.due(tui_desk, limit=1)
    assert due, "the seeded desk has resolved tickets"
    ref = due[0].ref
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_ticket(ref)
        await settle(pilot)
        await pilot.press("S")
        await settle(pilot)
        await pilot.press("ctrl+s")  # no score picked: refused, the dialog stays
        await settle(pilot)
        assert "pick the caller's score" in screen_text(app)
        await pilot.press("enter", "down", "down", "enter")  # the score list: (blank), 5, 4
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    answers = csat.answers(tui_desk)
    assert [(a.ref, a.score, a.channel) for a in answers] == [(ref, 4, "phone")]


def test_bar_chart_draws_bars_with_values_and_columns_for_many_keys() -> None:
    from deskterm.tui.reports.reports import bar_chart

    rows = [{"key": "P1", "tickets": 2}, {"key": "P2", "tickets": 4}]
    lines = bar_chart(rows, "tickets", 30, 9).plain.splitlines()
    assert lines[0] == "tickets logged  (max 4)"
    assert lines[1].startswith("P1 ") and lines[1].rstrip().endswith(" 2")
    assert lines[2].count("█") == 2 * lines[1].count("█")  # half the value, half the bar
    hours = [{"key": f"{h:02d}:00", "tickets": h} for h in range(24)]
    tall = bar_chart(hours, "tickets", 80, 9).plain.splitlines()
    assert len(tall) == 9 and tall[-1].startswith("00") and "█" in tall[1]
    assert bar_chart([], "tickets", 30, 9).plain.endswith("nothing in this period")


async def test_l_lists_and_searches_stored_handovers(app: DeskApp, tui_desk: Desk) -> None:
    from deskterm.demo import handover as demo_handover
    from deskterm.tui.handover.handover import HandoverHistory

    demo_handover.seed(tui_desk)  # 11-23 early and late, 11-24 night: signed off and acknowledged
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        history = app.screen
        assert isinstance(history, HandoverHistory)
        assert history.keys == ["2026-11-24:night", "2026-11-23:late", "2026-11-23:early"]
        await pilot.press(*"late")
        await settle(pilot)
        assert history.keys == ["2026-11-23:late"]
        await pilot.press("enter", "enter")
        await settle(pilot)
        screen = handover_screen(app)
        assert screen.digest is not None and screen.digest.shift.key == "2026-11-23:late"
        assert screen.digest.handover is not None and screen.digest.handover.status == "acknowledged"
