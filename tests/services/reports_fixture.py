"""A small desk whose report figures are computed by hand in test_reports.py.

Day 1 = 2026-11-23, day 2 = 2026-11-24 (FROZEN 09:30). bob (Service Desk, 60/h), carl
(Network, tier 2, 40/h).

- INC-1 P3 phone   d1 10:00, bob 10:05, resolved 10:20; bob logs 15 min; CSAT 5 (phone) d1 11:00
- INC-2 P1 email   d1 11:00, bob 11:10, to Network/carl 11:40, resolved 13:00; bob 30 min,
  carl 45 min; CSAT 2 (online) d1 14:00
- INC-3 P3 phone   d1 12:00, bob 12:30, resolved 14:00, reopened d2 08:00
- INC-4 P3 self-service d2 09:00, nobody
"""

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from deskterm.domain.core.clock import FixedClock
from deskterm.domain.core.vocabulary import Tier
from deskterm.services.core.context import Desk
from deskterm.services.reports import csat
from deskterm.store.models import Agent
from tests.services import factories as f


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 22 + day, hour, minute, tzinfo=UTC)


def build(desk: Desk, *, title: str = "Printer jam") -> None:
    clock = desk.clock
    assert isinstance(clock, FixedClock)
    end = clock.at

    def at(day: int, hour: int, minute: int = 0) -> None:
        clock.at = utc(day, hour, minute)

    at(1, 9)
    f.contact(desk, "Wang Wei", email="wang@example.com")
    f.group(desk, "Service Desk", tier=Tier.T1)
    f.group(desk, "Network", tier=Tier.T2)
    f.agent(desk, "bob", groups=("Service Desk",))
    f.agent(desk, "carl", groups=("Network",))
    with desk.writing() as uow:
        bob = uow.session.scalar(select(Agent).where(Agent.login == "bob"))
        assert bob is not None
        bob.cost_per_hour = Decimal("60")
    at(1, 10)
    f.log(desk, title, group="Service Desk")
    at(1, 10, 5)
    f.update(desk, "INC-1", assignee="bob")
    f.note(desk, "INC-1", "fixed the tray", minutes=0)
    at(1, 10, 20)
    f.update(desk, "INC-1", status="resolved", resolution_code="fixed", resolution="tray")
    _as(desk, "bob", lambda: f.note(desk, "INC-1", "time", minutes=15))
    at(1, 11)
    f.log(desk, "ERP down", impact="high", urgency="high", channel="email", group="Service Desk")
    csat.record(desk, "INC-1", 5, "great")
    at(1, 11, 10)
    f.update(desk, "INC-2", assignee="bob")
    _as(desk, "bob", lambda: f.note(desk, "INC-2", "triage", minutes=30))
    at(1, 11, 40)
    f.update(desk, "INC-2", group="Network", assignee="carl")
    at(1, 12)
    f.log(desk, "Slow laptop", group="Service Desk")
    _as(desk, "carl", lambda: f.note(desk, "INC-2", "router", minutes=45))
    at(1, 12, 30)
    f.update(desk, "INC-3", assignee="bob")
    at(1, 13)
    f.update(desk, "INC-2", status="resolved", resolution_code="fixed", resolution="router")
    at(1, 14)
    f.update(desk, "INC-3", status="resolved", resolution_code="fixed", resolution="rebooted")
    csat.record(desk, "INC-2", 2, "slow", channel="online")
    at(2, 8)
    f.update(desk, "INC-3", status="in-progress")
    at(2, 9)
    f.log(desk, "New mouse", channel="self-service")
    clock.at = end


def _as(desk: Desk, login: str, write: Callable[[], object]) -> None:
    """Write as another agent (notes are authored by the acting agent)."""
    real = desk._actor_id
    with desk.reading() as s:
        desk._actor_id = s.scalar(select(Agent.id).where(Agent.login == login))
    try:
        write()
    finally:
        desk._actor_id = real
