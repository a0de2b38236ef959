"""Tickets as an agent sees them: logging calls, reading, queues, updates, notes, conflicts.

Every test runs once on SQLite and once on PostgreSQL (the ``desk`` fixture).
"""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from deskterm.domain.core.clock import FixedClock
from deskterm.domain.core.vocabulary import (
    Channel,
    NoteVisibility,
    PendingReason,
    Priority,
    ResolutionCode,
    TicketKind,
    TicketStatus,
    Tier,
)
from deskterm.services.core.commands import LogIncident, UpdateTicket, validate
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from deskterm.services.core.identity import OsIdentity
from deskterm.services.tickets import tickets
from deskterm.store.queries.tickets import TicketFilter, ticket_rows
from tests.conftest import FROZEN, open_desk
from tests.services import factories as f

S = TicketStatus
DAVE = OsIdentity(uid=4243, login="dave", display_name="Dave Second")


@pytest.fixture
def seeded(desk: Desk) -> Desk:
    """Two callers, three groups, agents in them, a service with a CI."""
    f.contact(desk, "Wang Wei", email="wang.wei@example.com", phone="+86 10 5555 0101")
    f.contact(desk, "Li Na", phone="+86 21 5555 0202")
    f.group(desk, "Service Desk", tier=Tier.T1)
    f.group(desk, "Network")
    f.group(desk, "Apps")
    f.agent(desk, "bob", groups=("Network",))
    f.agent(desk, "carol", groups=("Service Desk", "Network"))
    f.agent(desk, "erin", groups=("Apps",))
    f.service(desk, "Email")
    f.ci(desk, "mail-01", services=["Email"])
    return desk


@pytest.fixture
def dave(db_url: str, clock: FixedClock, seeded: Desk) -> Iterator[Desk]:
    """A second agent on the same database (another OS account)."""
    d = open_desk(db_url, clock, identity=DAVE)
    yield d
    d.close()


def fields_of(history: list[Any], version: int) -> dict[str, tuple[str | None, str | None]]:
    return {h.field: (h.old, h.new) for h in history if h.version == version}


# --------------------------------------------------------------------------- log_incident


def test_log_incident_numbers_refs_per_kind(seeded: Desk) -> None:
    refs = [
        f.log(seeded).ref,
        f.log(seeded).ref,
        f.log(seeded, kind="request", title="New laptop").ref,
        f.log(seeded).ref,
        f.log(seeded, kind="request", title="New phone").ref,
    ]
    assert refs == ["INC-1", "INC-2", "REQ-1", "INC-3", "REQ-2"]
    assert tickets.get_ticket(seeded, "REQ-2").kind is TicketKind.REQUEST
    assert tickets.get_ticket(seeded, "INC-3").kind is TicketKind.INCIDENT


def test_logged_incident_is_new_version_one_and_says_who_logged_it(seeded: Desk) -> None:
    t = f.log(
        seeded,
        title="Outlook cannot connect",
        caller="wang.wei@example.com",
        impact="high",
        urgency="medium",
        service="Email",
        ci="mail-01",
        group="Network",
        channel="email",
        description="Since 9:00\nevery client",
        category="email",
    )
    assert t.ref == "INC-1"
    assert t.status is S.NEW
    assert t.version == 1
    assert t.priority is Priority.P2
    assert (t.caller, t.caller_email, t.service, t.ci, t.group) == (
        "Wang Wei",
        "wang.wei@example.com",
        "Email",
        "mail-01",
        "Network",
    )
    assert t.channel is Channel.EMAIL
    assert t.description == "Since 9:00\nevery client"
    assert t.assignee is None
    assert t.created_by == "alice"
    assert t.opened_at == FROZEN
    assert t.updated_at == FROZEN
    assert t.responded_at is None and t.resolved_at is None and t.closed_at is None
    assert t.reopen_count == 0
    assert tickets.get_ticket(seeded, "INC-1") == t


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [
        ("high", "high", Priority.P1),
        ("high", "medium", Priority.P2),
        ("medium", "high", Priority.P2),
        ("high", "low", Priority.P3),
        ("medium", "medium", Priority.P3),
        ("low", "high", Priority.P3),
        ("medium", "low", Priority.P4),
        ("low", "medium", Priority.P4),
        ("low", "low", Priority.P5),
    ],
)
def test_priority_comes_from_the_matrix(seeded: Desk, impact: str, urgency: str, priority: Priority) -> None:
    t = f.log(seeded, impact=impact, urgency=urgency)
    assert (t.impact.value, t.urgency.value, t.priority) == (impact, urgency, priority)


def test_logging_writes_audit_rows_created_status_priority(seeded: Desk) -> None:
    t = f.log(seeded, impact="low", urgency="high")
    assert [(h.field, h.old, h.new, h.version, h.actor) for h in t.history] == [
        ("created", None, "INC-1", 1, "alice"),
        ("status", None, "new", 1, "alice"),
        ("priority", None, "P3", 1, "alice"),
    ]
    assert all(h.at == FROZEN for h in t.history)
    routed = f.log(seeded, group="Network")
    assert [(h.field, h.new) for h in routed.history][-1] == ("group", "Network")


@pytest.mark.parametrize(
    "who", ["wang.wei@example.com", "WANG.WEI@Example.COM", "Wang Wei", " wang wei ", "#1"]
)
def test_caller_found_by_email_name_or_id(seeded: Desk, who: str) -> None:
    assert f.log(seeded, caller=who).caller == "Wang Wei"


def test_caller_found_by_phone(seeded: Desk) -> None:
    t = f.log(seeded, caller="+86 21 5555 0202")
    assert (t.caller, t.caller_email, t.caller_phone) == ("Li Na", None, "+86 21 5555 0202")


def test_ambiguous_caller_is_refused_listing_the_candidates(seeded: Desk) -> None:
    first = f.contact(seeded, "Zhang San", email="zs1@example.com")
    second = f.contact(seeded, "Zhang San", phone="555-0303")
    with pytest.raises(InvalidInput) as err:
        f.log(seeded, caller="zhang san")
    msg = err.value.message
    assert err.value.exit_code == 4
    assert "2 callers match" in msg
    assert f"#{first.id} Zhang San <zs1@example.com>" in msg
    assert f"#{second.id} Zhang San <555-0303>" in msg
    assert "email or the #id" in msg
    assert tickets.list_tickets(seeded) == []
    # Either one is then reachable without ambiguity, and the refused call used no number.
    t = f.log(seeded, caller=f"#{second.id}")
    assert (t.ref, t.caller_phone) == ("INC-1", "555-0303")
    assert f.log(seeded, caller="zs1@example.com").caller_email == "zs1@example.com"


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("caller", "nobody@example.com", "no caller matches"),
        ("caller", "#999", "no caller has the id #999"),
        ("service", "Emial", "did you mean Email"),
        ("ci", "mail-99", "no configuration item is named 'mail-99'"),
        ("group", "Netwrk", "did you mean Network"),
    ],
)
def test_unknown_caller_service_ci_or_group_is_not_found(
    seeded: Desk, field: str, value: str, words: str
) -> None:
    args: dict[str, Any] = {"caller": "Wang Wei", field: value}
    with pytest.raises(NotFound) as err:
        f.log(seeded, **args)
    assert err.value.exit_code == 3
    assert words in err.value.message
    assert tickets.list_tickets(seeded) == []
    assert f.log(seeded).ref == "INC-1"


@pytest.mark.parametrize("title", ["", "   ", "\n\t\n", "x" * 201, "界" * 201])
def test_empty_or_too_long_title_is_refused(title: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validate(LogIncident, title=title, caller="Wang Wei", impact="low", urgency="low")
    assert err.value.details["field"] == "title"
    assert err.value.message.startswith("title: ")


def test_longest_title_is_kept_and_newlines_collapse(seeded: Desk) -> None:
    assert f.log(seeded, title="y" * 200).title == "y" * 200
    t = f.log(seeded, title="  Printer\n\n on floor 3\tjams  \r\n")
    assert t.title == "Printer on floor 3 jams"
    assert tickets.get_ticket(seeded, t.ref).title == "Printer on floor 3 jams"


@pytest.mark.parametrize(
    ("field", "value"), [("impact", "huge"), ("urgency", "asap"), ("kind", "problem"), ("channel", "fax")]
)
def test_unknown_words_are_refused_naming_the_field(field: str, value: str) -> None:
    data: dict[str, Any] = {"title": "t", "caller": "c", "impact": "low", "urgency": "low", field: value}
    with pytest.raises(InvalidInput) as err:
        validate(LogIncident, **data)
    assert err.value.details["field"] == field


# --------------------------------------------------------------------------- get_ticket


def test_get_ticket_shows_notes_history_and_children(seeded: Desk, clock: FixedClock) -> None:
    parent = f.log(seeded, title="Mail down for everyone")
    child_a = f.log(seeded, title="Mail down for me")
    child_b = f.log(seeded, title="Cannot send mail")
    f.update(seeded, child_b.ref, parent=parent.ref)
    f.update(seeded, child_a.ref, parent=parent.ref)
    f.note(seeded, parent.ref, "first")
    clock.advance(timedelta(minutes=5))
    f.note(seeded, parent.ref, "second", public=True, minutes=10)
    f.update(seeded, parent.ref, group="Network")
    f.update(seeded, parent.ref, assignee="bob")

    t = tickets.get_ticket(seeded, "inc1")
    assert t.ref == "INC-1"
    assert t.children == [child_a.ref, child_b.ref]  # in the order they were logged
    assert [n.body for n in t.notes] == ["first", "second"]
    assert [n.created_at for n in t.notes] == [FROZEN, FROZEN + timedelta(minutes=5)]
    assert t.notes[1].minutes == 10
    assert [(h.field, h.new, h.version) for h in t.history] == [
        ("created", "INC-1", 1),
        ("status", "new", 1),
        ("priority", "P3", 1),
        ("group", "Network", 2),
        ("tier", "2", 2),
        ("assignee", "bob", 3),
        ("status", "assigned", 3),
    ]
    assert tickets.get_ticket(seeded, child_a.ref).parent == "INC-1"
    assert tickets.get_ticket(seeded, child_a.ref).children == []


@pytest.mark.parametrize(
    ("ref", "error", "words"),
    [
        ("INC-9", NotFound, "there is no ticket INC-9"),
        ("REQ-1", NotFound, "there is no ticket REQ-1"),
        ("PRB-1", InvalidInput, "PRB-1 is not a ticket"),
        ("mail", InvalidInput, "is not a ref"),
        ("XYZ-1", InvalidInput, "unknown prefix"),
    ],
)
def test_get_ticket_with_a_wrong_ref(seeded: Desk, ref: str, error: type[Exception], words: str) -> None:
    f.log(seeded)
    with pytest.raises(error) as err:
        tickets.get_ticket(seeded, ref)
    assert words in str(err.value)


# --------------------------------------------------------------------------- list_tickets


@pytest.fixture
def queue(seeded: Desk, clock: FixedClock) -> Desk:
    """Seven tickets in several states, logged a minute apart."""
    f.contact(seeded, "王伟", email="wangwei@example.cn")
    f.service(seeded, "邮箱服务")
    specs: list[dict[str, Any]] = [
        # INC-1 P1, Network, bob, assigned
        {"title": "VPN drops every hour", "impact": "high", "urgency": "high", "group": "Network"},
        # INC-2 P3, new, unassigned, Chinese caller and service
        {"title": "邮件服务器宕机", "caller": "王伟", "service": "邮箱服务"},
        # INC-3 P4, resolved
        {"title": "Disk 100% full", "impact": "medium", "urgency": "low"},
        # REQ-1 P5 request
        {"title": "New laptop_bag", "impact": "low", "urgency": "low", "kind": "request"},
        # INC-4 P2, pending, Email service
        {
            "title": "Laptop disk 1000 GB, laptopsbag",
            "impact": "high",
            "urgency": "medium",
            "service": "Email",
        },
        # INC-5 P3, closed
        {"title": "Old printer", "caller": "Li Na"},
        # REQ-2 P4, Network, carol
        {"title": "Access to share", "kind": "request", "urgency": "low", "group": "Network"},
    ]
    for spec in specs:
        f.log(seeded, **spec)
        clock.advance(timedelta(minutes=1))
    f.update(seeded, "INC-1", assignee="bob")
    f.update(seeded, "INC-3", status="resolved", resolution_code="fixed", resolution="cleaned up")
    f.update(seeded, "INC-4", status="pending", reason="supplier")
    f.update(seeded, "INC-5", status="resolved", resolution_code="fixed", resolution="replaced")
    f.update(seeded, "INC-5", status="closed")
    f.update(seeded, "REQ-2", assignee="carol")
    return seeded


def refs(rows: list[Any]) -> list[str]:
    return [r.ref for r in rows]


ALL_BY_PRIORITY = ["INC-1", "INC-4", "INC-2", "INC-5", "INC-3", "REQ-2", "REQ-1"]


def test_default_list_is_every_ticket_most_urgent_first(queue: Desk) -> None:
    rows = tickets.list_tickets(queue)
    assert refs(rows) == ALL_BY_PRIORITY
    first = rows[0]
    assert (first.priority, first.status, first.group, first.assignee, first.caller) == (
        Priority.P1,
        S.ASSIGNED,
        "Network",
        "bob",
        "Wang Wei",
    )
    assert first.version == 2
    assert rows[1].pending_reason is PendingReason.SUPPLIER


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"statuses": [S.NEW]}, ["INC-2", "REQ-1"]),
        ({"statuses": [S.RESOLVED, S.CLOSED]}, ["INC-5", "INC-3"]),
        ({"open_only": True}, ["INC-1", "INC-4", "INC-2", "REQ-2", "REQ-1"]),
        ({"open_only": True, "statuses": [S.CLOSED]}, ["INC-5"]),
        ({"assignee": "bob"}, ["INC-1"]),
        ({"assignee": "CAROL"}, ["REQ-2"]),
        ({"unassigned": True, "open_only": True}, ["INC-4", "INC-2", "REQ-1"]),
        ({"group": "network"}, ["INC-1", "REQ-2"]),
        ({"group": "Apps"}, []),
        ({"priorities": [Priority.P1, Priority.P2]}, ["INC-1", "INC-4"]),
        ({"priorities": [Priority.P4]}, ["INC-3", "REQ-2"]),
        ({"kind": TicketKind.REQUEST}, ["REQ-2", "REQ-1"]),
        ({"kind": TicketKind.INCIDENT, "open_only": True}, ["INC-1", "INC-4", "INC-2"]),
        ({"group": "Network", "assignee": "carol", "kind": TicketKind.REQUEST}, ["REQ-2"]),
    ],
)
def test_list_filters(queue: Desk, kw: dict[str, Any], expected: list[str]) -> None:
    assert refs(tickets.list_tickets(queue, **kw)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vpn", ["INC-1"]),
        ("  VPN DROPS ", ["INC-1"]),
        ("inc-2", ["INC-2"]),
        ("REQ", ["REQ-2", "REQ-1"]),
        ("邮件", ["INC-2"]),  # title
        ("王伟", ["INC-2"]),  # caller
        ("邮箱", ["INC-2"]),  # service
        ("li na", ["INC-5"]),  # caller
        ("email", ["INC-4"]),  # service
        ("100%", ["INC-3"]),  # '%' is a literal, not "anything"
        ("%", ["INC-3"]),
        ("p_b", ["REQ-1"]),  # '_' is a literal, not "any one character"
        ("_", ["REQ-1"]),
        ("\\", []),
        ("disk", ["INC-4", "INC-3"]),
        ("nothing like this", []),
        ("   ", ALL_BY_PRIORITY),
    ],
)
def test_list_text_search(queue: Desk, text: str, expected: list[str]) -> None:
    assert refs(tickets.list_tickets(queue, text=text)) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("ref", ["INC-1", "INC-2", "INC-3", "REQ-1", "INC-4", "INC-5", "REQ-2"]),
        ("opened", ["INC-1", "INC-2", "INC-3", "REQ-1", "INC-4", "INC-5", "REQ-2"]),
        ("age", ["INC-1", "INC-2", "INC-3", "REQ-1", "INC-4", "INC-5", "REQ-2"]),
        ("title", ["REQ-2", "INC-3", "INC-4", "REQ-1", "INC-5", "INC-1", "INC-2"]),
        ("caller", ["INC-5", "INC-1", "INC-3", "REQ-1", "INC-4", "REQ-2", "INC-2"]),
        ("service", ["INC-1", "INC-3", "REQ-1", "INC-5", "REQ-2", "INC-4", "INC-2"]),
        ("assignee", ["INC-2", "INC-3", "REQ-1", "INC-4", "INC-5", "INC-1", "REQ-2"]),
        ("group", ["INC-2", "INC-3", "REQ-1", "INC-4", "INC-5", "INC-1", "REQ-2"]),
        ("priority", ALL_BY_PRIORITY),
    ],
)
def test_list_sort_columns_both_ways(queue: Desk, sort: str, expected: list[str]) -> None:
    assert refs(tickets.list_tickets(queue, sort=sort)) == expected
    assert refs(tickets.list_tickets(queue, sort=sort, descending=True)) == expected[::-1]


def test_list_sort_by_status_and_updated(queue: Desk) -> None:
    by_status = tickets.list_tickets(queue, sort="status")
    assert [r.status for r in by_status] == sorted(r.status for r in by_status)
    by_updated = tickets.list_tickets(queue, sort="updated")
    assert [r.updated_at for r in by_updated] == sorted(r.updated_at for r in by_updated)


def test_list_limit_and_bad_arguments(queue: Desk) -> None:
    assert refs(tickets.list_tickets(queue, limit=2)) == ALL_BY_PRIORITY[:2]
    assert len(tickets.list_tickets(queue, limit=1)) == 1
    assert len(tickets.list_tickets(queue, limit=10_000)) == 7
    for bad in (0, -1, 10_001):
        with pytest.raises(InvalidInput, match="limit must be between 1 and 10000"):
            tickets.list_tickets(queue, limit=bad)
    with pytest.raises(InvalidInput) as err:
        tickets.list_tickets(queue, sort="colour")
    assert "cannot sort by 'colour'" in err.value.message and "priority" in err.value.message
    with pytest.raises(NotFound, match="no agent has the login 'bobby'; did you mean bob"):
        tickets.list_tickets(queue, assignee="bobby")
    with pytest.raises(NotFound, match="no group is named"):
        tickets.list_tickets(queue, group="Nowhere")


def test_list_of_an_empty_desk(desk: Desk) -> None:
    assert tickets.list_tickets(desk) == []
    assert tickets.list_tickets(desk, text="%", open_only=True) == []


@pytest.mark.parametrize(
    "sort", ["priority", "ref", "title", "caller", "service", "assignee", "opened", "status"]
)
@pytest.mark.parametrize("descending", [False, True])
def test_keyset_pagination_visits_every_row_once_in_order(queue: Desk, sort: str, descending: bool) -> None:
    with queue.reading() as s:
        whole = s.execute(ticket_rows(TicketFilter(), sort=sort, descending=descending, limit=100)).all()
        pages: list[list[str]] = []
        after = None
        while True:
            page = s.execute(
                ticket_rows(TicketFilter(), sort=sort, descending=descending, after=after, limit=3)
            ).all()
            if not page:
                break
            pages.append([r.ref for r in page])
            after = (page[-1].sort_key, page[-1].id)
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [ref for p in pages for ref in p] == [r.ref for r in whole]
    assert len({r.ref for r in whole}) == 7


def test_list_continues_after_a_row_through_the_service(queue: Desk) -> None:
    with queue.reading() as s:
        first = s.execute(ticket_rows(TicketFilter(), sort="priority", limit=2)).all()
    rest = tickets.list_tickets(queue, after=(first[-1].sort_key, first[-1].id))
    assert [r.ref for r in first] + refs(rest) == ALL_BY_PRIORITY


# --------------------------------------------------------------------------- update: routing


def test_assigning_moves_new_to_assigned_and_counts_as_response(seeded: Desk, clock: FixedClock) -> None:
    f.log(seeded, group="Network")
    clock.advance(timedelta(minutes=7))
    t = f.update(seeded, "INC-1", assignee="bob")
    assert (t.assignee, t.status, t.version) == ("bob", S.ASSIGNED, 2)
    assert t.responded_at == FROZEN + timedelta(minutes=7)
    assert t.updated_at == FROZEN + timedelta(minutes=7)
    assert fields_of(t.history, 2) == {"assignee": (None, "bob"), "status": ("new", "assigned")}
    # Unassigning sends it back to new; responded stays what it was.
    clock.advance(timedelta(minutes=1))
    t = f.update(seeded, "INC-1", assignee="")
    assert (t.assignee, t.status, t.version) == (None, S.NEW, 3)
    assert t.responded_at == FROZEN + timedelta(minutes=7)
    assert fields_of(t.history, 3) == {"assignee": ("bob", None), "status": ("assigned", "new")}


def test_assignee_without_a_group_is_anyone_active(seeded: Desk) -> None:
    f.log(seeded)
    t = f.update(seeded, "INC-1", assignee="ERIN")
    assert (t.assignee, t.status) == ("erin", S.ASSIGNED)


def test_assignee_must_be_a_member_of_the_tickets_group(seeded: Desk) -> None:
    f.log(seeded, group="Network")
    before = f.audit_count(seeded)
    with pytest.raises(InvalidInput) as err:
        f.update(seeded, "INC-1", assignee="erin", title="changed too")
    assert err.value.message == (
        "erin is not in Network; assign a member of Network or change the group first"
    )
    t = tickets.get_ticket(seeded, "INC-1")
    assert (t.assignee, t.status, t.version, t.title) == (None, S.NEW, 1, "Mail is down")
    assert f.audit_count(seeded) == before
    with pytest.raises(NotFound, match="no agent has the login 'zed'"):
        f.update(seeded, "INC-1", assignee="zed")


def test_moving_group_and_assigning_in_one_update_checks_the_new_group(seeded: Desk) -> None:
    f.log(seeded, group="Apps")
    # bob is in Network, not in Apps: the refusal must name the group he would need to be in.
    with pytest.raises(InvalidInput) as err:
        f.update(seeded, "INC-1", group="Service Desk", assignee="bob")
    assert err.value.message == (
        "bob is not in Service Desk; assign a member of Service Desk or change the group first"
    )
    f.log(seeded)
    with pytest.raises(InvalidInput, match=r"^erin is not in Network;"):
        f.update(seeded, "INC-2", group="Network", assignee="erin")
    t = f.update(seeded, "INC-1", group="Network", assignee="bob")
    assert (t.group, t.assignee, t.status, t.version) == ("Network", "bob", S.ASSIGNED, 2)
    assert fields_of(t.history, 2) == {
        "group": ("Apps", "Network"),
        "assignee": (None, "bob"),
        "status": ("new", "assigned"),
    }


def test_inactive_agent_cannot_be_assigned(seeded: Desk) -> None:
    f.agent(seeded, "frank", groups=("Network",), active=False)
    f.log(seeded, group="Network")
    with pytest.raises(InvalidInput, match="frank is inactive and cannot take tickets"):
        f.update(seeded, "INC-1", assignee="frank")


def test_changing_group_clears_an_assignee_who_is_not_a_member(seeded: Desk) -> None:
    f.log(seeded, group="Network")
    f.update(seeded, "INC-1", assignee="bob")
    t = f.update(seeded, "INC-1", group="Service Desk")
    assert (t.group, t.tier.value, t.assignee, t.status, t.version) == ("Service Desk", "1", None, S.NEW, 3)
    assert fields_of(t.history, 3) == {
        "group": ("Network", "Service Desk"),
        "tier": ("2", "1"),
        "assignee": ("bob", None),
        "status": ("assigned", "new"),
    }


def test_changing_group_keeps_an_assignee_who_is_a_member(seeded: Desk) -> None:
    f.log(seeded, group="Network")
    f.update(seeded, "INC-1", assignee="carol")
    t = f.update(seeded, "INC-1", group="Service Desk")
    assert (t.group, t.assignee, t.status) == ("Service Desk", "carol", S.ASSIGNED)
    assert set(fields_of(t.history, 3)) == {"group", "tier"}


def test_impact_and_urgency_recompute_priority_with_audit(seeded: Desk) -> None:
    f.log(seeded, impact="medium", urgency="medium")
    t = f.update(seeded, "INC-1", impact="high")
    assert (t.impact.value, t.urgency.value, t.priority, t.version) == ("high", "medium", Priority.P2, 2)
    assert fields_of(t.history, 2) == {"impact": ("medium", "high"), "priority": ("P3", "P2")}
    t = f.update(seeded, "INC-1", urgency="high")
    assert (t.priority, t.version) == (Priority.P1, 3)
    assert fields_of(t.history, 3) == {"urgency": ("medium", "high"), "priority": ("P2", "P1")}
    # A change of both that lands on the same priority is audited without a priority row.
    t = f.update(seeded, "INC-1", impact="medium", urgency="low")
    t = f.update(seeded, "INC-1", impact="low", urgency="medium")
    assert (t.priority, t.version) == (Priority.P4, 5)
    assert fields_of(t.history, 5) == {"impact": ("medium", "low"), "urgency": ("low", "medium")}
    assert refs(tickets.list_tickets(seeded, priorities=[Priority.P4])) == ["INC-1"]


def test_other_fields_are_updated_and_audited(seeded: Desk) -> None:
    f.log(seeded)
    t = f.update(
        seeded,
        "INC-1",
        title="Mail\ndown  again",
        description="more detail",
        category="email",
        service="email",
        ci="MAIL-01",
        major=True,
        workaround="use webmail",
    )
    assert (t.title, t.description, t.category, t.service, t.ci, t.major, t.workaround) == (
        "Mail down again",
        "more detail",
        "email",
        "Email",
        "mail-01",
        True,
        "use webmail",
    )
    assert t.version == 2
    assert fields_of(t.history, 2) == {
        "title": ("Mail is down", "Mail down again"),
        "description": ("", "more detail"),
        "category": (None, "email"),
        "service": (None, "Email"),
        "ci": (None, "mail-01"),
        "major": ("no", "yes"),
        "workaround": (None, "use webmail"),
    }
    t = f.update(seeded, "INC-1", category=" ", workaround="")
    assert (t.category, t.workaround, t.version) == (None, None, 3)
    with pytest.raises(NotFound):
        f.update(seeded, "INC-1", service="Nope")
    with pytest.raises(InvalidInput, match="title"):
        f.update(seeded, "INC-1", title=" ")
    with pytest.raises(NotFound, match="there is no ticket INC-7"):
        f.update(seeded, "INC-7", title="x")


# --------------------------------------------------------------------------- update: lifecycle


def test_illegal_transition_names_the_allowed_ones_and_writes_nothing(seeded: Desk) -> None:
    f.log(seeded)
    before = f.audit_count(seeded)
    with pytest.raises(InvalidInput) as err:
        f.update(seeded, "INC-1", status="closed", title="sneaky", impact="high")
    msg = err.value.message
    assert msg.startswith("INC-1: ") and "cannot go to closed" in msg
    assert msg.endswith("allowed: assigned, in-progress, pending, resolved")
    assert err.value.details == {"field": "status"}
    t = tickets.get_ticket(seeded, "INC-1")
    assert (t.status, t.version, t.title, t.priority) == (S.NEW, 1, "Mail is down", Priority.P3)
    assert f.audit_count(seeded) == before


def test_assigned_status_needs_an_assignee(seeded: Desk) -> None:
    f.log(seeded)
    with pytest.raises(InvalidInput, match="assigned needs an assignee"):
        f.update(seeded, "INC-1", status="assigned")
    t = f.update(seeded, "INC-1", status="assigned", assignee="bob")
    assert (t.status, t.assignee) == (S.ASSIGNED, "bob")


def test_pending_needs_a_reason_and_the_reason_can_change(seeded: Desk, clock: FixedClock) -> None:
    f.log(seeded)
    with pytest.raises(InvalidInput, match="pending needs a reason: one of customer, supplier"):
        f.update(seeded, "INC-1", status="pending")
    with pytest.raises(InvalidInput, match="a pending reason goes with --status pending"):
        f.update(seeded, "INC-1", reason="customer")
    with pytest.raises(InvalidInput, match="a pending reason only goes with status pending"):
        f.update(seeded, "INC-1", status="in-progress", reason="customer")
    clock.advance(timedelta(minutes=3))
    t = f.update(seeded, "INC-1", status="pending", reason="customer")
    assert (t.status, t.pending_reason, t.version) == (S.PENDING, PendingReason.CUSTOMER, 2)
    assert t.responded_at == FROZEN + timedelta(minutes=3)
    assert fields_of(t.history, 2) == {"status": ("new", "pending"), "pending_reason": (None, "customer")}

    t = f.update(seeded, "INC-1", status="pending", reason="supplier")
    assert (t.status, t.pending_reason, t.version) == (S.PENDING, PendingReason.SUPPLIER, 3)
    assert fields_of(t.history, 3) == {"pending_reason": ("customer", "supplier")}

    same = f.update(seeded, "INC-1", status="pending", reason="supplier")
    assert same.version == 3
    with pytest.raises(InvalidInput, match="pending needs a reason"):
        f.update(seeded, "INC-1", status="pending")

    t = f.update(seeded, "INC-1", status="in-progress")
    assert (t.status, t.pending_reason, t.version) == (S.IN_PROGRESS, None, 4)
    assert fields_of(t.history, 4) == {
        "status": ("pending", "in-progress"),
        "pending_reason": ("supplier", None),
    }


@pytest.mark.parametrize(
    "kw",
    [
        {"status": "resolved"},
        {"status": "resolved", "resolution_code": "fixed"},
        {"status": "resolved", "resolution": "did a thing"},
        {"status": "resolved", "resolution_code": "fixed", "resolution": "  \n "},
    ],
)
def test_resolving_needs_a_code_and_a_text(seeded: Desk, kw: dict[str, Any]) -> None:
    f.log(seeded)
    with pytest.raises(InvalidInput, match="resolving needs a resolution code and a resolution text"):
        f.update(seeded, "INC-1", **kw)
    assert tickets.get_ticket(seeded, "INC-1").version == 1


def test_a_resolution_without_resolving_is_refused(seeded: Desk) -> None:
    f.log(seeded)
    with pytest.raises(InvalidInput, match="resolving needs --status resolved"):
        f.update(seeded, "INC-1", resolution_code="fixed", resolution="x")
    with pytest.raises(InvalidInput, match="resolution code"):
        f.update(seeded, "INC-1", status="resolved", resolution_code="magic", resolution="x")


def test_resolve_close_and_closed_is_final(seeded: Desk, clock: FixedClock) -> None:
    f.log(seeded, group="Network")
    f.update(seeded, "INC-1", assignee="bob")
    clock.advance(timedelta(hours=1))
    t = f.update(seeded, "INC-1", status="resolved", resolution_code="fixed", resolution="  restarted  ")
    assert (t.status, t.resolution_code, t.resolution) == (S.RESOLVED, ResolutionCode.FIXED, "restarted")
    assert t.resolved_at == FROZEN + timedelta(hours=1)
    assert t.closed_at is None
    assert fields_of(t.history, 3) == {
        "status": ("assigned", "resolved"),
        "resolution_code": (None, "fixed"),
        "resolution": (None, "restarted"),
    }
    assert refs(tickets.list_tickets(seeded, open_only=True)) == []

    clock.advance(timedelta(days=2))
    t = f.update(seeded, "INC-1", status="closed")
    assert (t.status, t.version) == (S.CLOSED, 4)
    assert t.closed_at == FROZEN + timedelta(hours=1, days=2)
    assert t.resolved_at == FROZEN + timedelta(hours=1)

    for target in ("new", "assigned", "in-progress", "pending", "resolved"):
        extra: dict[str, Any] = {}
        if target == "pending":
            extra = {"reason": "customer"}
        if target == "resolved":
            extra = {"resolution_code": "fixed", "resolution": "again"}
        with pytest.raises(InvalidInput) as err:
            f.update(seeded, "INC-1", status=target, **extra)
        assert "closed is final and cannot change status" in err.value.message
    assert tickets.get_ticket(seeded, "INC-1").version == 4


def test_reopen_counts_and_clears_the_resolution(seeded: Desk, clock: FixedClock) -> None:
    f.log(seeded)
    f.update(seeded, "INC-1", status="resolved", resolution_code="workaround", resolution="rebooted")
    t = f.update(seeded, "INC-1", status="in-progress")
    assert (t.status, t.reopen_count, t.resolution_code, t.resolution, t.resolved_at) == (
        S.IN_PROGRESS,
        1,
        None,
        None,
        None,
    )
    assert fields_of(t.history, 3) == {
        "status": ("resolved", "in-progress"),
        "resolution_code": ("workaround", None),
        "resolution": ("rebooted", None),
    }
    f.update(seeded, "INC-1", status="resolved", resolution_code="fixed", resolution="patched")
    t = f.update(seeded, "INC-1", status="in-progress")
    assert (t.reopen_count, t.version) == (2, 5)
    f.update(seeded, "INC-1", status="resolved", resolution_code="fixed", resolution="x")
    with pytest.raises(InvalidInput, match=r"cannot go to new; allowed: in-progress, closed$"):
        f.update(seeded, "INC-1", status="new")


def test_resolving_a_parent_resolves_its_open_children(seeded: Desk, clock: FixedClock) -> None:
    parent = f.log(seeded, title="Mail down for everyone")
    for _ in range(4):
        f.log(seeded, title="Mail down for me")
    for child in ("INC-2", "INC-3", "INC-4", "INC-5"):
        f.update(seeded, child, parent=parent.ref)
    f.update(seeded, "INC-3", status="pending", reason="customer")
    f.update(seeded, "INC-4", status="resolved", resolution_code="user-error", resolution="typo")
    f.update(seeded, "INC-5", status="resolved", resolution_code="fixed", resolution="own fix")
    f.update(seeded, "INC-5", status="closed")
    clock.advance(timedelta(minutes=30))

    t = f.update(seeded, "INC-1", status="resolved", resolution_code="fixed", resolution="mail server up")
    assert t.children == ["INC-2", "INC-3", "INC-4", "INC-5"]
    for ref, version in (("INC-2", 3), ("INC-3", 4)):
        child = tickets.get_ticket(seeded, ref)
        assert (child.status, child.pending_reason, child.resolution_code) == (
            S.RESOLVED,
            None,
            ResolutionCode.FIXED,
        )
        assert child.resolution == "Resolved with parent INC-1: mail server up"
        assert child.resolved_at == FROZEN + timedelta(minutes=30)
        assert child.version == version
        assert fields_of(child.history, version)["status"][1] == "resolved"
        assert {h.actor for h in child.history if h.version == version} == {"alice"}
    untouched = tickets.get_ticket(seeded, "INC-4")
    assert (untouched.resolution_code, untouched.resolution, untouched.version) == (
        ResolutionCode.USER_ERROR,
        "typo",
        3,
    )
    assert tickets.get_ticket(seeded, "INC-5").status is S.CLOSED
    assert refs(tickets.list_tickets(seeded, open_only=True)) == []


def test_parent_loops_are_refused(seeded: Desk) -> None:
    for _ in range(3):
        f.log(seeded)
    with pytest.raises(InvalidInput, match="INC-1 cannot be the parent of INC-1: that would make a loop"):
        f.update(seeded, "INC-1", parent="INC-1")
    f.update(seeded, "INC-2", parent="INC-1")
    f.update(seeded, "INC-3", parent="inc2")
    with pytest.raises(InvalidInput, match="INC-2 cannot be the parent of INC-1"):
        f.update(seeded, "INC-1", parent="INC-2")
    with pytest.raises(InvalidInput, match="INC-3 cannot be the parent of INC-1"):
        f.update(seeded, "INC-1", parent="INC-3")
    assert tickets.get_ticket(seeded, "INC-1").parent is None
    with pytest.raises(NotFound):
        f.update(seeded, "INC-1", parent="INC-9")
    t = f.update(seeded, "INC-3", parent="")
    assert (t.parent, t.version) == (None, 3)
    assert fields_of(t.history, 3) == {"parent": ("INC-2", None)}
    assert tickets.get_ticket(seeded, "INC-2").children == []
    f.update(seeded, "INC-1", parent="INC-3")
    assert tickets.get_ticket(seeded, "INC-3").children == ["INC-1"]


# --------------------------------------------------------------------------- update: versions


def test_version_moves_once_per_update_and_not_for_a_no_op(seeded: Desk, clock: FixedClock) -> None:
    f.log(seeded, group="Network")
    clock.advance(timedelta(minutes=1))
    t = f.update(seeded, "INC-1", title="New title", impact="high", urgency="high", assignee="bob")
    assert t.version == 2
    assert {h.version for h in t.history} == {1, 2}
    audited = f.audit_count(seeded)
    clock.advance(timedelta(minutes=1))
    same = f.update(
        seeded,
        "INC-1",
        title="New  title",
        impact="high",
        urgency="high",
        assignee="BOB",
        group="Network",
        status="assigned",
    )
    assert same.version == 2
    assert same.updated_at == FROZEN + timedelta(minutes=1)
    assert f.audit_count(seeded) == audited
    nothing = f.update(seeded, "INC-1")
    assert nothing == same
    assert f.update(seeded, "INC-1", expected_version=2).version == 2


def test_stale_update_is_a_conflict_naming_what_changed_and_who(
    seeded: Desk, dave: Desk, clock: FixedClock
) -> None:
    f.log(seeded, group="Network")
    seen = tickets.get_ticket(seeded, "INC-1").version
    clock.advance(timedelta(minutes=2))
    f.update(dave, "INC-1", expected_version=seen, title="Dave's title", impact="high")
    f.update(dave, "INC-1", assignee="bob")
    before = f.audit_count(seeded)

    with pytest.raises(Conflict) as err:
        f.update(seeded, "INC-1", expected_version=seen, title="Alice's title")
    c = err.value
    assert c.exit_code == 5
    assert c.message == (
        "INC-1 changed since you saw it (version 1, now 3): title, impact, priority, assignee, status "
        "by dave; reload it and make your change again"
    )
    assert (c.details["ref"], c.details["seen_version"], c.details["current_version"]) == ("INC-1", 1, 3)
    assert [
        (ch["field"], ch["old"], ch["new"], ch["actor"], ch["version"]) for ch in c.details["changes"]
    ] == [
        ("title", "Mail is down", "Dave's title", "dave", 2),
        ("impact", "medium", "high", "dave", 2),
        ("priority", "P3", "P2", "dave", 2),
        ("assignee", None, "bob", "dave", 3),
        ("status", "new", "assigned", "dave", 3),
    ]
    assert c.details["changes"][0]["at"] == (FROZEN + timedelta(minutes=2)).isoformat()
    assert c.to_dict()["error"] == "conflict"
    t = tickets.get_ticket(seeded, "INC-1")
    assert (t.title, t.version) == ("Dave's title", 3)
    assert f.audit_count(seeded) == before

    # Changes by several agents are grouped per agent; reloading and retrying succeeds.
    f.update(seeded, "INC-1", expected_version=3, title="Alice's title")
    with pytest.raises(Conflict) as err:
        f.update(dave, "INC-1", expected_version=2, urgency="low")
    assert "(version 2, now 4): assignee, status by dave; title by alice;" in err.value.message
    assert f.update(dave, "INC-1", expected_version=4, urgency="low").version == 5


def test_expected_version_must_be_positive(seeded: Desk) -> None:
    f.log(seeded)
    with pytest.raises(InvalidInput) as err:
        f.update(seeded, "INC-1", expected_version=0)
    assert err.value.details["field"] == "expected_version"


# --------------------------------------------------------------------------- add_note


def test_internal_note_by_default(seeded: Desk) -> None:
    f.log(seeded)
    n = f.note(seeded, "INC-1", "checked the logs\n\nnothing yet\n", minutes=15)
    assert (n.author, n.visibility, n.channel, n.body, n.minutes, n.created_at) == (
        "alice",
        NoteVisibility.INTERNAL,
        None,
        "checked the logs\n\nnothing yet",
        15,
        FROZEN,
    )
    t = tickets.get_ticket(seeded, "INC-1")
    assert t.notes == [n]
    assert t.responded_at is None  # an internal note tells the caller nothing


def test_public_note_channel_defaults_from_the_caller(seeded: Desk, clock: FixedClock) -> None:
    f.log(seeded, caller="Wang Wei")  # has an email
    f.log(seeded, caller="Li Na")  # phone only
    clock.advance(timedelta(minutes=4))
    assert f.note(seeded, "INC-1", "we are on it", public=True).channel is Channel.EMAIL
    assert f.note(seeded, "INC-2", "we are on it", public=True).channel is Channel.PHONE
    walk_in = f.note(seeded, "INC-2", "came by", public=True, channel="walk-in")
    assert (walk_in.visibility, walk_in.channel) == (NoteVisibility.PUBLIC, Channel.WALK_IN)
    # A public update is the first response to the caller.
    assert tickets.get_ticket(seeded, "INC-1").responded_at == FROZEN + timedelta(minutes=4)


def test_notes_do_not_make_another_agents_edit_stale(seeded: Desk, dave: Desk, clock: FixedClock) -> None:
    f.log(seeded)
    seen = tickets.get_ticket(seeded, "INC-1")
    clock.advance(timedelta(minutes=1))
    f.note(dave, "INC-1", "dave was here")
    f.note(dave, "INC-1", "called the user", public=True)
    after_notes = tickets.get_ticket(seeded, "INC-1")
    assert after_notes.version == seen.version == 1
    assert after_notes.updated_at == FROZEN + timedelta(minutes=1)
    assert [n.author for n in after_notes.notes] == ["dave", "dave"]
    assert after_notes.history == seen.history
    t = f.update(seeded, "INC-1", expected_version=seen.version, title="Still mine")
    assert (t.title, t.version, len(t.notes)) == ("Still mine", 2, 2)


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"body": ""}, "some text is required"),
        ({"body": "  "}, "some text is required"),
        ({"body": "\n\n"}, "some text is required"),
        ({"body": "x" * 20_001}, "at most 20000 characters"),
        ({"minutes": -1}, "minutes"),
        ({"minutes": 24 * 60 + 1}, "minutes"),
        ({"channel": "email"}, "a channel goes with a public update"),
        ({"channel": "pigeon", "public": True}, "channel"),
    ],
)
def test_bad_notes_are_refused(seeded: Desk, kw: dict[str, Any], words: str) -> None:
    f.log(seeded)
    args = {"body": "text", **kw}
    with pytest.raises(InvalidInput) as err:
        f.note(seeded, "INC-1", **args)
    assert words in err.value.message
    assert tickets.get_ticket(seeded, "INC-1").notes == []


def test_note_minutes_bounds_are_inclusive(seeded: Desk) -> None:
    f.log(seeded)
    assert f.note(seeded, "INC-1", minutes=0).minutes == 0
    assert f.note(seeded, "INC-1", minutes=24 * 60).minutes == 1440
    assert f.note(seeded, "INC-1", "x" * 20_000).body == "x" * 20_000
    with pytest.raises(NotFound):
        f.note(seeded, "INC-2")


def test_notes_keep_untrusted_text_exactly(seeded: Desk) -> None:
    f.log(seeded)
    body = "\x1b[31mred\x1b[0m 用户说：邮件发不出去 100% _"
    assert f.note(seeded, "INC-1", body).body == body
    assert tickets.get_ticket(seeded, "INC-1").notes[0].body == body


# --------------------------------------------------------------------------- who may act


def test_an_inactive_agent_cannot_change_anything(seeded: Desk, dave: Desk) -> None:
    f.log(seeded)
    f.note(dave, "INC-1", "enrolled")
    f.set_active(seeded, "dave", False)
    cases = [
        lambda: f.log(dave),
        lambda: f.update(dave, "INC-1", title="x"),
        lambda: f.note(dave, "INC-1"),
    ]
    for attempt in cases:
        with pytest.raises(NotPermitted) as err:
            attempt()
        assert err.value.exit_code == 7
        assert "agent dave is inactive" in err.value.message
    # Reading is still allowed, and nothing was written.
    t = tickets.get_ticket(dave, "INC-1")
    assert (t.version, t.title, len(t.notes)) == (1, "Mail is down", 1)
    assert refs(tickets.list_tickets(dave)) == ["INC-1"]
    f.set_active(seeded, "dave", True)
    assert f.update(dave, "INC-1", title="back").version == 2


def test_the_acting_agent_can_be_deactivated_under_an_open_desk(seeded: Desk) -> None:
    f.log(seeded)
    f.set_active(seeded, "alice", False)
    with pytest.raises(NotPermitted, match="agent alice is inactive on this desk"):
        f.note(seeded, "INC-1")
    assert tickets.get_ticket(seeded, "INC-1").notes == []


def test_commands_refuse_unknown_fields() -> None:
    with pytest.raises(InvalidInput):
        validate(UpdateTicket, ref="INC-1", colour="red")
