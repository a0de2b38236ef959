"""The event console by keys: 5 and :evt open it, filters by severity, source and CI, enter opens
the correlated incident, and the live tail reads again only when new events arrived."""

import json
from collections.abc import Iterator

import pytest

from deskterm.demo import events as demo_events
from deskterm.services.core.context import Desk
from deskterm.services.events import events
from deskterm.tui.app import DeskApp
from deskterm.tui.events.event_console import EventConsoleScreen
from deskterm.tui.tickets.ticket import TicketScreen
from tests.tui.conftest import settle
from tests.tui.tickets.test_ticket_screen import screen_text


@pytest.fixture
def event_app(tui_desk: Desk, app: DeskApp) -> Iterator[DeskApp]:
    demo_events.seed(tui_desk)
    yield app


def console(app: DeskApp) -> EventConsoleScreen:
    screen = app.screen
    assert isinstance(screen, EventConsoleScreen)
    return screen


async def test_5_opens_the_console_newest_first_with_labels(event_app: DeskApp) -> None:
    async with event_app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        screen = console(event_app)
        rows = screen.table.rows
        assert [r.ref for r in rows] == [r.ref for r in events.list_events(event_app.desk, limit=500)]
        assert [r.last_seen for r in rows] == sorted((r.last_seen for r in rows), reverse=True)
        text = screen_text(event_app)
        for label in ("Severity", "Incident", "● active", "○ clear"):
            assert label in text
        assert any(s in text for s in ("✖ crit", "▲ major"))
        assert "磁盘空间不足 ␛[31m[bold]not" in text  # hostile text shown, never obeyed
        await pilot.press("1")
        await settle(pilot)
        assert not isinstance(event_app.screen, EventConsoleScreen)


async def test_colon_evt_opens_the_console(event_app: DeskApp) -> None:
    async with event_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"evt", "enter")
        await settle(pilot)
        assert console(event_app).table.rows
        assert "not built yet" not in screen_text(event_app)


async def test_filters_by_keys_and_escape_clears_them(event_app: DeskApp) -> None:
    async with event_app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        screen = console(event_app)
        everything = len(screen.table.rows)
        await pilot.press("s")
        await settle(pilot)
        assert screen.severity is not None and screen.severity.value == "critical"
        assert screen.table.rows and {r.severity.value for r in screen.table.rows} == {"critical"}
        assert "sev critical" in screen_text(event_app)
        await pilot.press("escape", "o")
        await settle(pilot)
        assert screen.source == screen.sources[0]
        assert {r.source for r in screen.table.rows} == {screen.sources[0]}
        await pilot.press("o", "c")
        await settle(pilot)
        assert screen.ci == screen.cis[0]
        assert {r.ci for r in screen.table.rows} == {screen.cis[0]}
        await pilot.press("escape")
        await settle(pilot)
        assert (screen.severity, screen.source, screen.ci) == (None, None, None)
        assert len(screen.table.rows) == everything


async def test_enter_opens_the_correlated_incident(event_app: DeskApp) -> None:
    async with event_app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        rows = console(event_app).table.rows
        index = next(i for i, r in enumerate(rows) if r.incident)
        await pilot.press(*["j"] * index)
        await pilot.press("enter")
        await settle(pilot)
        screen = event_app.screen
        assert isinstance(screen, TicketScreen)
        assert rows[index].incident in screen_text(event_app)
        await pilot.press("escape")
        await settle(pilot)
        index = next(i for i, r in enumerate(console(event_app).table.rows) if not r.incident)
        await pilot.press("g", *["j"] * index, "enter")
        await settle(pilot)
        assert isinstance(event_app.screen, EventConsoleScreen)


async def test_the_live_tail_reads_again_only_when_events_arrived(event_app: DeskApp) -> None:
    async with event_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        screen = console(event_app)
        loads, repaints = screen.loads, screen.table.repaints
        screen.poll()
        await settle(pilot)
        assert (screen.loads, screen.table.repaints) == (loads, repaints)  # nothing new: nothing read
        line = {"source": "nagios", "node": "brand-new-host", "check": "ping", "severity": "critical",
                "time": event_app.desk.clock.now().isoformat()}  # fmt: skip
        events.ingest(event_app.desk, [json.dumps(line)])
        screen.poll()
        await settle(pilot)
        assert screen.loads == loads + 1 and screen.table.repaints == repaints + 1
        assert screen.table.rows[0].node == "brand-new-host"
        assert "brand-new-host" in screen_text(event_app)


def test_demo_events_change_no_ticket_and_go_in_once(tui_desk: Desk) -> None:
    from sqlalchemy import func, select

    from deskterm.services.core.errors import InvalidInput
    from deskterm.store.models import AuditEntry, Note, Ticket

    def tickets_state() -> tuple[object, ...]:
        with tui_desk.reading() as s:
            return (
                s.scalar(select(func.count(Ticket.id))),
                s.scalar(select(func.sum(Ticket.version))),
                s.scalar(select(func.max(Ticket.updated_at))),
                s.scalar(select(func.count(Note.id))),
                s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.record_kind == "ticket")),
            )

    before = tickets_state()
    counts = demo_events.seed(tui_desk)
    assert counts["events"] >= 150 and counts["repeats"] > counts["events"] and counts["correlated"] > 5
    assert tickets_state() == before
    rows = events.list_events(tui_desk, limit=1000)
    assert len(rows) == counts["events"]
    assert all(r.incident is not None for r in rows if r.significance.value == "exception")
    with pytest.raises(InvalidInput, match="already has events"):
        demo_events.seed(tui_desk)


async def test_help_lists_the_console_keys(event_app: DeskApp) -> None:
    from deskterm.tui.base.help import HelpScreen

    async with event_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(event_app.screen, HelpScreen)
        described = {d for _, d in event_app.screen.keys}
        assert {"Open incident", "Severity", "Source", "CI", "Clear filters"} <= described
        assert "Events" in described  # the key 5 that leads here
        await pilot.press("escape")
        assert isinstance(event_app.screen, EventConsoleScreen)
