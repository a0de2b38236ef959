"""Service level report, SIP items and escalation rules, on both databases."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from deskterm.domain.core.clock import FixedClock
from deskterm.domain.core.vocabulary import Tier
from deskterm.services.core.commands import UpdateTicket
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput, NotFound
from deskterm.services.sla import sla_definitions, sla_reports
from deskterm.services.tickets import tickets
from tests.services import factories as f

DEFINITIONS = """
[[agreement]]
name = "Mail SLA"
services = ["Email"]
warn_at = 0.5
pause_on = ["customer"]
[agreement.targets]
P2 = { response = "30m", resolution = "4h" }

[[escalation]]
at = "warn"
action = "notify"
notify = "group-lead"

[[escalation]]
at = "breach"
metric = "resolution"
action = "mark-major"
"""


@pytest.fixture
def sla_desk(desk: Desk) -> Desk:
    me = desk.whoami().login
    f.contact(desk, "Wang Wei", email="wang@example.com")
    f.service(desk, "Email")
    f.group(desk, "Service Desk", tier=Tier.T1, members=(me,))
    with desk.writing() as uow:
        from sqlalchemy import select

        from deskterm.store.models import Agent, Group

        grp = uow.session.scalar(select(Group).where(Group.name == "Service Desk"))
        assert grp is not None
        grp.lead_id = uow.session.scalar(select(Agent.id).where(Agent.login == me))
    sla_definitions.apply(desk, DEFINITIONS)
    return desk


def test_report_counts_met_and_breached_per_target(sla_desk: Desk, clock: FixedClock) -> None:
    desk = sla_desk
    fast = f.log(desk, title="fast", service="Email", impact="high", urgency="medium", group="Service Desk")
    slow = f.log(desk, title="slow", service="Email", impact="high", urgency="medium", group="Service Desk")
    clock.advance(timedelta(minutes=10))
    tickets.update_ticket(
        desk, UpdateTicket(ref=fast.ref, status="resolved", resolution_code="fixed", resolution="ok")
    )
    clock.advance(timedelta(hours=5))
    tickets.update_ticket(
        desk, UpdateTicket(ref=slow.ref, status="resolved", resolution_code="fixed", resolution="ok")
    )
    today = clock.now().date()
    result = sla_reports.report(desk, today - timedelta(days=1), today)
    rows = {(r.metric): r for r in result.rows}
    assert (
        rows["resolution"].tickets == 2 and rows["resolution"].met == 1 and rows["resolution"].breached == 1
    )
    assert rows["resolution"].achievement_pct == 50.0
    assert rows["response"].met == 1 and rows["response"].breached == 1
    assert {b.ref for b in result.breaches} == {slow.ref}
    assert all("ran past its due time" in b.reason for b in result.breaches)
    with pytest.raises(InvalidInput, match="before --from"):
        sla_reports.report(desk, today, today - timedelta(days=2))


def test_escalations_fire_once_at_warn_and_at_breach(sla_desk: Desk, clock: FixedClock) -> None:
    desk = sla_desk
    t = f.log(desk, title="mail down", service="Email", impact="high", urgency="medium", group="Service Desk")
    assert sla_reports.run_escalations(desk) == []
    clock.advance(timedelta(minutes=20))  # past half of the 30 minute response target
    fired = sla_reports.run_escalations(desk)
    assert [(x.metric, x.at, x.action) for x in fired] == [("response", "warn", "notify")]
    assert fired[0].detail == f"notified {desk.whoami().login}"
    assert sla_reports.run_escalations(desk) == []  # once only
    clock.advance(timedelta(hours=5))
    fired = sla_reports.run_escalations(desk)
    assert ("resolution", "breach", "mark-major") in [(x.metric, x.at, x.action) for x in fired]
    view = tickets.get_ticket(desk, t.ref)
    assert view.major
    assert any("SLA warn" in n.body for n in view.notes)


def test_sip_items_from_a_breach(sla_desk: Desk, clock: FixedClock) -> None:
    desk = sla_desk
    t = f.log(desk, title="slow", service="Email", impact="high", urgency="medium")
    me = desk.whoami().login
    due = clock.now().date() + timedelta(days=30)
    item = sla_reports.add_sip(desk, "Faster first response", me, due, agreement="Mail SLA", ref=t.ref)
    assert item.ticket == t.ref and item.agreement == "Mail SLA" and item.status == "open"
    assert [i.title for i in sla_reports.list_sip(desk)] == ["Faster first response"]
    with pytest.raises(InvalidInput, match="in the past"):
        sla_reports.add_sip(desk, "Late", me, date(2020, 1, 1))
    with pytest.raises(NotFound):
        sla_reports.add_sip(desk, "Who", "nobody", due)
    with pytest.raises(InvalidInput, match="title"):
        sla_reports.add_sip(desk, "   ", me, due)


def test_demo_definitions_apply_to_a_demo_desk(desk: Desk) -> None:
    from deskterm.demo.tickets import generate_demo

    generate_demo(desk, tickets=200, seed=3)
    text = (Path(sla_definitions.__file__).parents[2] / "demo" / "sla.toml").read_text(encoding="utf-8")
    summary = sla_definitions.apply(desk, text, "demo_sla.toml")
    assert summary.agreements == 2 and summary.clocks > 0
