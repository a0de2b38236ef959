"""``deskterm handover`` and ``deskterm csat`` through the CLI: formats, exit codes, safety."""

import json
from datetime import datetime
from typing import Any

import pytest

from deskterm.config import Settings
from deskterm.domain.core.clock import FixedClock
from deskterm.services.core.context import Desk
from deskterm.services.core.identity import OsIdentity
from tests.cli.test_cli import Cli
from tests.conftest import FROZEN, open_desk
from tests.services import handover_fixture

CAROL = OsIdentity(uid=4343, login="carol", display_name="Carol Incoming")


@pytest.fixture
def cli(db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    desk = open_desk(db_url)
    try:
        handover_fixture.build(desk)
    finally:
        desk.close()
    _freeze(monkeypatch)
    return Cli(db_url, capsys)


_REAL_OPEN = Desk.open.__func__  # type: ignore[attr-defined]
ALICE = OsIdentity(uid=4242, login="alice", display_name="Alice Agent")


def _freeze(monkeypatch: pytest.MonkeyPatch, at: datetime = FROZEN, identity: OsIdentity = ALICE) -> None:
    """The CLI opens its own desk: give it the test's frozen clock and an identity."""

    def opened(cls: type[Desk], settings: Settings, **kw: Any) -> Desk:
        kw["clock"], kw["identity"] = FixedClock(at), identity
        return _REAL_OPEN(cls, settings, **kw)  # type: ignore[no-any-return]

    monkeypatch.setattr(Desk, "open", classmethod(opened))


def test_digest_as_text_markdown_and_json(cli: Cli) -> None:
    code, out, err = cli("handover")
    assert code == 0, err
    assert out.startswith("Shift handover 2026-11-24:early (2026-11-24 08:00 - 2026-11-24 16:00 UTC)")
    for heading in (
        "COUNTS",
        "MAJOR INCIDENTS AND P1/P2 (2)",
        "SLA TARGETS BREACHED DURING THE SHIFT (2)",
        "UNASSIGNED TICKETS (3)",
        "PENDING, BY REASON (1)",
    ):
        assert heading in out
    assert "logged 3, resolved 1, reopened 1; backlog 3 -> 5 (+2)" in out
    assert "last update 2026-11-24 07:10 alice: Bridge call open; vendor engaged" in out
    code, md, _ = cli("handover", "--format", "md")
    assert code == 0 and md.startswith("# Shift handover") and "- **INC-3** P1 MAJOR" in md
    data = cli.json("handover")
    assert isinstance(data, dict) and data["shift"]["key"] == "2026-11-24:early"
    prev = cli.json("handover", "--shift", "2026-11-24:night")
    assert isinstance(prev, dict) and prev["shift"]["name"] == "night"


def test_bad_shift_is_exit_4(cli: Cli) -> None:
    code, _, err = cli("handover", "--shift", "someday")
    assert code == 4 and "use now, prev, YYYY-MM-DD or YYYY-MM-DD:NAME" in err


def test_notes_sign_off_ack_list_show_search(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("handover", "note", "\x1b[31mwatch payroll")[0] == 0
    assert cli("handover", "note", "--ref", "inc1", "rerun at noon")[0] == 0
    code, out, err = cli("handover", "sign-off", "--format", "md")
    assert code == 0, err
    assert "Status: signed-off; signed off by alice at 2026-11-24 09:30" in out
    assert "\x1b" not in out and "␛[31mwatch payroll" in out
    assert "  > note: rerun at noon" in out
    code, _, err = cli("handover", "sign-off")
    assert code == 5 and "can no longer change" in err
    code, _, err = cli("handover", "ack")
    assert code == 7 and "incoming agent" in err
    _freeze(monkeypatch, FROZEN + handover_fixture.LATER, CAROL)
    acked = cli.json("handover", "ack")
    assert isinstance(acked, dict) and acked["acknowledged_by"] == "carol"
    code, _, err = cli("handover", "ack")
    assert code == 3
    rows = cli.json("handover", "list")
    assert isinstance(rows, list) and rows[0]["status"] == "acknowledged" and rows[0]["outgoing"] == "alice"
    code, out, _ = cli("handover", "show", str(rows[0]["id"]))
    assert code == 0 and "acknowledged by carol" in out
    assert cli("handover", "show", "99")[0] == 3
    found = cli.json("handover", "search", "payroll")
    assert isinstance(found, list) and len(found) == 1
    assert cli.json("handover", "search", "nothing-like-it") == []


def test_csat_record_due_list_and_refusals(cli: Cli) -> None:
    due = cli.json("csat", "due")
    assert isinstance(due, list) and [d["ref"] for d in due] == ["INC-6"]
    code, _, err = cli("csat", "record", "INC-6", "--score", "6")
    assert code == 4 and "from 1 to 5" in err
    code, _, err = cli("csat", "record", "INC-6", "--score", "0")
    assert code == 4
    code, _, err = cli("csat", "record", "INC-6", "--score", "3", "--channel", "fax")
    assert code == 4 and "phone, meeting, online" in err
    rec = cli.json(
        "csat", "record", "INC-6", "--score", "5", "--comment", "=HYPERLINK(1)", "--channel", "online"
    )
    assert isinstance(rec, dict) and rec["score"] == 5
    code, out, _ = cli("csat", "list", "--format", "csv")
    assert code == 0 and "'=HYPERLINK(1)" in out
    assert cli.json("csat", "due") == []
    assert json.loads(cli("csat", "list", "--format", "json")[1])[0]["channel"] == "online"


def test_digest_prints_changes_problems_and_storms(cli: Cli, db_url: str) -> None:
    desk = open_desk(db_url)
    try:
        handover_fixture.build_more(desk)
    finally:
        desk.close()
    code, md, err = cli("handover", "--format", "md")
    assert code == 0, err
    assert "## Changes implemented during the shift (1)" in md
    assert "- **CHG-1** implementing 2026-11-24 08:30 - 2026-11-24 10:30: Patch mail-db" in md
    assert "## Changes scheduled in the next shift (2)" in md and "; collides with" in md
    assert "## New problems (1)" in md and "**PRB-1**" in md
    assert "## New known errors (1)" in md and "**KE-1**" in md
    assert "## Event storms (1)" in md and "- **INC-7** 4 events" in md
