"""Issue 14, items 3, 4, 5, 7 and 11: every input bounded and checked (exit 4, not 1), NUL
and undecodable text refused per line, definitions never wiped silently, downgrades ask."""

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from deskterm.store.models import AuditEntry, Event
from tests.cli.test_cli import Cli
from tests.cli.test_sla_cli import DEFINITIONS
from tests.conftest import open_desk
from tests.services import factories as f

GOOD = {"source": "nagios", "node": "mail-01", "check": "disk", "severity": "critical"}


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


def one_sentence(err: str) -> None:
    assert err.startswith("deskterm") and err.count("\n") == 1 and "Traceback" not in err, err
    assert "unexpected" not in err, err


def lines(tmp_path: Path, name: str, *items: object, raw: bytes = b"") -> str:
    path = tmp_path / name
    path.write_bytes(b"".join((json.dumps(i) + "\n").encode() for i in items) + raw)
    return str(path)


def count(url: str, model: type) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(model)).scalar() or 0)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "args",
    [
        ("ticket", "update", "INC-1", "--expect-version", "99999999999999999999999", "--title", "y"),
        ("report", "volume", "--from", "0001-01-01", "--to", "0001-12-31"),
        ("report", "volume", "--from", "9999-01-01", "--to", "9999-12-31"),
        ("sla", "report", "--from", "0001-01-01", "--to", "0001-01-02"),
        ("sla", "report", "--from", "9999-12-30", "--to", "9999-12-31"),
        ("sla", "monitor", "--within", "1e308"),
        ("sla", "monitor", "--within", "nan"),
        ("event", "list", "--since", "99999999999h"),
        ("handover", "--shift", "9999-12-31:late"),
        ("handover", "--shift", "0001-01-01:early"),
        ("change", "calendar", "--from", "0001-01-01", "--to", "0001-02-01"),
        ("change", "calendar", "--from", "9999-12-01", "--to", "9999-12-31"),
        ("change", "schedule", "CHG-1", "--start", "9999-12-31T23:00", "--end", "9999-12-31T23:30"),
        ("ticket", "list", "--limit", "99999999999999999999"),
        # bytes that are not UTF-8 arrive as lone surrogates (found by the hostile harness)
        ("handover", "note", "\udcff"),
        ("handover", "search", "\x1c000\udcff"),
        ("ticket", "note", "INC-1", "a\udcffb"),
        ("sla", "wall"),  # a full-screen board on a pipe
    ],
)
def test_out_of_range_arguments_are_exit_4_with_one_sentence(cli: Cli, args: tuple[str, ...]) -> None:
    code, _, err = cli(*args)
    assert code == 4, err
    one_sentence(err)


@pytest.mark.parametrize(
    "command", [("sla", "apply"), ("change", "windows", "apply"), ("event", "rules", "apply")]
)
@pytest.mark.parametrize(
    "body",
    [
        b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n",
        b'name = "\xff"\n',
        b'[[agreement]]\nname = "a\\u0000b"\n',
    ],
    ids=["nested-5000", "invalid-utf8", "nul"],
)
def test_hostile_definition_files_are_exit_4(
    cli: Cli, tmp_path: Path, command: tuple[str, ...], body: bytes
) -> None:
    path = tmp_path / "defs.toml"
    path.write_bytes(body)
    code, _, err = cli(*command, str(path))
    assert code == 4, err
    one_sentence(err)


def test_event_lines_with_nul_bad_times_bad_utf8_or_deep_nesting_are_refused_per_line(
    cli: Cli, tmp_path: Path
) -> None:
    name = lines(
        tmp_path,
        "events.jsonl",
        GOOD,
        {**GOOD, "check": "cpu\u0000"},
        {**GOOD, "check": "t1", "time": "9999-12-31T23:59:59Z"},
        {**GOOD, "check": "t2", "time": "0001-01-01T00:00:00Z"},
        {**GOOD, "check": "t3", "time": 1e300},
        {**GOOD, "check": "lone \ud800"},
        {**GOOD, "check": "ram"},
        raw=b'{"source": "\xff\xfe"}\n' + b"[" * 100_000 + b"]" * 100_000 + b"\n",
    )
    code, _, err = cli("event", "ingest", name, "--format", "json")
    assert code == 4
    refused = err.strip().splitlines()
    assert [r.split(": line ")[1].split(":")[0] for r in refused] == ["2", "3", "4", "5", "6", "8", "9"], err
    assert "NUL" in refused[0] and "out of range" in refused[1] and "UTF-8" in refused[5]
    assert "nested" in refused[6] and "Traceback" not in err
    assert count(cli.url, Event) == 2  # the good lines are kept, on PostgreSQL as on SQLite


def test_alertmanager_labels_of_the_wrong_type_and_nul_are_refused_per_alert(
    cli: Cli, tmp_path: Path
) -> None:
    alert = {"status": "firing", "labels": {"alertname": "Disk", "instance": "mail-01"}}
    payload = {
        "version": "4",
        "status": "firing",
        "alerts": [
            {**alert, "labels": 5},
            {**alert, "labels": {"alertname": "a\u0000b", "instance": "n"}},
            alert,
        ],
    }
    name = lines(tmp_path, "am.json", payload)
    code, _, err = cli("event", "ingest", "--input-format", "alertmanager", name)
    assert code == 4 and "Traceback" not in err and "unexpected" not in err, err
    assert count(cli.url, Event) == 1


def test_an_event_file_with_invalid_utf8_says_so(cli: Cli, tmp_path: Path) -> None:
    name = lines(tmp_path, "bad.jsonl", raw=b'{"source": "\xff"}\n')
    code, _, err = cli("event", "ingest", name)
    assert code == 4 and "not UTF-8" in err


# -- definitions: never wiped silently; the diff and the audit ---------------------------------


def test_an_empty_file_removes_nothing_without_prune(cli: Cli, tmp_path: Path) -> None:
    defs, empty = tmp_path / "sla.toml", tmp_path / "empty.toml"
    defs.write_text(DEFINITIONS, encoding="utf-8")
    empty.write_text("", encoding="utf-8")
    assert cli("sla", "apply", str(defs))[0] == 0
    code, _, err = cli("sla", "apply", str(empty))
    assert code == 4 and "--prune" in err and "agreement Email SLA" in err and "nothing was changed" in err
    assert "Email SLA" in cli("sla", "export")[1]
    dry = cli.json("sla", "apply", str(empty), "--dry-run")
    assert isinstance(dry, dict) and dry["dry_run"] is True
    assert "agreement Email SLA" in dry["removed"] and "calendar Berlin office" in dry["removed"]
    assert "Email SLA" in cli("sla", "export")[1]  # a dry run changes nothing
    pruned = cli.json("sla", "apply", str(empty), "--prune")
    assert isinstance(pruned, dict) and "agreement Network OLA" in pruned["removed"]
    assert "Email SLA" not in cli("sla", "export")[1]


def test_windows_and_rules_need_prune_to_remove(cli: Cli, tmp_path: Path) -> None:
    windows = tmp_path / "windows.toml"
    windows.write_text(
        '[[blackout]]\nname = "Year end"\nstart = 2026-12-20T00:00:00\nend = 2027-01-04T00:00:00\n'
        'timezone = "UTC"\n',
        encoding="utf-8",
    )
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "quiet"\naction = "drop"\nsource = "test"\n', encoding="utf-8")
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    for command, good in ((("change", "windows", "apply"), windows), (("event", "rules", "apply"), rules)):
        code, _, err = cli(*command, str(good))
        assert code == 0, err
        code, _, err = cli(*command, str(empty))
        assert code == 4 and "--prune" in err, err
        code, out, err = cli(*command, str(empty), "--dry-run", "--format", "json")
        assert code == 0 and json.loads(out)["removed"], err
        code, _, err = cli(*command, str(empty), "--prune")
        assert code == 0, err


def test_the_audit_keeps_old_and_new_definitions_of_changed_entries_only(cli: Cli, tmp_path: Path) -> None:
    defs = tmp_path / "sla.toml"
    defs.write_text(DEFINITIONS, encoding="utf-8")
    assert cli("sla", "apply", str(defs))[0] == 0

    def definition_rows() -> list[AuditEntry]:
        desk = open_desk(cli.url)
        try:
            with desk.reading() as s:
                return list(s.scalars(select(AuditEntry).where(AuditEntry.field == "definition")))
        finally:
            desk.close()

    before = len(definition_rows())
    again = cli.json("sla", "apply", str(defs))
    assert isinstance(again, dict) and again["added"] == [] and again["changed"] == []
    assert len(definition_rows()) == before  # unchanged entries write nothing
    slower = DEFINITIONS.replace('P1 = { response = "15m"', 'P1 = { response = "400h"')
    defs.write_text(slower, encoding="utf-8")
    changed = cli.json("sla", "apply", str(defs))
    assert isinstance(changed, dict) and changed["changed"] == ["agreement Email SLA"]
    (row,) = definition_rows()[before:]
    assert row.old is not None and row.new is not None
    assert json.loads(row.old)["targets"]["P1"]["response"] == "15m"
    assert json.loads(row.new)["targets"]["P1"]["response"] == "400h"
    defs.write_text(slower.split("[[escalation]]")[0], encoding="utf-8")
    assert cli("sla", "apply", str(defs), "--prune")[0] == 0
    latest = definition_rows()[before + 1 :]
    assert [(r.record_kind, r.record_ref) for r in latest] == [("escalation", "rules")], latest
    assert latest[0].old and latest[0].new is None


def test_a_long_agreement_name_is_audited_on_postgresql_too(cli: Cli, tmp_path: Path) -> None:
    defs = tmp_path / "sla.toml"
    defs.write_text(DEFINITIONS.replace("Email SLA", "E" * 80), encoding="utf-8")
    code, _, err = cli("sla", "apply", str(defs))
    assert code == 0, err


# -- db downgrade --------------------------------------------------------------------------


def test_downgrade_says_what_it_drops_and_needs_yes(cli: Cli) -> None:
    code, _, err = cli("db", "downgrade", "base")
    assert code == 4 and "--yes" in err and "contacts (1 rows)" in err, err
    assert cli("contact", "list")[0] == 0  # nothing was dropped


def test_a_populated_desk_downgrades_and_upgrades_on_sqlite_too(cli: Cli) -> None:
    desk = open_desk(cli.url)
    try:
        f.log(desk, service="Email")
    finally:
        desk.close()
    for revision in ("0002", "base"):
        code, _, err = cli("db", "downgrade", revision, "--yes")
        assert code == 0, err
        code, _, err = cli("db", "upgrade")
        assert code == 0, err
    engine = create_engine(cli.url)
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from alembic_version")).scalar() == 1
    engine.dispose()


def test_ingest_errors_quote_the_line_inertly(cli: Cli, tmp_path: Path) -> None:
    name = lines(tmp_path, "e.jsonl", {**GOOD, "severity": "\x1b]0;owned\x07\u202e"})
    code, _, err = cli("event", "ingest", name)
    assert code == 4 and "owned" in err, err
    assert not [ch for ch in err if ch in "\x1b\x07\u202e"], err
