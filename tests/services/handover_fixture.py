"""A desk with one of everything the handover digest shows, written along a frozen clock.

Timeline (UTC; the default shifts; FROZEN = 2026-11-24 09:30, in the early shift 08:00-16:00):

- 05:00 INC-1 P1 "Payroll run failed" (Email SLA: resolution 4h, due 09:00: breaches in the shift)
- 06:00 INC-2 P3 "Printer jam" (resolved 09:15, reopened 09:20: one reopen in the shift)
- 07:00 INC-3 P1 "Mail is down", marked major, a worklog note at 07:10 (resolution due 11:00)
- 08:30 INC-4 P3 "New starter laptop", unassigned, no group (response due 10:30)
- 08:40 INC-5 P3 "VPN token", to bob in Service Desk, pending on the customer
- 08:50 INC-6 P3 "Password reset", resolved 09:10
"""

from datetime import UTC, datetime, timedelta

from deskterm.domain.core.clock import FixedClock
from deskterm.domain.core.vocabulary import Tier
from deskterm.services.core.context import Desk
from deskterm.services.sla import sla_definitions
from tests.services import factories as f

SLA = """
[[agreement]]
name = "Email SLA"
services = ["Email"]
pause_on = ["customer"]

[agreement.targets]
P1 = { response = "15m", resolution = "4h" }
P3 = { response = "2h", resolution = "48h" }
"""


def utc(hour: int, minute: int = 0, day: int = 24) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def build(desk: Desk) -> None:
    clock = desk.clock
    assert isinstance(clock, FixedClock)
    end = clock.at

    def at(when: datetime) -> None:
        clock.at = when

    at(utc(4))
    f.contact(desk, "Wang Wei", email="wang@example.com")
    f.service(desk, "Email")
    f.group(desk, "Service Desk", tier=Tier.T1)
    f.agent(desk, "bob", groups=("Service Desk",))
    sla_definitions.apply(desk, SLA)
    at(utc(5))
    f.log(desk, "Payroll run failed", impact="high", urgency="high", service="Email")
    at(utc(6))
    f.log(desk, "Printer jam", service="Email")
    at(utc(7))
    f.log(desk, "Mail is down", impact="high", urgency="high", service="Email")
    f.update(desk, "INC-3", major=True)
    at(utc(7, 10))
    f.note(desk, "INC-3", "Bridge call open; vendor engaged", minutes=20)
    at(utc(8, 30))
    f.log(desk, "New starter laptop", service="Email")
    at(utc(8, 40))
    f.log(desk, "VPN token", service="Email", group="Service Desk")
    f.update(desk, "INC-5", assignee="bob")
    f.update(desk, "INC-5", status="pending", reason="customer")
    at(utc(8, 50))
    f.log(desk, "Password reset", service="Email", group="Service Desk")
    at(utc(9, 10))
    f.update(desk, "INC-6", assignee="bob")
    f.update(desk, "INC-6", status="resolved", resolution_code="fixed", resolution="reset")
    at(utc(9, 15))
    f.update(desk, "INC-2", group="Service Desk", assignee="bob")
    f.update(desk, "INC-2", status="resolved", resolution_code="fixed", resolution="cleared")
    at(utc(9, 20))
    f.update(desk, "INC-2", status="in-progress")
    at(end)


LATER = timedelta(hours=7)  # 16:30: the late shift, the next after the frozen one


RFC = {
    "reason": "vendor patch",
    "expected_return": "stable mail",
    "risks": "mail down if it overruns",
    "resources": "one hour",
    "responsible": "alice",
    "relationships": ["none"],
    "implementation_plan": "1. patch 2. verify",
    "backout_plan": "roll back",
    "test_plan": "send a mail",
}

TEMPLATE = """
[[template]]
name = "standard-patch"
title = "Vendor patch"
reason = "vendor patch"
return = "stable mail"
risks = "mail down if it overruns"
resources = "one hour"
responsible = "alice"
plan = "1. patch 2. verify"
backout = "roll back"
test = "send a mail"
"""


def build_more(desk: Desk) -> None:
    """On top of :func:`build`, 09:21-09:25: CHG-1 implemented in the shift, CHG-2 and CHG-3
    scheduled in the next one on the same CI (a collision), PRB-1 and KE-1 raised, and four
    alerts on mail-db correlated into one incident (INC-7): an event storm."""
    import json

    from deskterm.services.changes import change_windows, changes
    from deskterm.services.changes.change_views import RaiseChange
    from deskterm.services.core.commands import validate
    from deskterm.services.events import events
    from deskterm.services.problems import problem_views, problems

    clock = desk.clock
    assert isinstance(clock, FixedClock)
    end = clock.at
    clock.at = utc(9, 21)
    f.ci(desk, "mail-db", services=["Email"])
    change_windows.apply(desk, TEMPLATE)

    def rfc(title: str, start: datetime, hours: int) -> str:
        c = changes.raise_change(
            desk,
            validate(
                RaiseChange,
                title=title,
                cis=["mail-db"],
                type="standard",
                template="standard-patch",
                planned_start=start,
                planned_end=start + timedelta(hours=hours),
                implementer="alice",
                **RFC,
            ),
        )
        changes.submit(desk, c.ref)
        return c.ref

    changes.implement(desk, rfc("Patch mail-db", utc(8, 30), 2))
    clock.at = utc(9, 22)
    rfc("Upgrade mail-db", utc(17), 2)
    rfc("Reboot mail-db", utc(18), 2)
    clock.at = utc(9, 23)
    prb = problems.raise_problem(desk, validate(problem_views.RaiseProblem, title="Mail keeps failing"))
    clock.at = utc(9, 24)
    problems.record_known_error(
        desk,
        validate(
            problem_views.RecordKnownError,
            problem=prb.ref,
            symptom="mail fails",
            workaround="restart",
            root_cause="bug",
        ),
    )
    clock.at = utc(9, 25)
    alerts = [
        json.dumps(
            {"source": "nagios", "node": "mail-db", "check": check, "severity": "critical", "message": "down"}
        )
        for check in ("disk", "cpu", "smtp", "imap")
    ]
    events.ingest(desk, alerts)
    clock.at = end
