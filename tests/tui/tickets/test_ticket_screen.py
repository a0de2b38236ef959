"""The incident detail screen by keys: every action, conflicts, and hostile text."""

import html
import re

from textual.widgets import Label, Select, Static, TextArea

from deskterm.domain.core.clock import FixedClock
from deskterm.domain.core.text import cell_width
from deskterm.domain.core.vocabulary import Channel, PendingReason, ResolutionCode
from deskterm.services.core.commands import AddNote, LogIncident, UpdateTicket, validate
from deskterm.services.core.context import Desk
from deskterm.services.core.identity import OsIdentity
from deskterm.services.tickets import tickets
from deskterm.tui.app import DeskApp
from deskterm.tui.base.confirm import ConfirmDialog
from deskterm.tui.base.form import FormDialog
from deskterm.tui.tickets.queue import QueueScreen
from deskterm.tui.tickets.queue_table import QueueTable
from deskterm.tui.tickets.ticket import TicketScreen
from tests.conftest import FROZEN, open_desk
from tests.tui.conftest import settle

TEXT = re.compile(r'<text[^>]*?x="([\d.]+)"[^>]*clip-path="url\(#[^"]*-line-(\d+)\)"[^>]*>(.*?)</text>', re.S)
BOB = OsIdentity(uid=5151, login="bob", display_name="Bob")
CELL = 12.2  # width of one terminal cell in Textual's SVG export


def screen_lines(app: DeskApp) -> list[str]:
    """What is on the terminal, line by line, as a person reads it (wide characters count 2)."""
    rows: dict[int, list[str]] = {}
    for x, number, chunk in TEXT.findall(app.export_screenshot()):
        row = rows.setdefault(int(number), [])
        col = round(float(x) / CELL)
        text = html.unescape(chunk).replace("\xa0", " ").replace("\n", "")
        row.extend(" " * (col - len(row)))
        row[col:] = []
        for ch in text:
            row.append(ch)
            if cell_width(ch) == 2:
                row.append("")
    return ["".join(rows.get(i, [])).rstrip() for i in range(max(rows, default=-1) + 1)]


def screen_text(app: DeskApp) -> str:
    return "\n".join(screen_lines(app))


def header_text(app: DeskApp) -> str:
    """The header of the detail screen as shown (the lines above the timeline's rule)."""
    lines = screen_lines(app)
    end = next(i for i, line in enumerate(lines) if line.startswith("────"))
    return "\n".join(lines[1:end])


def notices(app: DeskApp) -> str:
    """The text of the notifications on screen (toasts, right-hand side, with a ▌ edge), as one line."""
    parts = [line.rsplit("▌", 1)[1].strip() for line in screen_lines(app) if "▌" in line]
    return " ".join(" ".join(parts).split())


def timeline_text(app: DeskApp) -> str:
    return str(app.screen.query_one("#ticket-events", Static).content)


def error_text(app: DeskApp, name: str = "form") -> str:
    label = app.screen.query_one(f"#error-{name}", Label)
    return str(label.content) if label.display else ""


async def type_text(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*text)


async def focus_field(pilot, name: str) -> None:  # type: ignore[no-untyped-def]
    """Tab (as a person would) until the field is focused."""
    target = pilot.app.screen.query_one(f"#field-{name}")
    for _ in range(10):
        focused = pilot.app.focused
        if focused is target or (focused is not None and target in focused.ancestors):  # a lookup's box
            return
        await pilot.press("tab")
    raise AssertionError(f"tab never reached field {name}; focus is on {pilot.app.focused}")


async def choose(pilot, name: str, label: str) -> None:  # type: ignore[no-untyped-def]
    """Pick an option of a select field by keys: focus it, enter, type the label, enter."""
    await focus_field(pilot, name)
    await pilot.press("enter")
    await type_text(pilot, label)
    await pilot.press("enter")
    await pilot.pause()
    select = pilot.app.screen.query_one(f"#field-{name}", Select)
    assert not select.expanded
    assert str(select.selection or "").startswith(label) or label in str(select.value)


async def save(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+s")
    await settle(pilot)


def log(desk: Desk, title: str, **extra: str | None) -> str:
    fields = {"caller": "#1", "impact": "medium", "urgency": "medium", "group": "Service Desk", **extra}
    return tickets.log_incident(desk, LogIncident(**{"title": title, **fields})).ref


def update(desk: Desk, ref: str, **fields: object) -> None:
    tickets.update_ticket(desk, validate(UpdateTicket, ref=ref, **fields))


async def open_by_ref(pilot, ref: str) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("colon", *ref.lower().replace("-", ""), "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, TicketScreen)
    assert pilot.app.screen.ref == ref
    assert ref in header_text(pilot.app)


async def test_enter_on_the_queue_opens_the_ticket_and_escape_goes_back(app: DeskApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        await pilot.press("j", "j")
        row = queue.query_one(QueueTable).rows[2]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.ref == row.ref
        view = tickets.get_ticket(app.desk, row.ref)
        head = header_text(app)
        assert f"{view.ref} {view.priority.value} {view.status.value}" in head
        assert view.caller in head
        assert "logged the ticket" in timeline_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is queue


async def test_take_makes_me_the_assignee(app: DeskApp) -> None:
    ref = log(app.desk, "Printer on floor 3 jams")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, ref)
        await pilot.press("t")
        await settle(pilot)
        view = tickets.get_ticket(app.desk, ref)
        assert (view.assignee, view.status.value) == ("alice", "assigned")
        head = header_text(app)
        assert f"{ref} P3 assigned" in head
        assert "Assignee alice" in head
        assert "assignee: - → alice" in timeline_text(app)


async def test_assign_to_a_group_and_an_agent(app: DeskApp) -> None:
    ref = log(app.desk, "VPN drops every hour")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, ref)
        await pilot.press("a")
        await settle(pilot)
        assert app.focused is app.screen.query_one("#field-group")
        await choose(pilot, "group", "Network")
        await focus_field(pilot, "assignee")
        await type_text(pilot, "zhao.qiang")
        await save(pilot)
        assert isinstance(app.screen, TicketScreen)
        view = tickets.get_ticket(app.desk, ref)
        assert (view.group, view.assignee, view.status.value) == ("Network", "zhao.qiang", "assigned")
        head = header_text(app)
        assert "Network (tier 2)" in head
        assert "zhao.qiang" in head


async def test_assign_to_someone_outside_the_group_is_refused_in_the_dialog(app: DeskApp) -> None:
    ref = log(app.desk, "VPN drops every hour")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, ref)
        await pilot.press("a")
        await settle(pilot)
        await focus_field(pilot, "assignee")
        await type_text(pilot, "gao.yuan")
        await save(pilot)
        assert "gao.yuan is not in Service Desk" in error_text(app)
        assert tickets.get_ticket(app.desk, ref).assignee is None
        await pilot.press("escape")  # typed text: it asks before discarding
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)


async def test_functional_escalation_moves_to_a_higher_tier_group(app: DeskApp) -> None:
    ref = log(app.desk, "Core switch port flapping")
    update(app.desk, ref, assignee="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, ref)
        await pilot.press("e")
        await settle(pilot)
        assert app.focused is app.screen.query_one("#field-group")
        await choose(pilot, "group", "Network")
        await focus_field(pilot, "reason")
        await type_text(pilot, "needs config")
        await save(pilot)
        assert isinstance(app.screen, TicketScreen)
        view = tickets.get_ticket(app.desk, ref)
        assert (view.group, view.tier.value, view.assignee) == ("Network", "2", None)
        assert any(n.body == "Functional escalation to Network (tier 2): needs config" for n in view.notes)
        assert any(h.field == "escalation" and h.new == "functional: Network" for h in view.history)
        head = header_text(app)
        assert "Network (tier 2)" in head
        assert "Assignee -" in head
        assert "Functional escalation to Network (tier 2)" in timeline_text(app)


async def test_functional_escalation_to_the_same_tier_is_refused_in_the_dialog(app: DeskApp) -> None:
    ref = log(app.desk, "Design review of the WAN", group="Architecture")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, ref)
        await pilot.press("e")
        await settle(pilot)
        await choose(pilot, "group", "Vendor")
        await focus_field(pilot, "reason")
        await type_text(pilot, "vendor")
        await save(pilot)
        shown = error_text(app, "group")
        assert f"Vendor - Cisco is tier 3 and {ref} is already at tier 3" in shown
        assert "higher tier" in shown
        view = tickets.get_ticket(app.desk, ref)
        assert (view.group, view.version) == ("Architecture", 1)
        assert not view.notes


async def test_functional_escalation_to_a_lower_tier_is_refused_in_the_dialog(
    app: DeskApp, seeded_url: str
) -> None:
    ref = log(app.desk, "Mail queue stuck")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, ref)
        await pilot.press("e")
        await settle(pilot)
        await choose(pilot, "group", "Messaging")
        await focus_field(pilot, "reason")
        await type_text(pilot, "exchange")
        # meanwhile someone sends it straight to tier 3
        update(app.desk, ref, group="Architecture")
        await save(pilot)
        assert f"Messaging is tier 2 and {ref} is already at tier 3" in error_text(app, "group")
        assert tickets.get_ticket(app.desk, ref).group == "Architecture"


async def test_hierarchic_escalation_names_the_group_lead(app: DeskApp) -> None:
    ref = log(app.desk, "Branch office offline", group="Network")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_by_ref(pilot, ref)
        await pilot.press("E")
        await settle(pilot)
        assert app.focused is app.screen.query_one("#field-reason")
        await type_text(pilot, "no progress")
        await save(pilot)
        assert isinstance(app.screen, TicketScreen)
        view = tickets.get_ticket(app.desk, ref)
        expected = "Hierarchic escalation to 赵强 (zhao.qiang, lead of Network): no progress"
        assert [n.body for n in view.notes] == [expected]
        assert expected in timeline_text(app)
        assert "zhao.qiang (lead of Network) has been notified" in notices(app)


async def test_hierarchic_escalation_of_a_major_incident_names_the_service_owner(app: DeskApp) -> None:
    ref = log(app.desk, "Nobody can send mail", group="Messaging", service="Email")
    update(app.desk, ref, major=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, ref)
        await pilot.press("E")
        await settle(pilot)
        await type_text(pilot, "all staff")
        await save(pilot)
        view = tickets.get_ticket(app.desk, ref)
        assert len(view.notes) == 1
        assert "owner of Email" in view.notes[0].body
        assert "owner of Email" in timeline_text(app)


async def test_hierarchic_escalation_without_lead_or_owner_explains_in_the_dialog(app: DeskApp) -> None:
    ref = log(app.desk, "Strange noise from the server room", group=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, ref)
        await pilot.press("E")
        await settle(pilot)
        await type_text(pilot, "decide")
        await save(pilot)
        assert "has no group lead or service owner to escalate to" in error_text(app)
        assert not tickets.get_ticket(app.desk, ref).notes
        await pilot.press("escape", "y")  # typed text: it asks before discarding
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)


async def test_internal_note_with_minutes(app: DeskApp) -> None:
    ref = log(app.desk, "Laptop will not boot")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, ref)
        await pilot.press("i")
        await settle(pilot)
        assert app.focused is app.screen.query_one("#field-body")
        await type_text(pilot, "Reseated RAM")
        await focus_field(pilot, "minutes")
        await type_text(pilot, "15")
        await save(pilot)
        view = tickets.get_ticket(app.desk, ref)
        assert [(n.body, n.visibility.value, n.minutes) for n in view.notes] == [
            ("Reseated RAM", "internal", 15)
        ]
        shown = timeline_text(app)
        assert "alice note (15 min)" in shown
        assert "Reseated RAM" in shown


async def test_empty_note_is_refused_next_to_the_field(app: DeskApp) -> None:
    ref = log(app.desk, "Laptop will not boot")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, ref)
        await pilot.press("i")
        await settle(pilot)
        await save(pilot)
        assert error_text(app, "body")
        assert not tickets.get_ticket(app.desk, ref).notes


async def test_public_update_on_a_parent_reaches_every_open_child(app: DeskApp) -> None:
    parent = log(app.desk, "Mail outage")
    open_child, done_child = log(app.desk, "Cannot send mail"), log(app.desk, "Outlook offline")
    tickets.link_children(app.desk, parent, f"{open_child} {done_child}")
    update(app.desk, done_child, status="resolved", resolution_code="fixed", resolution="restarted")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, parent)
        await pilot.press("u")
        await settle(pilot)
        assert app.focused is app.screen.query_one("#field-body")
        await type_text(pilot, "We are on it")
        await choose(pilot, "channel", "walk-in")
        await save(pilot)
        view = tickets.get_ticket(app.desk, parent)
        assert [(n.body, n.visibility.value, n.channel) for n in view.notes] == [
            ("We are on it", "public", Channel.WALK_IN)
        ]
        assert [n.body for n in tickets.get_ticket(app.desk, open_child).notes] == [
            f"Update on {parent}: We are on it"
        ]
        assert not tickets.get_ticket(app.desk, done_child).notes
        assert "alice public update via walk-in" in timeline_text(app)


async def test_pending_with_a_reason_then_resume(app: DeskApp) -> None:
    ref = log(app.desk, "Need the user's laptop")
    update(app.desk, ref, assignee="alice")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, ref)
        await pilot.press("p")
        await settle(pilot)
        assert app.focused is app.screen.query_one("#field-reason")
        await choose(pilot, "reason", "customer")
        await save(pilot)
        view = tickets.get_ticket(app.desk, ref)
        assert (view.status.value, view.pending_reason) == ("pending", PendingReason.CUSTOMER)
        assert "pending (customer)" in header_text(app)
        await pilot.press("w")
        await settle(pilot)
        view = tickets.get_ticket(app.desk, ref)
        assert (view.status.value, view.pending_reason) == ("in-progress", None)
        assert f"{ref} P3 in-progress" in header_text(app)


async def test_pending_without_a_reason_is_refused(app: DeskApp) -> None:
    ref = log(app.desk, "Need the user's laptop")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, ref)
        await pilot.press("p")
        await settle(pilot)
        await save(pilot)
        assert "pending needs a reason" in error_text(app) + error_text(app, "reason")
        assert tickets.get_ticket(app.desk, ref).status.value == "new"


async def test_resolve_a_parent_resolves_its_children_then_close(app: DeskApp) -> None:
    parent = log(app.desk, "Wi-Fi down on floor 2")
    child = log(app.desk, "No Wi-Fi in room 204")
    tickets.link_children(app.desk, parent, child)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_by_ref(pilot, parent)
        await pilot.press("R")
        await settle(pilot)
        assert app.focused is app.screen.query_one("#field-resolution_code")
        await choose(pilot, "resolution_code", "workaround")
        await focus_field(pilot, "resolution")
        await type_text(pilot, "Rebooted AP")
        await save(pilot)
        assert isinstance(app.screen, ConfirmDialog)  # resolving the children too is said first
        assert child in str(app.screen.question)
        await pilot.press("y")
        await settle(pilot)
        view = tickets.get_ticket(app.desk, parent)
        assert (view.status.value, view.resolution_code, view.resolution) == (
            "resolved",
            ResolutionCode.WORKAROUND,
            "Rebooted AP",
        )
        kid = tickets.get_ticket(app.desk, child)
        assert kid.status.value == "resolved"
        assert kid.resolution == f"Resolved with parent {parent}: Rebooted AP"
        head = header_text(app)
        assert f"{parent} P3 resolved" in head
        assert "workaround: Rebooted AP" in head
        await pilot.press("C", "y")  # closing is final: it asks first
        await settle(pilot)
        assert tickets.get_ticket(app.desk, parent).status.value == "closed"
        assert f"{parent} P3 closed" in header_text(app)
        # closed is final: reopening is refused and says so
        await pilot.press("O")
        await settle(pilot)
        assert tickets.get_ticket(app.desk, parent).status.value == "closed"
        assert "is final and cannot change status" in notices(app)


async def test_resolve_without_text_is_refused_in_the_dialog(app: DeskApp) -> None:
    ref = log(app.desk, "Wi-Fi down on floor 2")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, ref)
        await pilot.press("R")
        await settle(pilot)
        await save(pilot)
        assert "resolution" in error_text(app) + error_text(app, "resolution")
        assert tickets.get_ticket(app.desk, ref).status.value == "new"


async def test_reopen_a_resolved_ticket(app: DeskApp) -> None:
    ref = log(app.desk, "Password reset did not work")
    update(app.desk, ref, status="resolved", resolution_code="fixed", resolution="reset it")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, ref)
        await pilot.press("O")
        await settle(pilot)
        view = tickets.get_ticket(app.desk, ref)
        assert (view.status.value, view.reopen_count, view.resolution) == ("in-progress", 1, None)
        head = header_text(app)
        assert f"{ref} P3 in-progress" in head
        assert "Resolution" not in head


async def test_mark_and_unmark_major(app: DeskApp) -> None:
    ref = log(app.desk, "Payroll portal down")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, ref)
        assert "MAJOR" not in header_text(app)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)  # marking major starts a procedure: it asks
        await pilot.press("n")
        await settle(pilot)
        assert tickets.get_ticket(app.desk, ref).major is False
        await pilot.press("m", "y")
        await settle(pilot)
        assert tickets.get_ticket(app.desk, ref).major is True
        assert "MAJOR" in header_text(app)
        await pilot.press("m")
        await settle(pilot)
        assert tickets.get_ticket(app.desk, ref).major is False
        assert "MAJOR" not in header_text(app)


async def test_link_children_by_typed_refs(app: DeskApp) -> None:
    parent = log(app.desk, "Mail outage")
    first, second = log(app.desk, "Cannot send mail"), log(app.desk, "Outlook offline")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, parent)
        await pilot.press("l")
        await settle(pilot)
        assert app.focused is app.screen.query_one("#field-children")
        await type_text(pilot, f"{first.lower()}, {second.replace('-', '')}")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert tickets.get_ticket(app.desk, parent).children == [first, second]
        assert tickets.get_ticket(app.desk, first).parent == parent
        assert f"children {first}, {second}" in header_text(app)


async def test_linking_a_ticket_to_itself_is_refused_next_to_the_field(app: DeskApp) -> None:
    parent = log(app.desk, "Mail outage")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, parent)
        await pilot.press("l")
        await settle(pilot)
        await type_text(pilot, parent)
        await save(pilot)
        assert "cannot be its own child" in error_text(app, "children")
        assert not tickets.get_ticket(app.desk, parent).children


async def test_a_stale_version_is_a_conflict_that_names_the_change_and_who(
    app: DeskApp, seeded_url: str
) -> None:
    ref = log(app.desk, "Scanner shows error 42")
    update(app.desk, ref, assignee="alice")
    bob = open_desk(seeded_url, FixedClock(FROZEN), BOB)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await open_by_ref(pilot, ref)
            update(bob, ref, urgency="high")
            await pilot.press("R")
            await settle(pilot)
            await focus_field(pilot, "resolution")
            await type_text(pilot, "Cleaned")
            await save(pilot)
            shown = error_text(app)
            assert f"{ref} changed since you saw it" in shown
            assert "urgency" in shown
            assert "by bob" in shown
            assert isinstance(app.screen, FormDialog), "the dialog stays, with what was typed"
            assert app.screen.query_one("#field-resolution", TextArea).text == "Cleaned"
            view = tickets.get_ticket(app.desk, ref)
            assert view.status.value == "assigned"
            assert view.urgency.value == "high"
            # escape (and yes, drop what was typed), and the screen shows the fresh ticket
            await pilot.press("escape", "y")
            await settle(pilot)
            assert "x urgency high" in header_text(app)
            await pilot.press("R")
            await settle(pilot)
            await focus_field(pilot, "resolution")
            await type_text(pilot, "Cleaned")
            await save(pilot)
            assert tickets.get_ticket(app.desk, ref).status.value == "resolved"
    finally:
        bob.close()


async def test_a_stale_take_is_refused_with_a_notice_and_the_screen_catches_up(
    app: DeskApp, seeded_url: str
) -> None:
    ref = log(app.desk, "Scanner shows error 42")
    bob = open_desk(seeded_url, FixedClock(FROZEN), BOB)
    try:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await open_by_ref(pilot, ref)
            update(bob, ref, major=True)
            await pilot.press("t")
            await settle(pilot)
            shown = notices(app)
            assert f"{ref} changed since you saw it" in shown
            assert "major by bob" in shown
            view = tickets.get_ticket(app.desk, ref)
            assert (view.assignee, view.major) == (None, True)
            assert "MAJOR" in header_text(app)
            await pilot.press("t")
            await settle(pilot)
            assert tickets.get_ticket(app.desk, ref).assignee == "alice"
    finally:
        bob.close()


async def test_hostile_titles_and_notes_show_literally(app: DeskApp) -> None:
    markup = "[bold]not bold[/] and [/] and [link=http://x]link[/link]"
    escape = "红色警报 \x1b[31mescape\x1b[0m 打印机卡纸"
    refs = [log(app.desk, markup), log(app.desk, escape)]
    tickets.add_note(app.desk, AddNote(ref=refs[1], body="bell \x07 and \x1b]8;;http://x\x1b\\ link"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, refs[0])
        head = header_text(app)
        assert markup in head
        await pilot.press("escape")
        await settle(pilot)
        await open_by_ref(pilot, refs[1])
        screen = screen_text(app)
        assert "红色警报 ␛[31mescape␛[0m 打印机卡纸" in screen
        assert "bell ␇ and ␛]8;;http://x␛\\ link" in screen
        assert "\x1b" not in screen
        assert "\x07" not in screen
        # what the agent types shows literally too, and the dialogs name the ticket safely
        await pilot.press("i")
        await settle(pilot)
        await type_text(pilot, "[/] closing [red]tag")
        await save(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert "[/] closing [red]tag" in screen_text(app)
        assert tickets.get_ticket(app.desk, refs[1]).notes[-1].body == "[/] closing [red]tag"
