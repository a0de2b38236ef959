"""The queue's services: views, keyset windows, counts, the change pulse, take next."""

from pathlib import Path

import pytest

from deskterm.domain.core.vocabulary import Tier
from deskterm.services.core.commands import UpdateTicket
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import NotFound
from deskterm.services.tickets import tickets
from deskterm.services.tickets.queue import QueueQuery, QueueView, pulse, queue_count, queue_page, take_next
from tests.services import factories as f
from tests.services.test_concurrency import job, run_workers


@pytest.fixture
def desk_with_tickets(desk: Desk) -> Desk:
    f.contact(desk, "Wang Wei", email="wang@example.com")
    me = desk.whoami().login
    f.group(desk, "Service Desk", tier=Tier.T1, members=(me,))
    f.group(desk, "Network", tier=Tier.T2)
    for i in range(30):
        impact = ("high", "medium", "low")[i % 3]
        f.log(desk, title=f"call {i:02d}", impact=impact, urgency="medium")
    return desk


def refs(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.ref for r in page.rows]


def test_windows_walk_forward_and_back_by_keyset(desk_with_tickets: Desk) -> None:
    desk = desk_with_tickets
    q = QueueQuery(view=QueueView.ALL_OPEN, sort="ref")
    first = queue_page(desk, q, limit=10)
    assert first.at_start and not first.at_end and refs(first) == [f"INC-{i}" for i in range(1, 11)]
    second = queue_page(desk, q, after=first.rows[-1].key, limit=10)
    assert refs(second) == [f"INC-{i}" for i in range(11, 21)]
    back = queue_page(desk, q, before=second.rows[0].key, limit=10)
    assert refs(back) == refs(first) and back.at_start
    last = queue_page(desk, q, last=True, limit=10)
    assert refs(last) == [f"INC-{i}" for i in range(21, 31)] and last.at_end
    assert queue_count(desk, q) == 30


def test_priority_sort_is_stable_across_windows(desk_with_tickets: Desk) -> None:
    desk = desk_with_tickets
    q = QueueQuery(sort="priority")
    seen: list[str] = []
    page = queue_page(desk, q, limit=7)
    seen += refs(page)
    while not page.at_end:
        page = queue_page(desk, q, after=page.rows[-1].key, limit=7)
        seen += refs(page)
    assert len(seen) == len(set(seen)) == 30
    whole = queue_page(desk, q, limit=100)
    assert seen == refs(whole)


def test_views_filter_by_me_my_groups_unassigned_major_and_resolved(desk_with_tickets: Desk) -> None:
    desk = desk_with_tickets
    me = desk.whoami().login
    tickets.update_ticket(desk, UpdateTicket(ref="INC-1", group="Service Desk", assignee=me))
    tickets.update_ticket(desk, UpdateTicket(ref="INC-2", group="Network"))
    tickets.update_ticket(desk, UpdateTicket(ref="INC-3", major=True))
    tickets.update_ticket(
        desk, UpdateTicket(ref="INC-4", status="resolved", resolution_code="fixed", resolution="done")
    )

    def view(v: QueueView, text: str = "") -> list[str]:
        return refs(queue_page(desk, QueueQuery(view=v, sort="ref", text=text), limit=100))

    assert view(QueueView.MY_WORK) == ["INC-1"]
    assert view(QueueView.MY_GROUPS) == ["INC-1"]
    assert "INC-1" not in view(QueueView.UNASSIGNED) and "INC-2" in view(QueueView.UNASSIGNED)
    assert view(QueueView.MAJOR) == ["INC-3"]
    assert view(QueueView.RECENTLY_RESOLVED) == ["INC-4"]
    assert "INC-4" not in view(QueueView.ALL_OPEN)
    assert view(QueueView.ALL_OPEN, "call 1") == [f"INC-{i}" for i in range(11, 21)]


def test_the_pulse_counts_and_changes_with_any_ticket_change(desk_with_tickets: Desk) -> None:
    desk = desk_with_tickets
    before = pulse(desk)
    assert before.unassigned == 30 and before.my_open == 0 and before.major == 0
    tickets.add_note(desk, f.validate(f.AddNote, ref="INC-5", body="a note"))
    after_note = pulse(desk)
    assert after_note.token != before.token
    take_next(desk)
    after_take = pulse(desk)
    assert after_take.my_open == 1 and after_take.unassigned == 29 and after_take.token != after_note.token


def test_take_next_takes_the_most_urgent_of_my_groups_or_none(desk_with_tickets: Desk) -> None:
    desk = desk_with_tickets
    tickets.update_ticket(desk, UpdateTicket(ref="INC-1", group="Network"))  # P2, not my group
    taken = take_next(desk)
    assert taken.ref == "INC-4" and taken.priority.value == "P2" and taken.assignee == desk.whoami().login
    assert taken.status.value == "assigned"


def test_take_next_with_nothing_left_says_so(desk: Desk) -> None:
    with pytest.raises(NotFound, match="nothing to take"):
        take_next(desk)


def test_several_agents_pressing_take_next_at_once_get_different_tickets(
    desk_with_tickets: Desk, db_url: str, tmp_path: Path
) -> None:
    reports = run_workers(tmp_path, [job(db_url, w, "take", count=5) for w in range(4)])
    taken = [ref for r in reports for ref in r["taken"]]
    assert len(taken) == 20 and len(set(taken)) == 20
    for ref in taken:
        view = tickets.get_ticket(desk_with_tickets, ref)
        assert view.assignee is not None and view.version == 2
