"""``deskterm audit verify | export`` through the CLI on SQLite and PostgreSQL: each kind of
tampering named by its row (exit 4), an export verified by the README's recipe running as a
stdlib-only Python, ``--since``, and who may run the db and audit commands (exit 7)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from deskterm.store import audit_chain
from tests.cli.test_team_cli import ALICE, EVE, As
from tests.services.db.export_recipe import recipe_source
from tests.store.test_audit_chain import hashes, tamper

VIC = EVE.__class__(uid=4545, login="vic", display_name="Vic Viewer")


@pytest.fixture
def cli(db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> As:
    c = As(db_url, capsys, monkeypatch)
    assert c.as_(ALICE, "contact", "add", "Wang \u202eWei", "--email", "wang@example.com")[0] == 0
    for n in range(3):
        code, _, err = c("incident", "log", "--title", f"VPN drops {n}", "--caller", "wang@example.com",
                         "--impact", "low", "--urgency", "low")  # fmt: skip
        assert code == 0, err
    return c


def test_verify_an_intact_trail(cli: As, db_url: str) -> None:
    code, out, err = cli("audit", "verify")
    head = hashes(db_url)[-1][1]
    assert (code, err) == (0, "")
    assert out == f"ok: {len(hashes(db_url))} audit rows, chain intact, head {head}\n"
    report = cli.json("audit", "verify")
    assert report["ok"] is True and report["head"] == head and report["findings"] == []


SQL = {
    "update": "UPDATE audit_entries SET new = 'nothing happened' WHERE id = :i",
    "delete": "DELETE FROM audit_entries WHERE id = :i",
    "insert": "INSERT INTO audit_entries (id, at, actor_id, record_kind, record_id, field, new) "
    "SELECT :i, at, actor_id, record_kind, record_id, field, 'forged' FROM audit_entries WHERE id = 1",
}


@pytest.mark.parametrize("kind", list(SQL))
def test_tampering_by_sql_is_named_by_its_row_and_exits_4(cli: As, db_url: str, kind: str) -> None:
    rows = [i for i, _ in hashes(db_url)]
    if kind == "insert":  # into the gap a deleted row left: out of order
        tamper(db_url, "DELETE FROM audit_entries WHERE id = :i", i=rows[3])
        tamper(db_url, SQL[kind], i=rows[3])
        named = rows[3]
    else:
        tamper(db_url, SQL[kind], i=rows[3])
        named = rows[3] if kind == "update" else rows[4]
    code, out, err = cli("audit", "verify")
    assert code == 4
    assert out.splitlines()[0].startswith(f"audit row {named} ")
    assert f"the first at audit row {named};" in err and err.count("\n") == 1
    code, out, _ = cli("audit", "verify", "--format", "json")
    assert code == 4 and json.loads(out)["findings"][0]["row"] == named
    code, out, _ = cli("audit", "verify", "--format", "csv")
    assert code == 4 and out.splitlines()[1].startswith(f"{named},")


def _recipe(tmp_path: Path) -> Path:
    script = tmp_path / "verify_export.py"
    script.write_text(recipe_source(), encoding="utf-8")
    return script


def run_recipe(script: Path, export: Path, *anchor: str) -> subprocess.CompletedProcess[str]:
    """The README's verifier in a Python with no site-packages (-I -S): the standard library only."""
    return subprocess.run(
        [sys.executable, "-I", "-S", str(script), str(export), *anchor],
        capture_output=True,
        text=True,
        check=False,
    )


def test_an_export_round_trip_is_verified_without_deskterm(cli: As, db_url: str, tmp_path: Path) -> None:
    code, out, err = cli("audit", "export")
    assert (code, err) == (0, "")
    assert "\u202e" not in out and "\\u202e" in out  # the bidi override escaped, the text exact
    export = tmp_path / "audit.jsonl"
    export.write_text(out, encoding="utf-8")
    lines = out.splitlines()
    assert [json.loads(x)["hash"] for x in lines] == [h for _, h in hashes(db_url)]
    script = _recipe(tmp_path)
    done = run_recipe(script, export)
    assert (done.returncode, done.stdout) == (0, "intact\n"), done.stderr
    assert run_recipe(script, export, audit_chain.GENESIS).returncode == 0
    row = json.loads(lines[2])
    lines[2] = json.dumps({**row, "new": "INC-999"})
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = run_recipe(script, export)
    assert (done.returncode, done.stdout) == (1, f"broken at rows [{row['id']}]\n")
    for fmt in ("json", "csv", "table"):
        code, out, err = cli("audit", "export", "--format", fmt)
        assert code == 0 and err == "" and "\u202e" not in out, fmt
    assert len(json.loads(cli("audit", "export", "--format", "json")[1])) == len(hashes(db_url))


def test_since_gives_a_stretch_that_joins_the_previous_export(cli: As, db_url: str, tmp_path: Path) -> None:
    everything = [json.loads(x) for x in cli("audit", "export")[1].splitlines()]
    code, out, _ = cli("audit", "export", "--since", "1h")
    assert code == 0 and [json.loads(x) for x in out.splitlines()] == everything
    tamper(
        db_url, "UPDATE audit_entries SET at = '2020-01-01 00:00:00' WHERE id <= :i", i=everything[1]["id"]
    )
    code, out, _ = cli("audit", "export", "--since", "2021-01-01")
    later = [json.loads(x) for x in out.splitlines()]
    assert code == 0 and [r["id"] for r in later] == [r["id"] for r in everything[2:]]
    assert later[0]["prev_hash"] == everything[1]["hash"]
    export = tmp_path / "later.jsonl"
    export.write_text(out, encoding="utf-8")
    assert run_recipe(_recipe(tmp_path), export, everything[1]["hash"]).returncode == 0
    assert cli("audit", "export", "--since", "2999-12-31")[1] == ""
    code, _, err = cli("audit", "export", "--since", "last tuesday")
    assert code == 4 and err.startswith("deskterm: --since") and err.count("\n") == 1


def test_who_may_back_up_restore_check_verify_and_export(cli: As, tmp_path: Path) -> None:
    assert cli.as_(EVE, "whoami")[0] == 0  # an ordinary agent of alice's desk
    assert cli.as_(VIC, "whoami")[0] == 0
    assert cli.as_(ALICE, "agent", "update", "vic", "--role", "viewer")[0] == 0
    made = cli.json_as(ALICE, "db", "backup", str(tmp_path / "desk.bak"))
    assert isinstance(made, dict)
    for argv, verb, needed in (
        (("db", "backup", str(tmp_path / "eve.bak")), "back up the desk", "desk-manager or admin"),
        (("db", "check"), "check the desk's database", "desk-manager or admin"),
        (("db", "restore", made["file"], "--yes"), "restore the desk from a backup", "admin"),
        (("audit", "verify"), "verify the audit trail", "viewer or desk-manager or admin"),
        (("audit", "export"), "export the audit trail", "viewer or desk-manager or admin"),
    ):
        code, out, err = cli.as_(EVE, *argv)
        assert (code, out) == (7, ""), argv
        assert f"eve may not {verb} without the role {needed}; ask an admin of this desk (alice)" in err
    assert not (tmp_path / "eve.bak").exists()
    assert cli.as_(VIC, "audit", "verify")[0] == 0
    assert cli.as_(VIC, "audit", "export")[0] == 0
    assert cli.as_(VIC, "db", "backup", str(tmp_path / "vic.bak"))[0] == 7
    refused = [json.loads(x) for x in cli.as_(VIC, "audit", "export")[1].splitlines()]
    assert [(r["actor"], r["old"]) for r in refused if r["field"] == "refused"] == [
        ("eve", "db.backup"),
        ("eve", "db.check"),
        ("eve", "db.restore"),
        ("eve", "audit.verify"),
        ("eve", "audit.export"),
        ("vic", "db.backup"),
    ]
    assert cli.as_(ALICE, "audit", "verify")[0] == 0
