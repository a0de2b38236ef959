"""Report figures checked against the hand-computed values of reports_fixture's timeline."""

from datetime import date

import pytest

from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput, NotFound
from deskterm.services.reports import report_facts, reports
from tests.services.reports_fixture import build

D1, D2 = date(2026, 11, 23), date(2026, 11, 24)


@pytest.fixture
def rd(desk: Desk) -> Desk:
    build(desk)
    return desk


def rows(r: reports.Report, *columns: str) -> dict[str, tuple[object, ...]]:
    return {row["key"]: tuple(row[c] for c in columns) for row in [*r.rows, r.total]}


def test_mttr_by_priority_and_filtered(rd: Desk) -> None:
    r = reports.run(rd, "mttr", D1, D2)
    assert r.by == "priority"
    # P3: responses 5m (INC-1) and 30m (INC-3) -> 17m30s; INC-3 reopened, so only INC-1's 20m resolve.
    assert rows(r, "tickets", "responded", "mean_respond_seconds", "resolved", "mean_resolve") == {
        "P1": (1, 1, 600.0, 1, "2h00m"),
        "P3": (3, 2, 1050.0, 1, "20m"),
        "total": (4, 3, 900.0, 2, "1h10m"),
    }
    assert r.total["p90_respond"] == "30m"
    only = reports.run(rd, "mttr", D1, D2, filters=report_facts.Filters(group="service desk"))
    assert rows(only, "tickets")["total"] == (2,)  # INC-1, INC-3 (INC-2 moved to Network)
    p1 = reports.run(rd, "mttr", D1, D2, filters=report_facts.Filters(priority="p1"))
    assert list(rows(p1, "tickets")) == ["P1", "total"]
    day = reports.run(rd, "mttr", D1, D1, by="day")
    assert rows(day, "tickets") == {"2026-11-23": (3,), "total": (3,)}


def test_escalation_from_the_audit_trail(rd: Desk) -> None:
    r = reports.run(rd, "escalation", D1, D2)
    assert rows(r, "tickets", "escalated", "escalated_pct", "mean_escalate") == {
        "(no group)": (1, 0, 0.0, "-"),
        "Network": (1, 1, 100.0, "40m"),
        "Service Desk": (2, 0, 0.0, "-"),
        "total": (4, 1, 25.0, "40m"),
    }


def test_handling_and_cost_by_author(rd: Desk) -> None:
    h = reports.run(rd, "handling", D1, D2)
    assert rows(h, "tickets", "notes", "minutes", "minutes_per_ticket") == {
        "bob": (2, 2, 45, 22.5),
        "carl": (1, 1, 45, 45.0),
        "total": (2, 3, 90, 45.0),
    }
    c = reports.run(rd, "cost", D1, D2)
    # bob 45 min at 60/h = 45.00; carl 45 min at 40/h = 30.00
    assert rows(c, "minutes", "cost", "cost_per_ticket") == {
        "bob": (45, "45.00", "22.50"),
        "carl": (45, "30.00", "30.00"),
        "total": (90, "75.00", "37.50"),
    }
    by_priority = reports.run(rd, "cost", D1, D2, by="priority")
    # INC-2 (P1): bob 30 min at 60 + carl 45 min at 40 = 60.00; INC-1 (P3): bob 15 min at 60 = 15.00
    assert rows(by_priority, "cost") == {"P1": ("60.00",), "P3": ("15.00",), "total": ("75.00",)}


def test_fcr_reopen_backlog(rd: Desk) -> None:
    fcr = reports.run(rd, "fcr", D1, D2)
    assert rows(fcr, "resolved", "first_contact", "fcr_pct") == {
        "Network": (1, 0, 0.0),
        "Service Desk": (1, 1, 100.0),
        "total": (2, 1, 50.0),
    }
    reopen = reports.run(rd, "reopen", D1, D2, by="none")
    assert rows(reopen, "resolved", "reopened", "reopen_pct") == {"all": (3, 1, 33.3), "total": (3, 1, 33.3)}
    backlog = reports.run(rd, "backlog", D1, D2)
    assert rows(backlog, "open", "age_<1d", "mean_age", "oldest") == {
        "P3": (2, 2, "11h00m", "21h30m"),
        "total": (2, 2, "11h00m", "21h30m"),
    }
    # As it stood at the end of day 1: INC-4 not yet logged, INC-3 resolved.
    day1 = reports.run(rd, "backlog", D1, D1)
    assert rows(day1, "open")["total"] == (0,)


def test_volume_by_channel_and_hour(rd: Desk) -> None:
    v = reports.run(rd, "volume", D1, D2)
    assert rows(v, "tickets", "share_pct") == {
        "email": (1, 25.0),
        "phone": (2, 50.0),
        "self-service": (1, 25.0),
        "total": (4, 100.0),
    }
    hours = reports.run(rd, "volume", D1, D2, by="hour")
    assert len(hours.rows) == 24
    assert [r["key"] for r in hours.rows if r["tickets"]] == ["09:00", "10:00", "11:00", "12:00"]


def test_csat_by_group_and_channel(rd: Desk) -> None:
    r = reports.run(rd, "csat", D1, D2)
    assert rows(r, "answers", "mean_score", "satisfied_pct", "score_5", "score_2") == {
        "Network": (1, 2.0, 0.0, 0, 1),
        "Service Desk": (1, 5.0, 100.0, 1, 0),
        "total": (2, 3.5, 50.0, 1, 1),
    }
    by_channel = reports.run(rd, "csat", D1, D2, by="channel")
    assert list(rows(by_channel, "answers")) == ["online", "phone", "total"]
    assert rows(reports.run(rd, "csat", D2, D2), "answers")["total"] == (0,)


def test_bad_requests(rd: Desk) -> None:
    with pytest.raises(InvalidInput, match="no report is named"):
        reports.run(rd, "speed", D1, D2)
    with pytest.raises(InvalidInput, match="before --from"):
        reports.run(rd, "mttr", D2, D1)
    with pytest.raises(InvalidInput, match="break a report down"):
        reports.run(rd, "mttr", D1, D2, by="colour")
    with pytest.raises(InvalidInput, match="P1 to P5"):
        reports.run(rd, "mttr", D1, D2, filters=report_facts.Filters(priority="P9"))
    with pytest.raises(NotFound):
        reports.run(rd, "mttr", D1, D2, filters=report_facts.Filters(agent="nobody"))


def test_cost_per_hour_from_the_settings(rd: Desk) -> None:
    """A configured rate wins over the agent's own; "*" covers agents without one."""
    from decimal import Decimal

    from deskterm.config import Settings

    rd.settings = Settings(db=rd.settings.db, cost_per_hour={"carl": Decimal("80"), "*": Decimal("10")})
    c = reports.run(rd, "cost", D1, D2)
    # bob keeps his own 60/h (45 min = 45.00); carl is configured at 80/h (45 min = 60.00)
    assert rows(c, "cost") == {"bob": ("45.00",), "carl": ("60.00",), "total": ("105.00",)}
    assert reports.hourly_cost({"*": Decimal("10")}, "alice", Decimal("0")) == Decimal("10")
