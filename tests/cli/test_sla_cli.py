"""``deskterm sla``: apply, export, explain and monitor through the CLI, on both databases."""

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from deskterm.domain.core.clock import FixedClock
from tests.cli.test_cli import Cli
from tests.conftest import open_desk
from tests.services import factories as f

# Round the clock, so that due times do not depend on when the test runs.
DEFINITIONS = """
[[calendar]]
name = "Berlin office"
timezone = "Europe/Berlin"
holidays = ["2026-12-25"]

[calendar.hours]
mon = ["08:00-12:00", "13:00-17:00"]

[[agreement]]
name = "Email SLA"
services = ["Email"]
pause_on = ["customer"]

[agreement.targets]
P1 = { response = "15m", resolution = "4h" }
P2 = { response = "30m", resolution = "8h" }
P3 = { response = "2h", resolution = "24h" }

[[agreement]]
name = "Network OLA"
kind = "OLA"
groups = ["Network"]
calendar = "Berlin office"

[agreement.targets]
P1 = { response = "1h", resolution = "9h" }

[[escalation]]
at = "breach"
action = "reassign"
group = "Network"
"""


@pytest.fixture
def cli(db_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    c = Cli(db_url, capsys)
    assert c("contact", "add", "Wang Wei", "--email", "wang@example.com")[0] == 0
    assert c("service", "add", "Email")[0] == 0
    desk = open_desk(db_url)
    try:
        f.group(desk, "Network")
    finally:
        desk.close()
    return c


@pytest.fixture
def definitions(tmp_path: Path) -> Path:
    path = tmp_path / "sla.toml"
    path.write_text(DEFINITIONS, encoding="utf-8")
    return path


def log_ten_minutes_ago(url: str, *tickets: tuple[str, str]) -> list[str]:
    """Log incidents on Email as if ten minutes ago (the CLI itself runs on the real clock)."""
    desk = open_desk(url, FixedClock(datetime.now(UTC) - timedelta(minutes=10)))
    try:
        return [f.log(desk, impact=i, urgency=u, service="Email").ref for i, u in tickets]
    finally:
        desk.close()


def test_apply_prints_a_json_summary(cli: Cli, definitions: Path) -> None:
    summary = cli.json("sla", "apply", str(definitions))
    assert summary == {
        "calendars": 1,
        "agreements": 2,
        "escalations": 1,
        "removed": [],
        "clocks": 0,
        "recomputed_from": "history",
    }
    code, out, _ = cli("sla", "apply", str(definitions))
    assert code == 0 and "Email SLA" not in out  # a table of counts, nothing else


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ('"Europe/Berlin"', '"Europe/Berln"', ("'Berlin office'", "timezone")),
        ('response = "2h"', 'response = "2d"', ("'Email SLA'", "targets", "'2d'")),
        ('groups = ["Network"]', 'groups = ["Netwerk"]', ("'Network OLA'", "groups", "'Netwerk'")),
        ('group = "Network"\n', "", ("escalation[1]", "group")),
    ],
)
def test_a_broken_file_exits_4_with_one_sentence_and_changes_nothing(
    cli: Cli, definitions: Path, tmp_path: Path, old: str, new: str, says: tuple[str, ...]
) -> None:
    assert cli("sla", "apply", str(definitions))[0] == 0
    _, before, _ = cli("sla", "export")
    broken = tmp_path / "broken.toml"
    broken.write_text(DEFINITIONS.replace(old, new, 1).replace('"4h"', '"3h"'), encoding="utf-8")
    code, out, err = cli("sla", "apply", str(broken))
    assert code == 4 and out == ""
    assert err.startswith("deskterm: ") and err.count("\n") == 1 and "Traceback" not in err
    assert str(broken) in err and "nothing was changed" in err
    for part in says:
        assert part in err, err
    assert cli("sla", "export")[1] == before


def test_an_unreadable_file_exits_4(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli("sla", "apply", str(tmp_path / "missing.toml"))
    assert code == 4 and out == ""
    assert "cannot read" in err and "missing.toml" in err and err.count("\n") == 1
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    code, _, err = cli("sla", "apply", str(binary))
    assert code == 4 and "cannot read" in err
    assert cli("sla", "export")[1] == ""


def test_export_prints_toml_that_apply_reads_from_standard_input(
    cli: Cli, definitions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("sla", "apply", str(definitions))
    code, exported, _ = cli("sla", "export")
    assert code == 0 and 'name = "Berlin office"' in exported and 'resolution = "24h"' in exported
    cli("sla", "apply", str(definitions).replace("sla.toml", "nothing.toml"))  # a failed apply in between
    monkeypatch.setattr("sys.stdin", io.StringIO(exported))
    summary = cli.json("sla", "apply", "-")
    assert summary == {
        "calendars": 1,
        "agreements": 2,
        "escalations": 1,
        "removed": [],
        "clocks": 0,
        "recomputed_from": "phases",
    }
    assert cli("sla", "export")[1] == exported


def test_explain_as_json_has_clocks_with_segments(cli: Cli, definitions: Path) -> None:
    cli("sla", "apply", str(definitions))
    (ref,) = log_ten_minutes_ago(cli.url, ("medium", "high"))
    view = cli.json("sla", "explain", ref.lower())
    assert isinstance(view, dict) and view["ref"] == ref
    clocks = {c["metric"]: c for c in view["clocks"]}
    assert set(clocks) == {"response", "resolution"}
    response = clocks["response"]
    assert response["agreement"] == "Email SLA" and response["kind"] == "SLA" and response["priority"] == "P2"
    assert response["state"] == "running" and response["target"] == "30m"
    assert 599 < response["elapsed_seconds"] < 900
    counted = [g for g in response["segments"] if g["counted"]]
    assert counted and counted[0]["reason"] == "counted"
    opened = datetime.fromisoformat(counted[0]["start"])
    assert datetime.fromisoformat(response["due_at"]) == opened + timedelta(minutes=30)
    code, out, _ = cli("sla", "explain", ref)
    assert code == 0 and "Email SLA (SLA)" in out and "RUNNING" in out and "counted" in out


def test_explain_without_an_agreement_says_so(cli: Cli) -> None:
    (ref,) = log_ten_minutes_ago(cli.url, ("low", "low"))
    code, out, _ = cli("sla", "explain", ref)
    assert code == 0 and "no agreement applies" in out
    view = cli.json("sla", "explain", ref)
    assert isinstance(view, dict) and view["ref"] == ref and view["clocks"] == []


def test_monitor_within_hours_lists_clocks_soonest_due_first(cli: Cli, definitions: Path) -> None:
    cli("sla", "apply", str(definitions))
    p3, p1, p2 = log_ten_minutes_ago(cli.url, ("medium", "medium"), ("high", "high"), ("medium", "high"))
    rows = cli.json("sla", "monitor", "--within", "8")
    assert isinstance(rows, list)
    assert [(r["ref"], r["metric"]) for r in rows] == [
        (p1, "response"),  # 15m
        (p2, "response"),  # 30m
        (p3, "response"),  # 2h
        (p1, "resolution"),  # 4h
        (p2, "resolution"),  # 8h, less the ten minutes gone
    ]
    dues = [datetime.fromisoformat(r["due_at"]) for r in rows]
    assert dues == sorted(dues)
    assert all(r["band"] == "ok" and r["agreement"] == "Email SLA" for r in rows)
    assert [(r["ref"], r["metric"]) for r in cli.json("sla", "monitor", "--within", "0.1")] == [
        (p1, "response")
    ]
    assert cli.json("sla", "monitor", "--kind", "OLA") == []
    assert len(cli.json("sla", "monitor")) == 6  # type: ignore[arg-type]


@pytest.mark.parametrize("command", ["explain"])
def test_an_unknown_ticket_exits_3(cli: Cli, command: str) -> None:
    code, out, err = cli("sla", command, "INC-404")
    assert code == 3 and out == ""
    assert "INC-404" in err and err.count("\n") == 1
    code, _, err = cli("sla", command, "INC-404", "--format", "json")
    assert code == 3


def test_an_unknown_group_in_the_monitor_filter_exits_3(cli: Cli) -> None:
    code, _, err = cli("sla", "monitor", "--group", "Nowhere")
    assert code == 3 and "Nowhere" in err


def test_report_as_json_and_markdown_and_sip(cli: Cli, definitions: Path) -> None:
    cli("sla", "apply", str(definitions))
    (p1,) = log_ten_minutes_ago(cli.url, ("high", "high"))
    today = datetime.now(UTC).date()
    args = ("sla", "report", "--from", str(today - timedelta(days=1)), "--to", str(today))
    report = cli.json(*args)
    assert isinstance(report, dict)
    rows = {(r["priority"], r["metric"]): r for r in report["rows"]}
    assert rows[("P1", "response")]["tickets"] == 1 and rows[("P1", "response")]["running"] == 1
    assert report["breaches"] == []
    code, out, _ = cli(*args, "--format", "md")
    assert code == 0 and out.startswith("# Service level report") and "| Email SLA |" in out
    code, _, err = cli("sla", "report", "--from", "yesterday", "--to", str(today))
    assert code == 4 and "YYYY-MM-DD" in err
    me = cli.json("whoami")
    assert isinstance(me, dict)
    item = cli.json(
        "sla",
        "sip",
        "add",
        "--title",
        "Faster P1 response",
        "--owner",
        me["login"],
        "--due",
        str(today + timedelta(days=30)),
        "--ticket",
        p1,
    )
    assert isinstance(item, dict) and item["ticket"] == p1 and item["status"] == "open"
    assert [i["title"] for i in cli.json("sla", "sip")] == ["Faster P1 response"]  # type: ignore[union-attr, index]
