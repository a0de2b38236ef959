"""The CLI contract: JSON output, exit codes, one-sentence errors, CSV safety."""

import csv
import io
import json
import subprocess
import sys
from typing import Any

import pytest

from deskterm.cli.main import main


class Cli:
    def __init__(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.url, self.capsys = url, capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        try:
            code = main(["--db", self.url, *args])
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str) -> Any:
        code, out, err = self(*args, "--format", "json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def cli(db_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    c = Cli(db_url, capsys)
    assert c("contact", "add", "王伟", "--email", "wang@example.com")[0] == 0
    assert c("contact", "add", "Ann Lee", "--phone", "+1 555 0100")[0] == 0
    assert c("service", "add", "Email", "--criticality", "high")[0] == 0
    assert c("ci", "add", "mail-01", "--type", "server", "--service", "Email")[0] == 0
    return c


def test_log_an_incident_prints_the_new_record_as_json(cli: Cli) -> None:
    rec = cli.json(
        "incident",
        "log",
        "--title",
        "Outlook 无法连接",
        "--caller",
        "wang@example.com",
        "--impact",
        "high",
        "--urgency",
        "high",
        "--service",
        "email",
        "--ci",
        "mail-01",
    )
    assert isinstance(rec, dict)
    assert rec["ref"] == "INC-1" and rec["priority"] == "P1" and rec["status"] == "new"
    assert rec["service"] == "Email" and rec["ci"] == "mail-01" and rec["version"] == 1
    req = cli.json(
        "incident",
        "log",
        "--request",
        "--title",
        "New laptop",
        "--caller",
        "Ann Lee",
        "--impact",
        "low",
        "--urgency",
        "low",
    )
    assert isinstance(req, dict) and req["ref"] == "REQ-1" and req["priority"] == "P5"


def test_ticket_lifecycle_through_the_cli(cli: Cli) -> None:
    cli("incident", "log", "--title", "VPN down", "--caller", "#1", "--impact", "medium", "--urgency", "high")
    me = cli.json("whoami")
    assert isinstance(me, dict)
    rows = cli.json("ticket", "list", "--status", "new", "--limit", "5")
    assert [r["ref"] for r in rows] == ["INC-1"]
    shown = cli.json("ticket", "update", "inc1", "--assign", me["login"], "--expect-version", "1")
    assert isinstance(shown, dict) and shown["status"] == "assigned" and shown["version"] == 2
    note = cli.json("ticket", "note", "INC-1", "Called the user back", "--public", "--minutes", "7")
    assert isinstance(note, dict) and note["visibility"] == "public" and note["channel"] == "email"
    done = cli.json(
        "ticket",
        "update",
        "INC-1",
        "--status",
        "resolved",
        "--resolution-code",
        "fixed",
        "--resolution",
        "Reset the token",
        "--expect-version",
        "2",
    )
    assert isinstance(done, dict) and done["status"] == "resolved"
    code, out, _ = cli("ticket", "show", "INC-1")
    assert code == 0 and "Called the user back" in out and "version 3" in out and "HISTORY" in out


@pytest.mark.parametrize(
    ("args", "exit_code", "says"),
    [
        (("ticket", "show", "INC-999"), 3, "there is no ticket INC-999"),
        (("ticket", "show", "XYZ-1"), 4, "unknown prefix"),
        (
            ("incident", "log", "--title", "x", "--caller", "nobody", "--impact", "high", "--urgency", "low"),
            3,
            "no caller",
        ),
        (
            ("incident", "log", "--title", "x", "--caller", "#1", "--impact", "huge", "--urgency", "low"),
            4,
            "impact 'huge'",
        ),
        (
            ("incident", "log", "--title", "  ", "--caller", "#1", "--impact", "high", "--urgency", "low"),
            4,
            "title",
        ),
        (
            (
                "incident",
                "log",
                "--title",
                "x" * 201,
                "--caller",
                "#1",
                "--impact",
                "high",
                "--urgency",
                "low",
            ),
            4,
            "at most 200",
        ),
        (
            (
                "incident",
                "log",
                "--title",
                "x",
                "--caller",
                "#1",
                "--impact",
                "high",
                "--urgency",
                "low",
                "--service",
                "Nope",
            ),
            3,
            "no service",
        ),
        (("ticket", "list", "--status", "bogus"), 4, "status 'bogus'"),
        (("ticket", "list", "--sort", "colour"), 4, "cannot sort"),
        (("ticket", "list", "--limit", "0"), 4, "limit"),
        (("ci", "relate", "mail-01", "loves", "mail-01"), 4, "relation 'loves'"),
        (("ticket", "frobnicate"), 2, ""),
    ],
)
def test_bad_input_gets_one_sentence_and_the_documented_exit_code(
    cli: Cli, args: tuple[str, ...], exit_code: int, says: str
) -> None:
    code, _, err = cli(*args)
    assert code == exit_code
    assert says in err
    assert "Traceback" not in err


def test_nothing_is_written_when_input_is_bad(cli: Cli) -> None:
    cli(
        "incident",
        "log",
        "--title",
        "x",
        "--caller",
        "#1",
        "--impact",
        "high",
        "--urgency",
        "low",
        "--ci",
        "nope",
    )
    assert cli.json("ticket", "list") == []


def test_stale_update_is_a_conflict_exit_5(cli: Cli) -> None:
    cli("incident", "log", "--title", "Printer", "--caller", "#2", "--impact", "low", "--urgency", "low")
    assert cli("ticket", "update", "INC-1", "--impact", "high", "--expect-version", "1")[0] == 0
    code, _, err = cli("ticket", "update", "INC-1", "--urgency", "high", "--expect-version", "1")
    assert code == 5
    assert "changed since you saw it" in err and "impact" in err


def test_illegal_transition_names_the_allowed_ones(cli: Cli) -> None:
    cli("incident", "log", "--title", "Printer", "--caller", "#2", "--impact", "low", "--urgency", "low")
    code, _, err = cli("ticket", "update", "INC-1", "--status", "closed")
    assert code == 4
    assert "allowed: assigned, in-progress, pending, resolved" in err


def test_csv_has_a_bom_and_neutralises_formulas(cli: Cli) -> None:
    cli(
        "incident",
        "log",
        "--title",
        '=HYPERLINK("http://evil")',
        "--caller",
        "#1",
        "--impact",
        "low",
        "--urgency",
        "low",
    )
    cli("incident", "log", "--title", "@SUM(A1)", "--caller", "#1", "--impact", "low", "--urgency", "low")
    raw = subprocess.run(
        [sys.executable, "-m", "deskterm", "--db", cli.url, "ticket", "list", "--format", "csv"],
        capture_output=True,
        check=True,
    ).stdout
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    titles = sorted(r["title"] for r in rows)
    assert titles == ['\'=HYPERLINK("http://evil")', "'@SUM(A1)"]


def test_table_output_neutralises_escape_sequences(cli: Cli) -> None:
    cli(
        "incident",
        "log",
        "--title",
        "red \x1b[31malert\x1b[0m",
        "--caller",
        "#1",
        "--impact",
        "low",
        "--urgency",
        "low",
    )
    code, out, _ = cli("ticket", "list")
    assert code == 0 and "\x1b" not in out and "␛[31malert" in out


def test_an_unreachable_database_is_exit_6() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "deskterm", "--db", "postgresql://nobody@127.0.0.1:1/none", "ticket", "list"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 6
    assert "cannot use the database" in result.stderr and "Traceback" not in result.stderr


def test_a_malformed_url_is_exit_4() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "deskterm", "--db", "mysql://x/y", "ticket", "list"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 4 and "SQLite or PostgreSQL" in result.stderr


def test_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "deskterm", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("deskterm ")
