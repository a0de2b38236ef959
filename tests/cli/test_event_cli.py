"""``deskterm event``: ingest from files and stdin (deskterm and Alertmanager), list, show, rules."""

import io
import json
from pathlib import Path

import pytest

from tests.cli.test_cli import Cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "alertmanager"


@pytest.fixture
def cli(db_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    c = Cli(db_url, capsys)
    assert c("service", "add", "Email", "--criticality", "critical")[0] == 0
    assert c("ci", "add", "mail-srv-01", "--type", "server", "--service", "Email")[0] == 0
    return c


def event(node: str, severity: str = "critical", check: str = "smtp", minute: int = 0) -> str:
    return json.dumps(
        {
            "source": "nagios",
            "node": node,
            "check": check,
            "severity": severity,
            "message": "m",
            "time": f"2026-11-24T09:{minute:02d}:00Z",
        }
    )


def test_ingest_a_file_reports_malformed_lines_and_keeps_the_rest(cli: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join([event("mail-srv-01"), "{oops", event("mail-srv-01", minute=1)]) + "\n")
    code, out, err = cli("event", "ingest", str(feed), "--format", "json")
    assert code == 4  # something was malformed: the exit code says so, the rest is kept
    summary = json.loads(out)
    assert (summary["read"], summary["malformed"], summary["recorded"], summary["deduplicated"]) == (
        3,
        1,
        1,
        1,
    )
    assert summary["incidents_opened"] == 1
    assert (
        err.strip()
        == f"deskterm: {feed}: line 2: not JSON (Expecting property name enclosed in double quotes "
        "at column 2)"
    )


def test_ingest_from_stdin_prints_a_table_summary(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(event("web-9", "warning") + "\n"))
    code, out, err = cli("event", "ingest")
    assert code == 0, err
    assert "recorded              1" in out and "incidents opened      0" in out


def test_ingest_alertmanager_payloads(cli: Cli) -> None:
    code, out, err = cli(
        "event", "ingest", "--input-format", "alertmanager", str(FIXTURES / "firing.json"), "--format", "json"
    )
    assert code == 0, err
    assert json.loads(out)["incidents_opened"] == 1
    code, out, err = cli(
        "event", "ingest", "--format-in", "alertmanager", str(FIXTURES / "resolved.json"), "--format", "json"
    )
    assert code == 0, err
    assert json.loads(out)["incidents_resolved"] == 1


def test_format_alertmanager_as_the_issue_writes_it_reads_alertmanager_input(cli: Cli) -> None:
    code, out, err = cli("event", "ingest", "--format", "alertmanager", str(FIXTURES / "firing.json"))
    assert code == 0, err
    assert "incidents opened" in out and "1" in out  # the summary as a table
    code, _, err = cli(
        "event",
        "ingest",
        "--format",
        "alertmanager",
        "--input-format",
        "alertmanager",
        str(FIXTURES / "resolved.json"),
    )
    assert code == 0, err
    code, _, err = cli("event", "ingest", "--format", "deskterm", "--input-format", "alertmanager", "-")
    assert code == 4 and "disagree" in err
    code, _, err = cli("event", "ingest", "--format", "yaml", "-")
    assert code == 2 and "table, json, deskterm, alertmanager" in err


def test_a_missing_file_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(event("mail-srv-01") + "\n")
    code, _, err = cli("event", "ingest", str(good), str(tmp_path / "nope.jsonl"))
    assert code == 4 and "nope.jsonl" in err
    assert cli.json("event", "list") == []


def test_list_show_and_filters(cli: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join([event("mail-srv-01"), event("stray", "warning", "ping")]) + "\n")
    assert cli("event", "ingest", str(feed))[0] == 0
    rows = cli.json("event", "list")
    assert [r["node"] for r in rows] == ["mail-srv-01", "stray"] or [r["node"] for r in rows] == [
        "stray",
        "mail-srv-01",
    ]
    assert [r["node"] for r in cli.json("event", "list", "--ci", "mail-srv-01")] == ["mail-srv-01"]
    assert [r["node"] for r in cli.json("event", "list", "--severity", "warning")] == ["stray"]
    assert cli.json("event", "list", "--since", "2026-11-25") == []
    assert len(cli.json("event", "list", "--since", "2026-11-24T00:00:00Z")) == 2
    code, out, _ = cli("event", "list", "--format", "csv")
    assert code == 0 and out.startswith("\ufeffref,severity")
    code, out, _ = cli("event", "show", "evt1")
    assert code == 0 and "mail-srv-01" in out and "INC-1 (new)" in out
    assert cli("event", "show", "EVT-77")[0] == 3
    assert cli("event", "list", "--severity", "loud")[0] == 4
    assert cli("event", "list", "--since", "last week")[0] == 4


def test_rules_apply_and_export(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[settings]\ncorrelation_window = "30m"\n\n'
        '[[rule]]\nname = "quiet"\naction = "drop"\ncheck = "heartbeat"\n'
    )
    rec = cli.json("event", "rules", "apply", str(rules))
    assert (rec["rules"], rec["correlation_window"]) == (1, "30m")
    code, exported, _ = cli("event", "rules", "export")
    assert code == 0 and 'check = "heartbeat"' in exported
    monkeypatch.setattr("sys.stdin", io.StringIO('[[rule]]\nname = "x"\naction = "nope"\ncheck = "a"\n'))
    code, _, err = cli("event", "rules", "apply", "-")
    assert code == 4 and "rule[1].action" in err and "nothing was changed" in err
    assert cli("event", "rules", "export")[1] == exported
