"""Problems and the KEDB by keys: the list (4, :prb), the detail, raise, link, state moves with the
offer to resolve the incidents, the known error, :PRB-n / :KE-n jumps, K on an incident, and the
KEDB panel in the log-call dialog."""

import pytest
from textual.widgets import DataTable, Input, Select

from deskterm.demo import problems as demo_problems
from deskterm.domain.problems.problem import ProblemStatus
from deskterm.services.core.context import Desk
from deskterm.services.problems import kedb, problem_reads, problem_views, problems
from deskterm.services.tickets import tickets
from deskterm.tui.app import DeskApp
from deskterm.tui.base.confirm import ConfirmDialog
from deskterm.tui.base.form import FormDialog
from deskterm.tui.problems.kedb_panel import KedbPanel
from deskterm.tui.problems.kedb_search import KedbSearchDialog
from deskterm.tui.problems.known_error import KnownErrorScreen
from deskterm.tui.problems.problem_detail import ProblemScreen
from deskterm.tui.problems.problems import ProblemsScreen
from deskterm.tui.tickets.log_call import LogCallDialog
from deskterm.tui.tickets.ticket import TicketScreen
from tests.tui.conftest import settle, wait_for
from tests.tui.tickets.test_ticket_screen import screen_text


@pytest.fixture
def prb_app(app: DeskApp, tui_desk: Desk) -> DeskApp:
    demo_problems.seed(tui_desk, seed=1)
    return app


def _open_incident_without_problem(desk: Desk, service: str) -> str:
    linked = {
        i.ref
        for p in problem_reads.list_problems(desk)
        for i in problem_reads.get_problem(desk, p.ref).linked
    }
    rows = tickets.list_tickets(desk, open_only=True, kind=None, limit=500, sort="ref")
    for r in rows:
        if (
            r.kind.value == "incident"
            and r.service == service
            and r.ref not in linked
            and r.status.value != "pending"
        ):
            return r.ref
    raise AssertionError(f"no open {service} incident")


def said(app: DeskApp) -> str:
    """Every notice the app has shown, newest last."""
    return " | ".join(n.message for n in app._notifications)


async def command(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("colon")
    await pilot.press(*text, "enter")
    await settle(pilot)


async def test_key_4_shows_the_open_problems_and_v_switches_views(prb_app: DeskApp) -> None:
    async with prb_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen = prb_app.screen
        assert isinstance(screen, ProblemsScreen)
        assert all(r.status.is_open for r in screen.rows) and len(screen.rows) == 8
        text = screen_text(prb_app)
        assert "[Open]" in text and "◑ known-error" in text and "PRB-1" in text
        await pilot.press("v")
        await settle(pilot)
        assert {r.status for r in screen.rows} == {ProblemStatus.KNOWN_ERROR}
        await pilot.press("v", "v")
        await settle(pilot)
        assert len(screen.rows) == 12
        await pilot.press("slash", *"print")
        await settle(pilot)
        assert [r.ref for r in screen.rows] == ["PRB-6", "PRB-7"]
        await pilot.press("escape")
        await settle(pilot)
        assert len(screen.rows) == 12


async def test_enter_opens_the_detail_and_enter_there_opens_an_incident(prb_app: DeskApp) -> None:
    async with prb_app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await command(pilot, "prb")
        assert isinstance(prb_app.screen, ProblemsScreen)
        await pilot.press("enter")
        await settle(pilot)
        detail = prb_app.screen
        assert isinstance(detail, ProblemScreen) and detail.view is not None
        first = detail.view.linked[0].ref
        text = screen_text(prb_app)
        assert "Root cause" in text and "Workaround" in text and "Incidents" in text
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(prb_app.screen, TicketScreen) and prb_app.screen.ref == first
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(prb_app.screen, ProblemScreen)


async def test_jumps_to_problem_and_known_error_refs(prb_app: DeskApp) -> None:
    async with prb_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await command(pilot, "prb3")
        assert isinstance(prb_app.screen, ProblemScreen) and prb_app.screen.ref == "PRB-3"
        await command(pilot, "KE-2")
        assert isinstance(prb_app.screen, KnownErrorScreen)
        assert "AnyConnect" in screen_text(prb_app)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(prb_app.screen, ProblemScreen) and prb_app.screen.ref == "PRB-3"
        await command(pilot, "PRB-99")
        assert "there is no problem PRB-99" in said(prb_app)


async def test_raise_from_incidents_by_keys(prb_app: DeskApp, tui_desk: Desk) -> None:
    inc = _open_incident_without_problem(tui_desk, "Email")
    async with prb_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(prb_app.screen, FormDialog)
        await pilot.press(*"Mailbox database fills up", "tab", *inc)
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = prb_app.screen
        assert isinstance(screen, ProblemScreen) and screen.ref == "PRB-13"
        assert screen.view is not None and [i.ref for i in screen.view.linked] == [inc]
    t = tickets.get_ticket(tui_desk, inc)
    assert (
        t.status.value == "pending" and t.pending_reason is not None and t.pending_reason.value == "problem"
    )
    assert problem_reads.get_problem(tui_desk, "PRB-13").service == "Email"


async def test_lifecycle_by_keys_ends_with_the_offer_to_resolve_the_incidents(
    prb_app: DeskApp, tui_desk: Desk
) -> None:
    inc = _open_incident_without_problem(tui_desk, "VPN")
    async with prb_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await command(pilot, "prb5")  # new, Purchase orders
        assert isinstance(prb_app.screen, ProblemScreen)
        await pilot.press("l")
        await settle(pilot)
        await pilot.press(*inc, "ctrl+s")
        await settle(pilot)
        await pilot.press("s")  # new -> investigating (the first choice)
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert problem_reads.get_problem(tui_desk, "PRB-5").status is ProblemStatus.INVESTIGATING
        await pilot.press("c")
        await settle(pilot)
        await pilot.press(*"Approver role removed by the HR sync", "tab", *"Approve as deputy")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)
        await pilot.press(*"PO stuck waiting for approval, 采购订单无法审批", "tab", *"PO, approval")
        await pilot.press("ctrl+s")
        await settle(pilot)
        view = problem_reads.get_problem(tui_desk, "PRB-5")
        assert view.status is ProblemStatus.KNOWN_ERROR and view.known_errors == ["KE-21"]
        assert kedb.search(tui_desk, "采购订单审批")[0].ref == "KE-21"
        await pilot.press("s")  # known-error -> [investigating, resolved]: pick resolved
        await settle(pilot)
        dialog = prb_app.screen
        assert isinstance(dialog, FormDialog)
        dialog.query_one("#field-status", Select).value = "resolved"
        await pilot.press("tab", *"HR sync keeps approver roles now")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(prb_app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert "Resolved 1 incident with PRB-5" in said(prb_app)
    t = tickets.get_ticket(tui_desk, inc)
    assert t.status.value == "resolved"
    assert t.resolution == "Resolved by problem PRB-5: HR sync keeps approver roles now"


async def test_a_refused_move_keeps_the_form_with_the_reason(prb_app: DeskApp) -> None:
    async with prb_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await command(pilot, "prb2")  # investigating, no root cause
        await pilot.press("s")
        await settle(pilot)
        prb_app.screen.query_one("#field-status", Select).value = "resolved"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(prb_app.screen, FormDialog)
        assert "root cause" in screen_text(prb_app)


async def test_K_on_an_incident_searches_the_kedb_and_applies_one(prb_app: DeskApp, tui_desk: Desk) -> None:
    inc = _open_incident_without_problem(tui_desk, "Printing")
    async with prb_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await command(pilot, inc)
        assert isinstance(prb_app.screen, TicketScreen)
        await pilot.press("K")
        await settle(pilot)
        dialog = prb_app.screen
        assert isinstance(dialog, KedbSearchDialog)
        dialog.query_one("#kedb-query", Input).value = ""
        await pilot.press(*"打印任务 spooler")
        await settle(pilot)
        assert dialog.current is not None and dialog.current.ref == "KE-4"
        await pilot.press("ctrl+t", "enter")
        await settle(pilot)
        assert isinstance(prb_app.screen, TicketScreen)
    t = tickets.get_ticket(tui_desk, inc)
    assert t.workaround is not None and "Print Spooler" in t.workaround
    assert t.notes[-1].visibility.value == "public"
    assert inc in kedb.get_known_error(tui_desk, "KE-4").incidents
    assert inc in [i.ref for i in problem_reads.get_problem(tui_desk, "PRB-6").linked]


async def test_the_kedb_panel_searches_as_the_call_is_typed(prb_app: DeskApp, tui_desk: Desk) -> None:
    async with prb_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(prb_app.screen, LogCallDialog)
        await pilot.press(*"maria")
        await settle(pilot)
        await pilot.press("enter", *"VPN 每小时 断开")  # picking the caller by enter moves to the title
        panel = prb_app.screen.query_one(KedbPanel)
        await wait_for(  # the panel searches after a pause in typing
            pilot,
            lambda: panel.display and panel.hits and panel.hits[0].ref == "KE-2",
            message="KE-2 offered",
        )
        await pilot.press("ctrl+o")
        await wait_for(
            pilot, lambda: panel.marked is not None and panel.marked.ref == "KE-2", message="KE-2 marked"
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(prb_app.screen, LogCallDialog)
    found = tickets.list_tickets(tui_desk, text="每小时")
    assert len(found) == 1
    assert tickets.get_ticket(tui_desk, found[0].ref).workaround is not None
    assert found[0].ref in kedb.get_known_error(tui_desk, "KE-2").incidents


async def test_the_kedb_browser_from_the_list_opens_a_known_error(prb_app: DeskApp) -> None:
    async with prb_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)
        await pilot.press(*"F5 702", "enter")
        await settle(pilot)
        screen = prb_app.screen
        assert isinstance(screen, KnownErrorScreen) and screen.view is not None
        assert screen.view.title == "Invoice posting fails with error F5 702"
        await pilot.press("r")
        await settle(pilot)
        assert screen.view.status.value == "retired"


async def test_the_problem_list_table_holds_no_markup(prb_app: DeskApp, tui_desk: Desk) -> None:
    problems.raise_problem(
        tui_desk, problem_views.RaiseProblem(title="[bold]x[/] \x1b[31m红色 problem", service="Email")
    )
    async with prb_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        text = screen_text(prb_app)
        assert "[bold]x[/] ␛[31m红色" in text
        table = prb_app.screen.query_one("#problems-table", DataTable)
        assert table.row_count == 9


async def test_fixing_change_and_edit_by_keys_and_a_stale_screen_is_refused(
    prb_app: DeskApp, tui_desk: Desk
) -> None:
    async with prb_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await command(pilot, "prb2")
        screen = prb_app.screen
        assert isinstance(screen, ProblemScreen)
        await pilot.press("f", *"chg9", "ctrl+s")
        await settle(pilot)
        assert problem_reads.get_problem(tui_desk, "PRB-2").fixing_change == "CHG-9"
        assert screen.view is not None and screen.view.fixing_change == "CHG-9"
        problems.update_problem(tui_desk, problem_views.UpdateProblem(ref="PRB-2", title="Changed elsewhere"))
        await pilot.press("e")  # the screen still shows the version before that change
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(prb_app.screen, FormDialog)
        assert "changed since you saw it" in screen_text(prb_app)
        await pilot.press("escape")
        await settle(pilot)
        assert screen.view is not None and screen.view.title == "Changed elsewhere"
        await pilot.press("e")
        await settle(pilot)
        field = prb_app.screen.query_one("#field-title", Input)
        field.value = "Mail to external domains queues for an hour"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert problem_reads.get_problem(tui_desk, "PRB-2").title == "Mail to external domains queues for an hour"


async def test_the_palette_opens_a_problem_by_ref_and_lists_every_screen(prb_app: DeskApp) -> None:
    from textual.command import CommandPalette

    first = problem_reads.list_problems(prb_app.desk)[0].ref
    async with prb_app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"Change board")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert prb_app.current_mode == "changes"
        await pilot.press("ctrl+p", *first.lower().replace("-", ""))
        await settle(pilot)
        assert isinstance(prb_app.screen, CommandPalette)
        await pilot.press("enter")
        await settle(pilot)
        assert getattr(prb_app.screen, "ref", None) == first
