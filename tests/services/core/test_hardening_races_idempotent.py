"""Issue 14, item 3: an idempotent action run by several desks at the same instant happens
once; the others are no-ops that succeed (exit 0), or get what a second run one after the other
gets (its documented exit code), never "unexpected" and never a second effect. Both databases."""

import json
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from deskterm.domain.core.clock import FixedClock
from deskterm.domain.core.vocabulary import Tier
from deskterm.domain.problems.problem import KnownErrorStatus
from deskterm.services.core.context import Desk
from deskterm.services.events import events
from deskterm.services.people import agents
from deskterm.services.problems import kedb, problem_views, problems
from deskterm.services.sla import sla_definitions, sla_reports
from deskterm.services.tickets import tickets
from deskterm.store.models import AuditEntry, EscalationFiring, Event, GroupMember, Note, Ticket
from tests.conftest import open_desk
from tests.services import factories as f
from tests.services.races import N, race

ESCALATIONS = """
[[agreement]]
name = "Mail SLA"
services = ["Email"]
warn_at = 0.5

[agreement.targets]
P2 = { response = "30m", resolution = "4h" }
P3 = { response = "1h", resolution = "8h" }

[[escalation]]
at = "warn"
action = "notify"
notify = "group-lead"

[[escalation]]
at = "breach"
metric = "resolution"
action = "mark-major"

[[escalation]]
at = "breach"
metric = "response"
action = "reassign"
group = "Network"
"""


@pytest.fixture
def seeded(db_url: str, clock: FixedClock) -> Iterator[tuple[str, FixedClock]]:
    """Alice's desk with a caller, the Email service and two groups (Alice leads the first)."""
    desk = open_desk(db_url, clock)
    me = desk.whoami().login
    f.contact(desk, "Wang Wei", email="wang@example.com")
    f.service(desk, "Email")
    gid = f.group(desk, "Service Desk", tier=Tier.T1, members=(me,))
    f.group(desk, "Network")
    with desk.writing() as uow:
        from deskterm.store.models import Agent, Group

        grp = uow.session.get(Group, gid)
        assert grp is not None
        grp.lead_id = uow.session.scalar(select(Agent.id).where(Agent.login == me))
    desk.close()
    yield db_url, clock


def count(url: str, model: type, *where: object) -> int:
    desk = open_desk(url)
    try:
        with desk.reading() as s:
            return s.scalar(select(func.count()).select_from(model).where(*where)) or 0
    finally:
        desk.close()


def audits(url: str, field: str) -> int:
    return count(url, AuditEntry, AuditEntry.field == field)


def test_racing_escalations_fire_each_rule_once_and_all_succeed(seeded: tuple[str, FixedClock]) -> None:
    url, clock = seeded
    desk = open_desk(url, clock)
    sla_definitions.apply(desk, ESCALATIONS)
    for i, level in enumerate(("high", "medium", "low", "medium")):
        f.log(desk, title=f"mail {i}", service="Email", impact="high", urgency=level, group="Service Desk")
    desk.close()
    clock.advance(timedelta(hours=9))  # past every warn and breach instant
    outcomes, fired = race(url, sla_reports.run_escalations, clock=clock)
    assert outcomes == ["ok"] * N, outcomes
    firings = count(url, EscalationFiring)
    assert firings > 0 and sum(len(x) for x in fired) == firings  # each firing reported once
    assert audits(url, "escalation") == sum(1 for x in fired for y in x if y.action == "notify")
    majors = sum(1 for x in fired for y in x if y.action == "mark-major")
    assert majors > 0 and count(url, Note, Note.body.like("SLA breach%marked major")) == majors
    desk = open_desk(url, clock)
    try:
        assert sla_reports.run_escalations(desk) == []
    finally:
        desk.close()


WINDOWS = """
[[blackout]]
name = "Year-end freeze"
start = 2026-12-20T00:00:00+01:00
end = 2027-01-04T00:00:00+01:00

[[maintenance]]
service = "Email"
days = ["sat", "sun"]
hours = "22:00-04:00"
"""
RULES = """
[settings]
correlation_window = "20m"

[[rule]]
name = "no heartbeats"
action = "drop"
check = "heartbeat"
"""
TEAM = """
[[agent]]
login = "alice"
name = "Alice Chen"
roles = ["admin"]
os_accounts = ["alice"]

[[agent]]
login = "bob"
name = "Bob Li"
roles = ["agent"]

[[group]]
name = "Network"
tier = 2
members = ["alice", "bob"]

[[group]]
name = "Service Desk"
tier = 1
"""


def _apply(kind: str) -> Callable[[Desk], object]:
    from deskterm.services.changes import change_windows
    from deskterm.services.events import event_rules
    from deskterm.services.people import team
    from tests.services.sla_definitions_text import DEFINITIONS

    return {
        "sla": lambda d: sla_definitions.apply(d, DEFINITIONS),
        "windows": lambda d: change_windows.apply(d, WINDOWS),
        "event rules": lambda d: event_rules.apply(d, RULES),
        "team": lambda d: team.apply(d, TEAM),
    }[kind]


@pytest.mark.parametrize("kind", ["sla", "windows", "event rules", "team"])
def test_racing_applies_of_one_file_all_succeed_and_audit_once(db_url: str, kind: str) -> None:
    desk = open_desk(db_url)
    f.service(desk, "Email")
    f.group(desk, "Service Desk")
    if kind != "team":
        f.group(desk, "Network")
    desk.close()
    outcomes, _ = race(db_url, _apply(kind))
    assert outcomes == ["ok"] * N, outcomes
    rows = count(db_url, AuditEntry)
    desk = open_desk(db_url)
    try:
        _apply(kind)(desk)  # once more, one after the other: nothing to change
    finally:
        desk.close()
    assert count(db_url, AuditEntry) == rows  # so the race left everything applied, and once
    assert rows > 0


def test_racing_member_adds_give_one_membership(db_url: str) -> None:
    desk = open_desk(db_url)
    f.group(desk, "Network")
    f.agent(desk, "bob")
    desk.close()
    outcomes, _ = race(db_url, lambda d: agents.member(d, "Network", "bob", add=True))
    assert outcomes == ["ok"] * N, outcomes
    assert count(db_url, GroupMember) == 1
    assert audits(db_url, "members") == 1


def _event_line() -> str:
    return json.dumps(
        {"source": "nagios", "node": "mail-srv-01", "check": "smtp", "severity": "critical"}
        | {"time": "2026-11-24T09:00:00Z"}
    )


def test_racing_ingests_of_one_event_give_one_event_and_one_incident(seeded: tuple[str, FixedClock]) -> None:
    url, clock = seeded
    desk = open_desk(url, clock)
    f.ci(desk, "mail-srv-01", services=["Email"])
    desk.close()
    outcomes, summaries = race(url, lambda d: events.ingest(d, [_event_line()]), clock=clock)
    assert outcomes == ["ok"] * N, outcomes
    assert count(url, Event) == 1
    assert count(url, Ticket) == 1
    assert sum(s.incidents_opened for s in summaries) == 1
    desk = open_desk(url)
    try:
        with desk.reading() as s:
            assert s.scalar(select(Event.count)) == N  # every occurrence counted on the one event
    finally:
        desk.close()


def test_racing_parent_links_all_succeed_and_record_once(seeded: tuple[str, FixedClock]) -> None:
    url, clock = seeded
    desk = open_desk(url, clock)
    parent = f.log(desk, title="mail down for all")
    child = f.log(desk, title="my mail is down")
    desk.close()
    outcomes, _ = race(url, lambda d: tickets.link_children(d, parent.ref, child.ref), clock=clock)
    assert outcomes == ["ok"] * N, outcomes
    assert audits(url, "parent") == 1


def test_racing_problem_links_all_succeed_and_record_once(seeded: tuple[str, FixedClock]) -> None:
    url, clock = seeded
    desk = open_desk(url, clock)
    incident = f.log(desk, title="mail down")
    prb = problems.raise_problem(desk, problem_views.RaiseProblem(title="mail keeps failing"))
    desk.close()
    outcomes, _ = race(url, lambda d: problems.link_incidents(d, prb.ref, [incident.ref]), clock=clock)
    assert outcomes == ["ok"] * N, outcomes
    assert count(url, AuditEntry, AuditEntry.field == "incident", AuditEntry.record_ref == prb.ref) == 1
    assert count(url, AuditEntry, AuditEntry.field == "problem", AuditEntry.record_ref == incident.ref) == 1


@pytest.mark.parametrize("status", [KnownErrorStatus.RETIRED, KnownErrorStatus.ACTIVE])
def test_racing_known_error_status_changes_happen_once(db_url: str, status: KnownErrorStatus) -> None:
    desk = open_desk(db_url)
    ref = problems.record_known_error(
        desk,
        problem_views.RecordKnownError(
            title="bounces", symptom="mail bounces", root_cause="a", workaround="b"
        ),
    )
    desk.close()
    outcomes, views = race(db_url, lambda d: kedb.set_status(d, ref, status))
    assert outcomes == ["ok"] * N, outcomes
    changed = 0 if status is KnownErrorStatus.ACTIVE else 1
    assert (
        count(db_url, AuditEntry, AuditEntry.field == "status", AuditEntry.record_ref == ref) == 1 + changed
    )
    assert {v.version for v in views} == {1 + changed}


def test_racing_csat_answers_keep_one_and_refuse_the_rest(seeded: tuple[str, FixedClock]) -> None:
    from deskterm.services.reports import csat

    url, clock = seeded
    desk = open_desk(url, clock)
    t = f.log(desk, title="printer")
    f.update(desk, t.ref, status="resolved", resolution_code="fixed", resolution="new toner")
    desk.close()
    outcomes, _ = race(url, lambda d: csat.record(d, t.ref, 5), clock=clock)
    assert outcomes == ["exit 5"] * (N - 1) + ["ok"], outcomes  # as a second answer one after the other
    assert audits(url, "csat") == 1


def test_racing_known_error_applications_keep_one(seeded: tuple[str, FixedClock]) -> None:
    url, clock = seeded
    desk = open_desk(url, clock)
    t = f.log(desk, title="mail bounces")
    ke = problems.record_known_error(
        desk,
        problem_views.RecordKnownError(
            title="bounces", symptom="mail bounces", root_cause="a", workaround="b"
        ),
    )
    desk.close()
    outcomes, _ = race(url, lambda d: kedb.apply_known_error(d, ke, t.ref), clock=clock)
    assert outcomes == ["exit 4"] * (N - 1) + ["ok"], outcomes  # "already applied", as one after the other
    assert count(url, AuditEntry, AuditEntry.field == "known error", AuditEntry.record_ref == t.ref) == 1
