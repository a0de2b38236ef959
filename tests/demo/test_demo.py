"""The demo desk: counts, coverage, consistency of every ticket with its history, determinism.

Every test that takes ``desk`` runs once on SQLite and once on PostgreSQL.
"""

from collections import defaultdict
from datetime import UTC, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from deskterm.demo import tickets as demo
from deskterm.domain.core.clock import FixedClock
from deskterm.domain.core.vocabulary import (
    NoteVisibility,
    PendingReason,
    Priority,
    TicketKind,
    TicketStatus,
)
from deskterm.domain.tickets.incident import TRANSITIONS
from deskterm.services.core.commands import AddContact, AddNote, LogIncident, UpdateTicket, validate
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput
from deskterm.services.people import people
from deskterm.services.tickets import tickets
from deskterm.store.models import (
    Agent,
    AuditEntry,
    ConfigurationItem,
    Contact,
    Group,
    GroupMember,
    Note,
    RefCounter,
    Service,
    Ticket,
)
from tests.conftest import FROZEN, fresh_sqlite, open_desk

S = TicketStatus
N = 300
OPEN = (S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.PENDING)
WORKED = (S.ASSIGNED, S.IN_PROGRESS, S.PENDING)


@pytest.fixture
def demo_desk(desk: Desk) -> tuple[Desk, demo.DemoSummary]:
    return desk, demo.generate_demo(desk, tickets=N, seed=7)


def _all(desk: Desk, model: Any, order: Any) -> list[Any]:
    """Rows as detached objects (the reading session rolls back, which would expire them)."""
    with desk.reading() as s:
        rows = list(s.scalars(select(model).order_by(order)))
        s.expunge_all()
        return rows


def _history(desk: Desk) -> dict[int, list[AuditEntry]]:
    by_ticket: dict[int, list[AuditEntry]] = defaultdict(list)
    with desk.reading() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.record_kind == "ticket").order_by(AuditEntry.id))
        for e in rows:
            by_ticket[e.record_id].append(e)
        s.expunge_all()
    return by_ticket


# -- what there is ------------------------------------------------------------------------------


def test_summary_counts_what_is_in_the_database(demo_desk: tuple[Desk, demo.DemoSummary]) -> None:
    desk, summary = demo_desk
    with desk.reading() as s:

        def count(column: Any) -> int:
            return int(s.scalar(select(func.count(column))) or 0)

        assert summary.tickets == count(Ticket.id) == N
        assert summary.agents == count(Agent.id) - 1  # the acting agent was enrolled by the desk
        assert summary.groups == count(Group.id) == 8
        assert summary.contacts == count(Contact.id) == 300
        assert summary.services == count(Service.id) >= 10
        assert summary.cis == count(ConfigurationItem.id) >= 35
        assert summary.notes == count(Note.id) > 0
        assert summary.audit_entries == count(AuditEntry.id) > N * 3
        assert 15 <= summary.agents <= 25
    assert summary.seconds >= 0


def test_organisation_has_three_tiers_leads_and_the_acting_agent_on_the_desk(
    demo_desk: tuple[Desk, demo.DemoSummary],
) -> None:
    desk, _ = demo_desk
    me = people.whoami(desk)
    groups = people.list_groups(desk)
    assert {g.tier.value for g in groups} == {"1", "2", "3"}
    assert all(g.lead is not None and g.lead in g.members for g in groups)
    desk_group = next(g for g in groups if g.name == "Service Desk")
    assert me.login in desk_group.members
    agents = people.list_agents(desk)
    assert any(len(a.groups) == 2 for a in agents)
    assert any(not a.display_name.isascii() for a in agents)
    assert all(a.email and a.phone and a.cost_per_hour > 0 for a in agents if a.login != me.login)
    mine = tickets.list_tickets(desk, assignee=me.login, open_only=True, limit=500)
    assert mine, "the person running the demo should have work in the queue"


def test_contacts_services_and_cis(demo_desk: tuple[Desk, demo.DemoSummary]) -> None:
    desk, _ = demo_desk
    contacts = _all(desk, Contact, Contact.id)
    assert any(not c.name.isascii() for c in contacts) and any(c.name.isascii() for c in contacts)
    assert any(c.vip for c in contacts) and not all(c.vip for c in contacts)
    assert all(c.organisation for c in contacts)
    services = {s.name: s for s in _all(desk, Service, Service.id)}
    for name in ("Email", "VPN", "ERP", "HR Portal", "Wi-Fi", "Payroll", "File Share", "Printing", "CRM"):
        svc = services[name]
        assert (
            svc.owner_id and svc.support_group_id and svc.business_description and svc.technical_description
        )
    statuses = [s.lifecycle_status.value for s in services.values()]
    assert statuses.count("operational") >= len(statuses) - 2 and len(set(statuses)) >= 2
    from deskterm.services.catalogue import catalogue

    cis = catalogue.list_cis(desk)
    assert 35 <= len(cis) <= 50
    email_cis = catalogue.list_cis(desk, service="Email")
    assert email_cis
    relations = {rel.relation.value for ci in cis for rel in catalogue.show_ci(desk, ci.name).relations}
    assert relations == {"depends-on", "runs-on", "part-of"}


def test_every_status_reason_and_priority_is_present(demo_desk: tuple[Desk, demo.DemoSummary]) -> None:
    desk, _ = demo_desk
    rows = _all(desk, Ticket, Ticket.id)
    assert {t.status for t in rows} == set(TicketStatus)
    assert {t.pending_reason for t in rows if t.status is S.PENDING} == set(PendingReason)
    assert {t.priority for t in rows} == set(Priority)
    kinds = [t.kind for t in rows]
    assert 0.65 < kinds.count(TicketKind.INCIDENT) / len(kinds) < 0.92
    assert any(not t.title.isascii() for t in rows)


def test_hostile_titles_are_stored_exactly(demo_desk: tuple[Desk, demo.DemoSummary]) -> None:
    desk, _ = demo_desk
    titles = {t.title for t in _all(desk, Ticket, Ticket.id)}
    for hostile in ("[bold]not bold[/]", "[/]", "\x1b[31mred\x1b[0m escape", "[link=http://x]click[/link]"):
        assert hostile in titles


def test_refs_are_numbered_from_one_per_kind_and_counters_match(
    demo_desk: tuple[Desk, demo.DemoSummary],
) -> None:
    desk, _ = demo_desk
    rows = _all(desk, Ticket, Ticket.id)
    for kind, prefix in ((TicketKind.INCIDENT, "INC"), (TicketKind.REQUEST, "REQ")):
        mine = [t for t in rows if t.kind is kind]
        assert [t.number for t in mine] == list(range(1, len(mine) + 1))
        assert all(t.ref == f"{prefix}-{t.number}" for t in mine)
        with desk.reading() as s:
            assert s.get(RefCounter, prefix).value == len(mine)  # type: ignore[union-attr]
    opened = [t.opened_at for t in rows]
    assert opened == sorted(opened), "lower refs were opened earlier"


# -- consistency of each ticket -----------------------------------------------------------------


def test_ticket_fields_are_consistent(demo_desk: tuple[Desk, demo.DemoSummary]) -> None:
    desk, _ = demo_desk
    now = desk.clock.now()
    with desk.reading() as s:
        members = {(g, a) for g, a in s.execute(select(GroupMember.group_id, GroupMember.agent_id))}
        tiers = {gid: tier for gid, tier in s.execute(select(Group.id, Group.tier))}
    for t in _all(desk, Ticket, Ticket.id):
        stamps = [t.opened_at, t.updated_at, t.responded_at, t.resolved_at, t.closed_at]
        for stamp in stamps:
            assert stamp is None or (stamp.tzinfo is not None and stamp.utcoffset() == timedelta(0))
        assert now - timedelta(days=30) <= t.opened_at <= t.updated_at <= now
        assert t.priority == desk.matrix.priority(t.impact, t.urgency)
        if t.group_id is not None:
            assert t.tier == tiers[t.group_id]
        if t.status in WORKED:
            assert t.assignee_id is not None, t.ref
        if t.assignee_id is not None:
            assert (t.group_id, t.assignee_id) in members, f"{t.ref}: assignee outside the group"
        assert (t.pending_reason is not None) == (t.status is S.PENDING), t.ref
        if t.status is S.NEW:
            assert t.responded_at is None and t.assignee_id is None
        else:
            assert t.opened_at <= t.responded_at <= now  # type: ignore[operator]
        if t.status in (S.RESOLVED, S.CLOSED):
            assert t.resolution_code is not None and t.resolution and t.resolved_at is not None
            assert t.responded_at <= t.resolved_at <= t.updated_at  # type: ignore[operator]
        else:
            assert t.resolution_code is None and t.resolution is None and t.resolved_at is None
        if t.status is S.CLOSED:
            assert t.closed_at is not None and t.resolved_at < t.closed_at <= t.updated_at  # type: ignore[operator]
        else:
            assert t.closed_at is None
        if t.kind is TicketKind.REQUEST:
            assert not t.major and t.parent_id is None


def test_status_history_follows_legal_transitions_in_time_order(
    demo_desk: tuple[Desk, demo.DemoSummary],
) -> None:
    desk, _ = demo_desk
    now = desk.clock.now()
    history = _history(desk)
    with desk.reading() as s:
        logins = {aid: login for aid, login in s.execute(select(Agent.id, Agent.login))}
        names = {gid: name for gid, name in s.execute(select(Group.id, Group.name))}
    for t in _all(desk, Ticket, Ticket.id):
        entries = history[t.id]
        first = [(e.field, e.old, e.new) for e in entries if e.version == 1]
        assert first[:3] == [
            ("created", None, t.ref),
            ("status", None, "new"),
            ("priority", None, first[2][2]),
        ]
        assert all(e.record_ref == t.ref for e in entries)
        versions = sorted({e.version for e in entries if e.version is not None})
        assert versions == list(range(1, t.version + 1)), f"{t.ref}: one version per audited change"
        stamps = [e.at for e in entries]
        assert stamps == sorted(stamps)
        assert t.opened_at == stamps[0] and stamps[-1] <= t.updated_at <= now
        steps = [e for e in entries if e.field == "status"]
        for before, after in pairwise(steps):
            assert after.old == before.new
            assert S(after.new) in TRANSITIONS[S(before.new)], f"{t.ref}: {after.old} -> {after.new}"
        assert steps[-1].new == t.status.value

        last = {e.field: e.new for e in entries}.get
        assert last("priority") == t.priority.value
        assert last("assignee") == (logins[t.assignee_id] if t.assignee_id else None)
        assert last("group") == (names[t.group_id] if t.group_id else None)
        assert last("pending_reason") == (t.pending_reason.value if t.pending_reason else None)
        assert last("resolution_code") == (t.resolution_code.value if t.resolution_code else None)
        resolved = [e.at for e in steps if e.new == "resolved"]
        if t.resolved_at is not None:
            assert resolved[-1] == t.resolved_at
        if t.closed_at is not None:
            assert steps[-1].at == t.closed_at
        if t.responded_at is not None:
            assert steps[1].at == t.responded_at


def test_history_has_priority_assignee_group_and_reopen_entries(
    demo_desk: tuple[Desk, demo.DemoSummary],
) -> None:
    desk, _ = demo_desk
    fields = {e.field for entries in _history(desk).values() for e in entries}
    assert {"created", "status", "priority", "assignee", "group", "pending_reason", "resolution"} <= fields
    assert {"tier", "major", "parent"} <= fields


def test_notes_are_worklog_entries_within_the_tickets_life(demo_desk: tuple[Desk, demo.DemoSummary]) -> None:
    desk, _ = demo_desk
    by_ticket: dict[int, list[Note]] = defaultdict(list)
    for n in _all(desk, Note, Note.id):
        by_ticket[n.ticket_id].append(n)
    rows = {t.id: t for t in _all(desk, Ticket, Ticket.id)}
    visibilities = set()
    for tid, notes in by_ticket.items():
        t = rows[tid]
        assert len(notes) <= 4
        for n in notes:
            visibilities.add(n.visibility)
            assert t.opened_at <= n.created_at <= t.updated_at
            assert n.minutes >= 0 and n.body
            if n.visibility is NoteVisibility.PUBLIC:
                assert n.channel is not None and t.responded_at is not None
                assert t.responded_at <= n.created_at
            else:
                assert n.channel is None
    assert visibilities == set(NoteVisibility)
    assert any(len(notes) >= 3 for notes in by_ticket.values())
    assert len(by_ticket) < len(rows), "some tickets have no notes"


def test_major_incidents_with_children_resolved_together(demo_desk: tuple[Desk, demo.DemoSummary]) -> None:
    desk, _ = demo_desk
    rows = {t.id: t for t in _all(desk, Ticket, Ticket.id)}
    assert any(t.major for t in rows.values())
    children: dict[int, list[Ticket]] = defaultdict(list)
    for t in rows.values():
        if t.parent_id is not None:
            children[t.parent_id].append(t)
    assert len(children) >= 2 and all(len(c) >= 2 for c in children.values())
    for parent_id, kids in children.items():
        parent = rows[parent_id]
        assert parent.major and parent.priority is Priority.P1
        for kid in kids:
            assert kid.opened_at > parent.opened_at and kid.id > parent.id
            if parent.resolved_at is not None:
                assert kid.resolved_at == parent.resolved_at
                assert kid.resolution_code == parent.resolution_code
                assert kid.resolution == f"Resolved with parent {parent.ref}: {parent.resolution}"
            else:
                assert kid.status.is_open
    assert any(rows[p].status.is_open for p in children), "one major incident is in progress now"


# -- refusal, continuation, determinism ---------------------------------------------------------


def test_a_desk_with_data_is_refused_untouched(desk: Desk) -> None:
    desk.whoami()
    assert demo.desk_is_empty(desk), "the acting agent alone does not count as data"
    people.add_contact(desk, validate(AddContact, name="王伟"))
    assert not demo.desk_is_empty(desk)
    with pytest.raises(InvalidInput, match="already holds contacts"):
        demo.generate_demo(desk, tickets=20)
    with desk.reading() as s:
        assert s.scalar(select(func.count(Agent.id))) == 1
        assert s.scalar(select(func.count(Ticket.id))) == 0


def test_a_second_demo_is_refused(demo_desk: tuple[Desk, demo.DemoSummary]) -> None:
    desk, summary = demo_desk
    assert not demo.desk_is_empty(desk)
    with pytest.raises(InvalidInput, match="already holds tickets"):
        demo.generate_demo(desk, tickets=10)
    with desk.reading() as s:
        assert s.scalar(select(func.count(Ticket.id))) == summary.tickets


def test_ticket_count_out_of_range_is_refused(desk: Desk) -> None:
    with pytest.raises(InvalidInput, match="between 0 and"):
        demo.generate_demo(desk, tickets=-1)


def test_work_continues_after_the_demo(demo_desk: tuple[Desk, demo.DemoSummary]) -> None:
    """Refs continue from the counters and every id sequence is past the demo's ids."""
    desk, _ = demo_desk
    rows = _all(desk, Ticket, Ticket.id)
    top_inc = max(t.number for t in rows if t.kind is TicketKind.INCIDENT)
    top_req = max(t.number for t in rows if t.kind is TicketKind.REQUEST)
    caller = people.add_contact(desk, validate(AddContact, name="Zoë New"))
    inc = tickets.log_incident(
        desk,
        validate(
            LogIncident, title="Outlook cannot connect", caller=caller.name, impact="low", urgency="low"
        ),
    )
    assert inc.ref == f"INC-{top_inc + 1}"
    req = tickets.log_incident(
        desk,
        validate(
            LogIncident,
            title="申请VPN账号",
            caller=caller.name,
            impact="low",
            urgency="low",
            kind="request",
        ),
    )
    assert req.ref == f"REQ-{top_req + 1}"
    tickets.add_note(desk, validate(AddNote, ref=inc.ref, body="checked", minutes=5))
    worked = next(t for t in rows if t.status is S.IN_PROGRESS)
    view = tickets.update_ticket(
        desk,
        validate(
            UpdateTicket,
            ref=worked.ref,
            expected_version=worked.version,
            status="resolved",
            resolution_code="fixed",
            resolution="restarted",
        ),
    )
    assert view.version == worked.version + 1
    assert view.history[-1].version == view.version


def test_progress_is_reported_after_each_batch(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "BATCH", 100)
    calls: list[tuple[int, int]] = []
    demo.generate_demo(desk, tickets=250, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(100, 250), (200, 250), (250, 250)]


@pytest.mark.parametrize("count", [0, 1, 7, 45])
def test_tiny_demos_work(db_url: str, count: int) -> None:
    desk = open_desk(db_url)
    try:
        summary = demo.generate_demo(desk, tickets=count)
        assert summary.tickets == count
        assert summary.contacts == 300
    finally:
        desk.close()


def _dump(desk: Desk) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with desk.reading() as s:
        for model in (
            Agent,
            Group,
            GroupMember,
            Contact,
            Service,
            ConfigurationItem,
            Ticket,
            Note,
            AuditEntry,
        ):
            table = model.__table__
            key = [c for c in table.primary_key.columns]
            out[table.name] = [tuple(r) for r in s.execute(select(table).order_by(*key))]
    return out


def test_same_seed_and_clock_give_the_same_rows(db_url: str, sqlite_template: Path, tmp_path: Path) -> None:
    """On a second database (SQLite; for the PostgreSQL run, across backends) the rows are equal."""
    first, second = open_desk(db_url), open_desk(fresh_sqlite(sqlite_template, tmp_path))
    other = open_desk(fresh_sqlite(sqlite_template, tmp_path))
    try:
        for d in (first, second):
            demo.generate_demo(d, tickets=N, seed=11)
        demo.generate_demo(other, tickets=N, seed=12)
        a, b, c = _dump(first), _dump(second), _dump(other)
        for table in a:
            assert a[table] == b[table], table
        assert a["tickets"] != c["tickets"]
        assert tickets.list_tickets(first, sort="ref", limit=N) == tickets.list_tickets(
            second, sort="ref", limit=N
        )
    finally:
        for d in (first, second, other):
            d.close()


def test_times_follow_the_clock(db_url: str) -> None:
    later = FROZEN + timedelta(days=100)
    desk = open_desk(db_url, FixedClock(later))
    try:
        demo.generate_demo(desk, tickets=50)
        rows = _all(desk, Ticket, Ticket.id)
        assert all(later - timedelta(days=30) <= t.opened_at <= t.updated_at <= later for t in rows)
        assert all(
            t.opened_at.tzinfo is not None and t.opened_at.astimezone(UTC) == t.opened_at for t in rows
        )
    finally:
        desk.close()
