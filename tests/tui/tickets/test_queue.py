"""The queue by keys: views, filter, sort, selection and bulk actions, take next, open, jump."""

from deskterm.services.tickets import tickets
from deskterm.tui.app import DeskApp
from deskterm.tui.tickets.queue import QueueScreen
from deskterm.tui.tickets.queue_table import QueueTable
from deskterm.tui.tickets.ticket import TicketScreen
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


async def test_views_switch_by_key_and_show_only_their_tickets(app: DeskApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        seen = {}
        for _ in range(7):
            await pilot.press("v")
            await settle(pilot)
            seen[screen.query_spec.view.value] = list(table(app).rows)
        assert set(seen) == {
            "my-work",
            "my-groups",
            "unassigned",
            "all-open",
            "major",
            "breaching",
            "recently-resolved",
        }
        assert seen["my-work"] and all(r.assignee == "alice" for r in seen["my-work"])
        assert all(r.assignee is None for r in seen["unassigned"])
        assert seen["major"] and all(r.major for r in seen["major"])
        assert seen["recently-resolved"] and all(
            r.status.value in ("resolved", "closed") for r in seen["recently-resolved"]
        )
        assert all(r.group == "Service Desk" for r in seen["my-groups"])


async def test_sort_cycles_columns_and_reverses(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s", "s")  # priority -> status -> title
        await settle(pilot)
        titles = [r.title for r in table(app).rows]
        assert app.screen.query_spec.sort == "title"  # type: ignore[attr-defined]
        assert titles == sorted(titles)
        await pilot.press("S")
        await settle(pilot)
        reversed_titles = [r.title for r in table(app).rows]
        assert reversed_titles[0] >= reversed_titles[-1]


async def test_paging_moves_through_more_rows_than_one_window(big_app: DeskApp) -> None:
    app = big_app
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        t = table(app)
        total = t.total
        await pilot.press("G")
        await settle(pilot)
        assert t.position() == f"{total}/{total}"
        await pilot.press("g")
        await settle(pilot)
        assert t.position() == f"1/{total}"
        assert total > 600, "enough rows for several windows"
        for _ in range(30):  # past the first window: the table fetches more as it goes
            await pilot.press("pagedown")
            await settle(pilot)
        assert t.position() == f"{1 + 30 * t.page_rows}/{total}"
        assert len(t.rows) < total
        await pilot.press("k")
        assert t.position() == f"{30 * t.page_rows}/{total}"
        for _ in range(30):
            await pilot.press("pageup")
            await settle(pilot)
        assert t.position() == f"1/{total}"


async def test_select_several_and_assign_them_in_bulk(app: DeskApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("V")  # all open -> unassigned
        await settle(pilot)
        assert app.screen.query_spec.view.value == "unassigned"  # type: ignore[attr-defined]
        rows = table(app).rows
        mine = [r for r in rows if r.group in (None, "Service Desk")][:2]
        assert len(mine) == 2
        for row in mine:
            t = table(app)
            t.cursor = t.rows.index(next(r for r in t.rows if r.ref == row.ref))
            await pilot.press("space")
        assert table(app).selected == {r.ref for r in mine}
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"alice")
        await pilot.press("ctrl+s")
        await settle(pilot)
        for row in mine:
            assert tickets.get_ticket(app.desk, row.ref).assignee == "alice"
        assert not table(app).selected


async def test_take_next_gives_me_the_most_urgent_unassigned_ticket(app: DeskApp) -> None:
    before = tickets.list_tickets(app.desk, open_only=True, unassigned=True, limit=10_000)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
    after = tickets.list_tickets(app.desk, open_only=True, unassigned=True, limit=10_000)
    taken = {r.ref for r in before} - {r.ref for r in after}
    assert len(taken) == 1
    ref = taken.pop()
    view = tickets.get_ticket(app.desk, ref)
    assert view.assignee == "alice"
    eligible = [r for r in before if r.group in (None, "Service Desk")]
    assert view.priority == min(r.priority for r in eligible)


async def test_enter_opens_and_escape_returns(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = table(app).current
        assert first is not None
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.ref == first.ref
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert table(app).current is not None and table(app).current.ref == first.ref


async def test_command_line_jumps_to_a_ref_and_names_unknown_commands(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"inc7", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.ref == "INC-7"
        await pilot.press("escape", "colon", *"frobnicate", "enter")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        messages = [n.message for n in app._notifications]
        assert any("unknown command 'frobnicate'" in m for m in messages)
        await pilot.press("colon", *"chg", "enter")
        await settle(pilot)
        assert app.current_mode == "changes"  # every main screen is built: :chg is the change board


async def test_help_lists_the_keys_of_the_screen(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        from deskterm.tui.base.help import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        described = {d for _, d in app.screen.keys}
        assert {"Open", "New call", "Filter", "Take next", "Select", "Resolve selected"} <= described
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)


async def test_colon_q_quits(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("colon", "q", "enter")
        await pilot.pause()
    assert app.return_code == 0 or app.return_code is None
    assert not app.is_running
