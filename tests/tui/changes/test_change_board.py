"""The change board by keys: raise -> submit -> CAB votes (each member acting as themselves)
-> the change manager's decision -> schedule -> implement -> review -> close, asserting what
the user sees; plus the calendar, the KPIs, the filter and the refusals the user is shown."""

import io
from collections.abc import Iterator

import pytest
from rich.console import Console

from deskterm.domain.changes.change import ChangeState
from deskterm.domain.core.clock import FixedClock
from deskterm.services.changes import cab, changes
from deskterm.services.changes.change_views import RaiseChange
from deskterm.services.core.context import Desk
from deskterm.services.core.identity import OsIdentity
from deskterm.tui.app import DeskApp
from deskterm.tui.base.confirm import ConfirmDialog
from deskterm.tui.base.form import FormDialog
from deskterm.tui.changes.change_board import ChangeBoard, ChangeBoardScreen
from deskterm.tui.changes.change_calendar import ChangeCalendarScreen
from deskterm.tui.changes.change_detail import ChangeDetailScreen, body
from deskterm.tui.changes.change_kpi import ChangeKpiScreen
from tests.conftest import FROZEN, open_desk
from tests.services import factories as f
from tests.tui.changes.test_snapshots_changes import change_app, changes_template  # noqa: F401 (fixtures)
from tests.tui.conftest import settle, wait_for
from tests.tui.tickets.test_ticket_screen import choose, error_text, focus_field, save, screen_text, type_text

BOB = OsIdentity(uid=5151, login="bob", display_name="Bob")
CAROL = OsIdentity(uid=6161, login="carol", display_name="Carol")
DAVE = OsIdentity(uid=7171, login="dave", display_name="Dave the change manager")


@pytest.fixture
def people(app: DeskApp, seeded_url: str) -> Iterator[dict[str, Desk]]:
    """Bob and Carol vote on the CAB, Dave is its change manager; Alice (the app) raises."""
    desks = {"alice": app.desk}
    for who in (BOB, CAROL, DAVE):
        desks[who.login] = open_desk(seeded_url, FixedClock(FROZEN), who)
        assert desks[who.login].actor_id  # enrolled as an agent
    assert app.desk.actor_id
    cab.add(app.desk, "Test CAB", manager="dave", members=["alice", "bob", "carol"], rule="majority")
    f.grant(app.desk, "dave", "change-manager")
    yield desks
    for login in ("bob", "carol", "dave"):
        desks[login].close()


def sections_text(app: DeskApp) -> str:
    """Every section of the open change as the detail draws it (it scrolls past the screen)."""
    screen = app.screen
    assert isinstance(screen, ChangeDetailScreen) and screen.view is not None
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(body(screen.view))
    return console.export_text()


def board(app: DeskApp) -> ChangeBoardScreen:
    screen = app.screen
    assert isinstance(screen, ChangeBoardScreen)
    return screen


def card_shows(app: DeskApp, state: ChangeState, *texts: str) -> bool:
    """The board is on screen with the cursor's card in ``state``, and ``texts`` are drawn."""
    screen = app.screen
    if not isinstance(screen, ChangeBoardScreen) or screen.board.current is None:
        return False
    if screen.board.state is not state:
        return False
    shown = screen_text(app)
    return all(text in shown for text in texts)


def shown_state(app: DeskApp) -> ChangeState:
    """The column the cursor's card is in, as the board shows it."""
    current = board(app).board.current
    assert current is not None
    return board(app).board.state


async def act_as(pilot, desks: dict[str, Desk], login: str) -> None:  # type: ignore[no-untyped-def]
    pilot.app.desk = desks[login]


async def fill(pilot, name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    await focus_field(pilot, name)
    await type_text(pilot, text)


async def test_raise_vote_schedule_implement_review_close_by_keys(
    app: DeskApp, people: dict[str, Desk]
) -> None:
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert "Draft (0)" in screen_text(app)

        # Raise: an RFC with the 7 Rs and plans, high business risk -> the CAB decides.
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await fill(pilot, "title", "Patch mail servers")
        await fill(pilot, "reason", "Security fix")
        await fill(pilot, "expected_return", "No known exploit")
        await fill(pilot, "risks", "Mail down if patch fails")
        await fill(pilot, "resources", "Two engineers")
        await fill(pilot, "responsible", "build: bob; test: carol; implementation: alice")
        await fill(pilot, "relationships", "none")
        await choose(pilot, "business_risk", "high")
        await fill(pilot, "cis", "mail-srv-01")
        await fill(pilot, "implementation_plan", "Apply the patch")
        await fill(pilot, "backout_plan", "Uninstall the patch")
        await fill(pilot, "test_plan", "Send a mail")
        await save(pilot)
        assert not isinstance(app.screen, FormDialog), error_text(app)
        ref = changes.list_changes(app.desk)[0].ref
        await wait_for(
            pilot, lambda: card_shows(app, ChangeState.DRAFT, "Draft (1)", ref), message="the new card"
        )
        assert board(app).board.current is not None and board(app).board.current.ref == ref
        text = screen_text(app)
        assert "Draft (1)" in text and ref in text and "normal P" in text and "no window" in text

        # Submit: a question first, then the card moves to the CAB's column.
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: card_shows(app, ChangeState.AUTHORISATION, "Authorisation (1)"),
            message="the card in Authorisation",
        )
        assert shown_state(app) is ChangeState.AUTHORISATION
        assert "Authorisation (1)" in screen_text(app)

        # Alice raised it: her vote is refused and the dialog says why.
        await pilot.press("v")
        await settle(pilot)
        await fill(pilot, "comment", "mine")
        await save(pilot)
        assert "nobody approves their own change" in error_text(app)
        await pilot.press("escape", "y")  # typed text: it asks before discarding
        await settle(pilot)

        # Bob and Carol approve, each as themselves.
        for login in ("bob", "carol"):
            await act_as(pilot, people, login)
            await pilot.press("v")
            await settle(pilot)
            await fill(pilot, "comment", f"ok from {login}")
            await save(pilot)
            assert not isinstance(app.screen, FormDialog), error_text(app)
        detail = changes.get_change(app.desk, ref)
        assert [v.voter for v in detail.votes] == ["bob", "carol"]
        assert detail.cab_outcome is not None and detail.cab_outcome.value == "approved"

        # Dave, the change manager, has the final word: ] on authorisation asks him.
        await act_as(pilot, people, "dave")
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await fill(pilot, "comment", "go")
        await save(pilot)
        assert isinstance(app.screen, ConfirmDialog)  # the final word is final: it asks
        await pilot.press("y")
        await settle(pilot)
        assert not isinstance(app.screen, FormDialog), error_text(app)
        assert changes.get_change(app.desk, ref).authorised

        # Schedule: the window in local time; the card goes to Scheduled and shows it.
        await pilot.press("s")
        await settle(pilot)
        await fill(pilot, "start", "2026-11-28 22:00")
        await fill(pilot, "end", "2026-11-28 23:30")
        await save(pilot)
        assert not isinstance(app.screen, FormDialog), error_text(app)
        await wait_for(
            pilot,
            lambda: card_shows(app, ChangeState.SCHEDULED, "Scheduled (1)", "11-28 22:00-23:30"),
            message="the card in Scheduled with its window",
        )
        assert shown_state(app) is ChangeState.SCHEDULED
        text = screen_text(app)
        assert "Scheduled (1)" in text and "11-28 22:00-23:30" in text

        # Implement, after a question.
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await wait_for(
            pilot, lambda: card_shows(app, ChangeState.IMPLEMENTING), message="the card in Implementing"
        )
        assert shown_state(app) is ChangeState.IMPLEMENTING

        # The post-implementation review: lessons are required, the dialog says so.
        await pilot.press("right_square_bracket")
        await settle(pilot)
        await save(pilot)
        assert "lessons" in error_text(app, "lessons") or "lessons" in error_text(app)
        await fill(pilot, "lessons", "Patch needed a reboot")
        await save(pilot)
        assert not isinstance(app.screen, FormDialog), error_text(app)
        await wait_for(pilot, lambda: card_shows(app, ChangeState.REVIEW), message="the card in Review")
        assert shown_state(app) is ChangeState.REVIEW

        # Close with the review's outcome.
        await pilot.press("right_square_bracket")
        await settle(pilot)
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: card_shows(app, ChangeState.CLOSED, "✔ ok"),
            message="the closed card with the review's outcome (✔ ok)",
        )
        assert shown_state(app) is ChangeState.CLOSED
        assert "✔ ok" in screen_text(app), "the outcome reads on the card"

        # The detail shows the votes, the decision, the review and the timeline.
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ChangeDetailScreen) and app.screen.ref == ref
        seen = sections_text(app)
        for words in ("The 7 Rs", "Security fix", "bob ✔ approve", "carol ✔ approve", "Decided by dave"):
            assert words in seen, words
        for words in ("Patch needed a reboot", "Projected outage", "Timeline"):
            assert words in seen, words
        assert f"{ref} normal" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ChangeBoardScreen)


async def test_submitting_an_incomplete_draft_names_what_is_missing(
    app: DeskApp, people: dict[str, Desk]
) -> None:
    ref = changes.raise_change(app.desk, RaiseChange(title="Half an RFC")).ref
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"chg", "enter")
        await settle(pilot)
        assert board(app).board.current is not None and board(app).board.current.ref == ref
        await pilot.press("right_square_bracket", "y")
        await settle(pilot)
        notices = " ".join(n.message for n in app._notifications)
        assert "reason" in notices and "backout plan" in notices
        assert changes.get_change(app.desk, ref).state is ChangeState.DRAFT
        # The detail lists the same, and e edits it.
        await pilot.press("enter")
        await settle(pilot)
        seen = sections_text(app)
        assert "To submit it still needs: " in seen and "— missing" in seen
        await pilot.press("e")
        await settle(pilot)
        await fill(pilot, "reason", "Because")
        await save(pilot)
        assert changes.get_change(app.desk, ref).reason == "Because"


async def test_columns_filter_and_the_narrow_board(app: DeskApp, people: dict[str, Desk]) -> None:
    for title in ("Replace core switch", "红色 [bold]x[/]"):
        changes.raise_change(app.desk, RaiseChange(title=title))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        text = screen_text(app)
        assert "Draft (2)" in text and "Assessment (0)" in text
        assert "Scheduled" not in text, "at 80 columns: the focused column and its neighbours"
        assert "[bold]x[/]" in text
        await pilot.press("l", "l")
        text = screen_text(app)
        assert "Assessment (0)" in text and "Authorisation (0)" in text and "Scheduled (0)" in text
        assert "Draft (" not in text
        await pilot.press("h", "h", "slash", *"switch", "enter")
        await settle(pilot)
        assert "Draft (1)" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert "Draft (2)" in screen_text(app)
        assert isinstance(app.screen.query_one(ChangeBoard), ChangeBoard)


async def test_calendar_and_kpis_open_from_the_board(app: DeskApp, people: dict[str, Desk]) -> None:
    from datetime import timedelta

    start = FROZEN + timedelta(days=2)
    ref = changes.raise_change(
        app.desk,
        RaiseChange(title="Planned work", planned_start=start, planned_end=start + timedelta(hours=3)),
    ).ref
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ChangeCalendarScreen)
        text = screen_text(app)
        assert "Week 48" in text and ref in text and "░" in text and "!" in text
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ChangeDetailScreen) and app.screen.ref == ref
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        text = screen_text(app)
        assert "November 2026" in text and ref in text
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert "December 2026" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)
        kpi = app.screen
        assert isinstance(kpi, ChangeKpiScreen)
        await wait_for(
            pilot,
            lambda: kpi.loads >= 1 and "Unauthorised changes" in screen_text(app),
            message="the KPI rows",
        )
        text = screen_text(app)
        assert "Change KPIs, month 2026-11-01 .. 2026-11-30" in text
        assert "Unauthorised changes" in text and "Backlog" in text
        await pilot.press("p")
        await wait_for(
            pilot,
            lambda: kpi.loads >= 2 and "week 2026-11-23 .. 2026-11-29" in screen_text(app),
            message="the KPIs of the week",
        )
        assert "week 2026-11-23 .. 2026-11-29" in screen_text(app)


async def test_calendar_shows_blackouts_and_enter_on_a_busy_day_opens_its_week(change_app: DeskApp) -> None:  # noqa: F811
    app = change_app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3", "c")
        await settle(pilot)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        text = screen_text(app)
        assert "Week 49" in text and "▒ Quarter-end" in text and "▒▒▒" in text
        await pilot.press("p")
        await settle(pilot)
        assert "December 2026" in screen_text(app) or "November 2026" in screen_text(app)
        screen = app.screen
        assert isinstance(screen, ChangeCalendarScreen)
        board = screen.calendar
        assert board.view == "month" and board.schedule is not None
        busy = next(
            d
            for d in sorted({board.day, *[board.day.replace(day=n) for n in range(1, 28)]})
            if len(board.schedule.on(d)) > 1
        )
        for _ in range(31):
            if board.day == busy:
                break
            await pilot.press("l" if board.day < busy else "h")
            await settle(pilot)
        assert board.day == busy, f"h/l never reached {busy}: the cursor is on {board.day}"
        assert f"{busy:%a %d %b}:" in screen_text(app), "the day's changes are listed under the grid"
        await pilot.press("enter")
        await settle(pilot)
        assert board.view == "week" and board.current is not None
        assert board.current in board.schedule.on(busy)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ChangeDetailScreen)


async def test_colon_opens_a_change_by_ref_and_help_lists_the_board_keys(change_app: DeskApp) -> None:  # noqa: F811
    app = change_app
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"chg9", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ChangeDetailScreen) and app.screen.ref == "CHG-9"
        text = screen_text(app)
        assert "CHG-9 EMERGENCY P1 authorisation" in text and "⚠ 3 collisions" in text
        assert "Next     v vote · ] decide" in text
        await pilot.press("escape", "colon", *"chg-999", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, ChangeDetailScreen)
        assert any("there is no change CHG-999" in n.message for n in app._notifications)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        text = screen_text(app)
        for words in ("Raise", "Next step", "Step back", "Vote", "Schedule", "Calendar", "KPIs", "Filter"):
            assert words in text, words


async def test_cards_mark_collisions_and_unauthorised_work_and_step_back_asks_first(
    change_app: DeskApp,  # noqa: F811
) -> None:
    app = change_app
    every = changes.list_changes(app.desk)
    unauthorised = [c for c in every if c.state is ChangeState.IMPLEMENTING and not c.authorised]
    scheduled = next(c for c in every if c.state is ChangeState.SCHEDULED)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        screen = board(app)
        assert screen.board.select(scheduled.ref)
        colliding = next(c for c in screen.board.cards[ChangeState.SCHEDULED] if c.collision_count)
        card = (
            f"{colliding.ref} {colliding.type.value} {colliding.priority.value} ⚠{colliding.collision_count}"
        )
        await wait_for(pilot, lambda: card in screen_text(app), message=f"the colliding card {card!r}")
        if unauthorised:
            await pilot.press("l")
            await wait_for(pilot, lambda: "UNAUTH" in screen_text(app), message="the unauthorised mark")
            await pilot.press("h")
        # [ moves a scheduled change back to authorisation, after a question; n says no.
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert changes.get_change(app.desk, scheduled.ref).state is ChangeState.SCHEDULED
        await pilot.press("left_square_bracket", "y")
        await settle(pilot)
        assert changes.get_change(app.desk, scheduled.ref).state is ChangeState.AUTHORISATION
        assert screen.board.current is not None and screen.board.current.ref == scheduled.ref
        assert screen.board.state is ChangeState.AUTHORISATION
        # x on the detail cancels, with the reason asked for.
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        await save(pilot)
        assert "say why" in error_text(app, "reason")
        await fill(pilot, "reason", "Not needed any more")
        await save(pilot)
        assert isinstance(app.screen, ConfirmDialog)  # cancelling is final: it asks
        await pilot.press("y")
        await settle(pilot)
        assert changes.get_change(app.desk, scheduled.ref).state is ChangeState.CANCELLED
        assert "cancelled" in screen_text(app)


def test_typed_times_are_local_and_errors_name_the_field() -> None:
    from deskterm.services.core.errors import InvalidInput
    from deskterm.tui.changes.change_schedule import parse_local

    at = parse_local("2026-11-28 22:00", "start")
    assert at.tzinfo is not None and at.hour == 22  # TZ is pinned to UTC by tests/conftest.py
    for bad in ("28/11/2026 22:00", "2026-13-01 22:00", ""):
        with pytest.raises(InvalidInput) as caught:
            parse_local(bad, "planned_end")
        assert caught.value.details["field"] == "planned_end"
        assert caught.value.message.startswith("planned end:")


def test_forward_and_back_follow_each_types_workflow() -> None:
    from deskterm.domain.changes.change import ChangeType
    from deskterm.tui.changes.helpers import step_back, step_forward

    s = ChangeState
    assert step_forward(ChangeType.NORMAL, s.ASSESSMENT) is s.AUTHORISATION
    assert step_forward(ChangeType.STANDARD, s.ASSESSMENT) is s.SCHEDULED  # pre-approved
    assert step_forward(ChangeType.EMERGENCY, s.AUTHORISATION) is s.SCHEDULED
    assert step_forward(ChangeType.NORMAL, s.CLOSED) is None
    assert step_back(ChangeType.NORMAL, s.SCHEDULED) is s.AUTHORISATION
    assert step_back(ChangeType.STANDARD, s.SCHEDULED) is None
    assert step_back(ChangeType.NORMAL, s.DRAFT) is None
