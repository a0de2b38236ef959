"""Issue 14, items 1, 2, 8, 10: one output policy for every format, URLs never show a
secret, the desk's files are private, and database URLs that would silently misbehave are
refused."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from deskterm.domain.core.text import is_unsafe
from deskterm.domain.core.urls import mask_url
from deskterm.services.core.context import safe_url
from tests.cli.test_cli import Cli
from tests.cli.test_sla_cli import DEFINITIONS, log_ten_minutes_ago
from tests.conftest import open_desk
from tests.services import factories as f

HOSTILE = (
    "\x1b]52;c;aGVsbG8=\x07\x1b[2J\x1b]0;owned\x07\x9b2J\x9d8;;x\x9c\u202eevil\u200f\u061c\u200b\u2028SLA"
)
SECRET = "s3cr3t"
ROOT = os.geteuid() == 0  # root writes into read-only folders and reads unreadable files


def no_control_from_data(text: str) -> None:
    """Nothing unsafe except the newlines and tabs the format itself writes."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")  # CSV's own BOM and line ends
    left = [hex(ord(ch)) for ch in text if is_unsafe(ch) and ch not in "\n\t"]
    assert not left, left


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


def test_table_csv_and_json_never_carry_controls_from_data(cli: Cli) -> None:
    code, _, err = cli(
        "incident", "log", "--title", HOSTILE, "--caller", "wang@example.com",
        "--impact", "low", "--urgency", "low",
    )  # fmt: skip
    assert code == 0, err
    for fmt in ("table", "csv", "json"):
        code, out, err = cli("ticket", "list", "--format", fmt)
        assert code == 0, err
        no_control_from_data(out)
    code, out, _ = cli("ticket", "list", "--format", "json")
    assert json.loads(out)[0]["title"] == " ".join(HOSTILE.split()) or "evil" in json.loads(out)[0]["title"]
    assert "\\u009b" in out and "\\u202e" in out and "\\u200f" in out  # escaped: exact for a JSON reader


def test_sla_explain_shows_a_hostile_agreement_name_inert(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "sla.toml"
    hostile = HOSTILE[:60]
    path.write_text(
        DEFINITIONS.replace('name = "Email SLA"', f"name = {json.dumps(hostile)}"), encoding="utf-8"
    )
    code, out, err = cli("sla", "apply", str(path))
    assert code == 0, err
    no_control_from_data(out)
    (ref,) = log_ten_minutes_ago(cli.url, ("medium", "high"))
    for fmt in ("table", "json"):
        code, out, err = cli("sla", "explain", ref, "--format", fmt)
        assert code == 0, err
        no_control_from_data(out)
    assert "␛]52" in cli("sla", "explain", ref)[1]


def test_report_header_and_error_messages_are_inert(cli: Cli) -> None:
    code, out, err = cli("report", "volume", "--service", "Email", "--format", "table")
    no_control_from_data(out + err)
    code, out, err = cli("report", "volume", "--service", HOSTILE)
    no_control_from_data(out + err)
    code, out, err = cli("ticket", "show", HOSTILE)
    assert code in (3, 4) and err.count("\n") == 1
    no_control_from_data(err)
    code, _, err = cli("ticket", "list", "--format", HOSTILE)  # argparse's own error
    assert code == 2 and err.count("\n") == 1
    no_control_from_data(err)


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://bob:{SECRET}@127.0.0.1:1/none",
        f"postgresql://bob@127.0.0.1:1/none?password={SECRET}",
        f"postgresql://bob@127.0.0.1:1/none?sslmode=disable&sslpassword={SECRET}",
        f"postgresql://bob:p@ss{SECRET}@127.0.0.1:1/none",
        f"mysql://bob:{SECRET}@h/db?token={SECRET}",
    ],
)
def test_no_secret_in_a_database_error(url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "deskterm", "--db", url, "ticket", "list"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode in (4, 6), result.stderr
    assert SECRET not in result.stderr and "Traceback" not in result.stderr


def test_mask_url_hides_userinfo_and_secret_query_values_for_the_tui_header_too() -> None:
    url = f"postgresql+psycopg://bob:{SECRET}@db.example/desk?password={SECRET}&sslmode=require&key={SECRET}"
    for shown in (mask_url(url), safe_url(url)):
        assert SECRET not in shown and "bob:***@db.example/desk" in shown and "sslmode=require" in shown


def _run(url: str, *args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DESKTERM_DB": url} if url else {**os.environ}
    if home is not None:
        env["XDG_DATA_HOME"] = str(home / "data")
        env["XDG_CONFIG_HOME"] = str(home / "config")
        env.pop("DESKTERM_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "deskterm", *args], capture_output=True, text=True, check=False, env=env
    )


def test_the_default_desk_and_drafts_are_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        result = _run("", "ticket", "list", home=tmp_path)
        from deskterm.services.core.drafts import save_draft

        save_draft("log-call", {"title": "x"}, tmp_path / "drafts")
    finally:
        os.umask(old)
    assert result.returncode == 0, result.stderr
    db = tmp_path / "data" / "deskterm" / "deskterm.sqlite"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    for extra in db.parent.glob("deskterm.sqlite-*"):
        assert stat.S_IMODE(extra.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "drafts").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "drafts" / "log-call.json").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("url", "code", "words"),
    [
        ("sqlite://", 4, "in-memory"),
        ("sqlite:///{tmp}/x.sqlite?mode=ro", 4, "no options"),
        ("sqlite:///{tmp}/missing/dir/x.sqlite", 6, "does not exist"),
        ("sqlite:///{tmp}/locked/x.sqlite", 6, "cannot create"),
    ],
)
def test_database_urls_that_would_silently_misbehave_are_refused(
    tmp_path: Path, url: str, code: int, words: str
) -> None:
    if ROOT and "locked" in url:
        pytest.skip("root can write into a read-only folder")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = _run(url.format(tmp=tmp_path), "ticket", "list")
    assert result.returncode == code, result.stderr
    assert words in result.stderr and result.stderr.count("\n") == 1
    assert "Warning" not in result.stderr
    assert not (tmp_path / "missing").exists()


@pytest.mark.skipif(ROOT, reason="root reads unreadable files")
def test_an_unreadable_config_file_is_exit_4(tmp_path: Path) -> None:
    config = tmp_path / "config" / "deskterm"
    config.mkdir(parents=True)
    (config / "config.toml").write_text('theme = "x"\n')
    config.chmod(0o000)
    try:
        result = _run("", "ticket", "list", home=tmp_path)
    finally:
        config.chmod(0o700)
    assert result.returncode == 4, result.stderr
    assert "cannot be read" in result.stderr
