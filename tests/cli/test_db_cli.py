"""``deskterm db backup | restore | check`` through the CLI: exit codes, output, and a backup
taken while another process keeps logging calls, on SQLite and PostgreSQL."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from deskterm.services.core import context
from deskterm.services.core.context import Desk
from tests.cli.test_cli import Cli
from tests.conftest import IDENTITY
from tests.services import factories as f
from tests.services.db.test_backup import other_url  # noqa: F401  (the fixture)
from tests.services.test_concurrency import REPO, WORKER, job
from tests.store.test_audit_chain import hashes, tamper


@pytest.fixture
def cli(desk: Desk, db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setattr(context, "current_identity", lambda: IDENTITY)  # the desk's owner, alice
    f.contact(desk, "Wang Wei", email="wang.wei@example.com")
    for n in range(3):
        f.log(desk, title=f"VPN drops {n}")
    return Cli(db_url, capsys)


def refs(url: str) -> set[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = {r for (r,) in conn.execute(text("SELECT ref FROM tickets"))}
    engine.dispose()
    return found


def test_check_a_sound_desk(cli: Cli) -> None:
    code, out, err = cli("db", "check")
    assert (code, err) == (0, "")
    assert out.startswith("ok: no findings")
    report = cli.json("db", "check")
    assert isinstance(report, dict) and report["ok"] is True and report["findings"] == []


def test_check_names_the_edited_audit_row_and_exits_4(cli: Cli, db_url: str) -> None:
    target = hashes(db_url)[2][0]
    tamper(db_url, "UPDATE audit_entries SET old = 'P1' WHERE id = :i", i=target)
    code, out, err = cli("db", "check")
    assert code == 4
    lines = out.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("audit") and f"audit row {target}" in lines[1]
    assert err.count("\n") == 1 and "db check found 1 problem" in err
    code, out, _ = cli("db", "check", "--format", "json")
    assert code == 4
    assert [x["subject"] for x in json.loads(out)["findings"]] == [f"audit row {target}"]


def test_check_finds_a_counter_behind_its_refs_and_a_stale_sla_due(cli: Cli, db_url: str) -> None:
    tamper(db_url, "UPDATE ref_counters SET value = 1 WHERE name = 'INC'")
    tamper(db_url, "UPDATE tickets SET sla_due_at = '2030-01-01 00:00:00' WHERE ref = 'INC-2'")
    code, out, _ = cli("db", "check", "--format", "json")
    assert code == 4
    found = {(x["check"], x["subject"]) for x in json.loads(out)["findings"]}
    assert ("refs", "INC-3") in found
    assert ("sla", "INC-2") in found


def test_backup_and_restore_by_cli(cli: Cli, db_url: str, other_url: str, tmp_path: Path) -> None:  # noqa: F811
    made = cli.json("db", "backup", str(tmp_path / "desk.bak"))
    assert isinstance(made, dict) and made["tickets"] == 3
    code, _, err = cli("db", "restore", made["file"])
    assert code == 5 and "--yes" in err and err.count("\n") == 1
    other = Cli(other_url, cli.capsys)
    done = other.json("db", "restore", made["file"])
    assert isinstance(done, dict) and done["tickets"] == 3
    assert refs(other_url) == refs(db_url)
    code, _, err = cli("db", "restore", str(tmp_path / "nothing.bak"))
    assert code == 3 and "no backup file" in err
    Path(made["file"]).write_bytes(b"\0" * int(made["bytes"]))
    code, _, err = other("db", "restore", made["file"], "--yes")
    assert code == 4 and "corrupted" in err


def _writer(url: str, tmp_path: Path, count: int) -> subprocess.Popen[str]:
    spec = job(url, 1, "log", count=count, caller="wang.wei@example.com")
    spec = {**spec, "ready": str(tmp_path / "ready-1"), "go": str(tmp_path / "go")}
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), json.dumps(spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "ready-1").exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr and proc.stderr.read()
        time.sleep(0.01)
    (tmp_path / "go").touch()
    return proc


def test_a_backup_taken_while_another_process_writes_is_consistent(
    cli: Cli,
    db_url: str,
    other_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    proc = _writer(db_url, tmp_path, count=150)
    try:
        while len(refs(db_url)) < 10:  # the writer is under way
            time.sleep(0.02)
        committed = refs(db_url)
        made = cli.json("db", "backup", str(tmp_path / "live.bak"))
        assert isinstance(made, dict)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    report = json.loads(out.strip().splitlines()[-1])
    assert report["errors"] == []
    final = refs(db_url)
    assert len(final) == 3 + 150, "the writer finished all its calls"
    other = Cli(other_url, cli.capsys)
    other.json("db", "restore", made["file"], "--yes")
    copied = refs(other_url)
    assert committed <= copied <= final, "every ticket committed before the backup is in it"
    assert len(copied) == made["tickets"]
    assert len(copied) < len(final), "the backup was taken while the writer was still logging"
    code, out, err = other("db", "check")
    assert code == 0, out + err
