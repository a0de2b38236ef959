"""``deskterm change`` and ``deskterm cab`` through the CLI, on both databases: JSON output,
exit codes (3 not found, 4 invalid input naming what is missing, 7 not permitted), CSV, TOML."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from deskterm.domain.core.clock import FixedClock
from deskterm.domain.core.vocabulary import CIRelation
from deskterm.services.catalogue import catalogue
from deskterm.services.changes import changes
from deskterm.services.core.identity import current_identity
from tests.cli.test_cli import Cli
from tests.conftest import open_desk
from tests.services import factories as f
from tests.services.changes.test_changes import WINDOWS, Team, raise_

FULL = [
    "--reason", "end of support",
    "--return", "supported version",
    "--risks", "mail down if it overruns",
    "--resources", "2 hours",
    "--responsible", "build: bob; test: carol; implementation: bob",
    "--relationship", "none",
    "--plan", "upgrade",
    "--backout", "restore",
    "--test", "send a mail",
]  # fmt: skip


@pytest.fixture
def me(db_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    """The OS account running the CLI, enrolled as an agent: its login."""
    c = Cli(db_url, capsys)
    assert c("change", "list")[0] == 0
    desk = open_desk(db_url, identity=current_identity())
    try:
        return desk.whoami().login
    finally:
        desk.close()


@pytest.fixture
def team(db_url: str, me: str) -> Iterator[Team]:
    t = Team(db_url, FixedClock(datetime.now(UTC)))  # the CLI itself runs on the real clock
    for login in ("ana", "bob", "carol", "mgr"):
        t[login]
    owner = open_desk(db_url, identity=current_identity())  # the CLI's account owns the desk
    f.grant(owner, "ana", "admin")
    f.grant(owner, "mgr", "change-manager")
    owner.close()
    ana = t["ana"]
    f.service(ana, "Email")
    f.ci(ana, "mail-db", services=["Email"])
    f.ci(ana, "db-host")
    catalogue.relate_cis(ana, "mail-db", CIRelation.RUNS_ON, "db-host")
    yield t
    t.close()


@pytest.fixture
def cli(db_url: str, capsys: pytest.CaptureFixture[str], team: Team, me: str) -> Cli:
    c = Cli(db_url, capsys)
    code, _, err = c("cab", "add", "CAB", "--manager", "mgr", "--member", "bob,carol", "--member", me)
    assert code == 0, err
    return c


def test_raise_with_every_option_prints_json(cli: Cli) -> None:
    rec = cli.json(
        "change", "raise", "--title", "Upgrade mail-db", "--type", "normal", "--ci", "mail-db",
        "--service", "Email", "--start", "2026-12-01T22:00+01:00", "--end", "2026-12-02T00:00+01:00",
        "--impact", "high", "--urgency", "medium", "--business-risk", "high", "--financial", "medium",
        "--scope", "medium", "--implementer", "bob", "--raised-by", "Wang Wei", *FULL,
    )  # fmt: skip
    assert isinstance(rec, dict)
    assert rec["ref"] == "CHG-1" and rec["state"] == "draft" and rec["priority"] == "P2"
    assert rec["approval_level"] == "management" and rec["missing"] == []
    assert rec["planned_start"] == "2026-12-01T21:00:00Z" and rec["implementer"] == "bob"
    assert rec["raised_by"] == "Wang Wei" and rec["no_relationship"] is True
    assert rec["outage_services"] == ["Email"] and "timeline" in rec


def test_submitting_an_incomplete_rfc_exits_4_naming_what_is_missing(cli: Cli) -> None:
    assert cli("change", "raise", "--title", "Quick fix", "--ci", "mail-db", "--reason", "x")[0] == 0
    code, out, err = cli("change", "submit", "chg1")
    assert code == 4 and out == ""
    assert err.strip() == (
        "deskterm: CHG-1 cannot leave draft: return, risks, resources, responsible, relationship, "
        "implementation plan, backout plan, test plan are missing; fill them in and submit again"
    )


def test_update_then_submit(cli: Cli) -> None:
    cli("change", "raise", "--title", "Quick fix", "--ci", "mail-db")
    rec = cli.json("change", "update", "CHG-1", *FULL, "--business-risk", "high", "--expect-version", "1")
    assert isinstance(rec, dict) and rec["version"] == 2 and rec["missing"] == []
    code, _, err = cli("change", "update", "CHG-1", "--risks", "y", "--expect-version", "1")
    assert code == 5 and "changed since you saw it" in err
    assert cli.json("change", "submit", "CHG-1")["state"] == "authorisation"


def test_workflow_by_cli_with_votes_and_the_managers_word(cli: Cli, team: Team, me: str) -> None:
    c = raise_(team["ana"], business_risk="high", implementer="bob")
    changes.submit(team["ana"], c.ref)
    rec = cli.json("change", "vote", c.ref, "approve", "--comment", "looks fine")
    assert isinstance(rec, dict) and rec["cab_outcome"] == "pending"
    code, _, err = cli("change", "vote", c.ref, "maybe")
    assert code == 4 and "approve, reject, abstain" in err
    changes.vote(team["carol"], c.ref, "approve", "ok")
    code, _, err = cli("change", "decide", c.ref, "approve")
    assert code == 7 and "only the change manager of CAB (mgr)" in err
    changes.decide(team["mgr"], c.ref, True, "go")
    code, out, err = cli(
        "change", "schedule", c.ref, "--start", "2026-12-01T22:00", "--end", "2026-12-01 23:00"
    )
    assert code == 0, err
    assert "state           scheduled" in out and "VOTES" in out and "TIMELINE" in out
    assert cli.json("change", "implement", c.ref)["state"] == "implementing"
    code, _, err = cli("change", "close", c.ref, "--outcome", "failed")
    assert code == 4 and f"deskterm change review {c.ref} --outcome failed --lessons TEXT" in err
    rec = cli.json(
        "change", "review", c.ref, "--outcome", "failed", "--lessons", "test on a copy",
        "--benefits-realised", "no", "--within-cost", "yes",
    )  # fmt: skip
    assert isinstance(rec, dict) and rec["review"]["lessons"] == "test on a copy"
    assert cli.json("change", "close", c.ref)["outcome"] == "failed"


def test_voting_on_your_own_change_exits_7_saying_why(cli: Cli, me: str) -> None:
    cli("change", "raise", "--title", "Mine", "--ci", "mail-db", "--business-risk", "high", *FULL, "--submit")
    code, out, err = cli("change", "vote", "CHG-1", "approve")
    assert code == 7 and out == ""
    assert f"{me} raised, created or implements CHG-1 and nobody approves their own change" in err


def test_show_list_and_csv(cli: Cli, team: Team) -> None:
    raise_(team["ana"], "=cmd|' /C calc'!A0", planned_start=None)
    code, out, _ = cli("change", "show", "CHG-1")
    assert code == 0 and "7 Rs" not in out and "relationship    none" in out
    code, out, _ = cli("change", "list", "--format", "csv")
    assert code == 0 and out.startswith("\ufeffref,type,priority,state")
    assert "'=cmd" in out
    rows = cli.json("change", "list", "--state", "draft,assessment", "--type", "normal")
    assert isinstance(rows, list) and [r["ref"] for r in rows] == ["CHG-1"]
    assert cli.json("change", "list", "--open") == rows
    code, _, err = cli("change", "list", "--state", "done")
    assert code == 4 and "draft, assessment, authorisation" in err


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("change", "show", "CHG-99"), 3, "there is no change CHG-99"),
        (("change", "show", "INC-1"), 4, "not a change"),
        (("change", "schedule", "CHG-1", "--start", "tomorrow", "--end", "x"), 4,
         "write it like 2026-12-01T22:00 (local time) or 2026-12-01T22:00+01:00"),
        (("change", "schedule", "CHG-1", "--start", "2026-12-01T22:00", "--end", "2026-12-01T21:00"), 4,
         "end must be after"),
        (("change", "raise", "--title", "x", "--start", "2026-12-01T22:00"), 4, "both --start and --end"),
        (("change", "raise", "--title", "x", "--impact", "huge"), 4, "--impact 'huge' is not known"),
        (("change", "calendar", "--from", "2026-13-01", "--to", "2026-12-02"), 4, "--from"),
        (("change", "move", "CHG-1", "scheduled"), 4, "cannot move from draft to scheduled"),
        (("change", "link", "CHG-1", "INC-9"), 3, "no ticket INC-9"),
        (("cab", "agenda", "Nope"), 3, "no CAB is named"),
        (("cab", "add", "CAB", "--manager", "mgr", "--member", "bob"), 5, "exists already"),
    ],
)  # fmt: skip
def test_errors_are_one_sentence_with_the_exit_code(
    cli: Cli, args: tuple[str, ...], code: int, words: str
) -> None:
    cli("change", "raise", "--title", "Something", "--ci", "mail-db")
    got, _, err = cli(*args)
    assert got == code and words in err and err.startswith("deskterm: ") and err.count("\n") == 1


def test_calendar_kpi_and_windows(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "windows.toml"
    path.write_text(WINDOWS.replace('cis = ["web-01"]', ""), encoding="utf-8")
    summary = cli.json("change", "windows", "apply", str(path))
    assert isinstance(summary, dict)
    assert {k: summary[k] for k in ("blackouts", "maintenance", "templates", "removed")} == {
        "blackouts": 1,
        "maintenance": 2,
        "templates": 1,
        "removed": [],
    }
    assert summary["dry_run"] is False and "template patching" in summary["added"]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[maintenance]]\nci = "nope"\ndays = ["sat"]\nhours = "22:00-02:00"\n', encoding="utf-8")
    code, _, err = cli("change", "windows", "apply", str(bad))
    assert code == 4 and "maintenance[1]: ci: no configuration item is named 'nope'" in err
    code, out, _ = cli("change", "windows", "export")
    assert code == 0 and 'name = "Year-end freeze"' in out and 'ci = "db-host"' in out
    cli("change", "raise", "--title", "Tuesday", "--ci", "mail-db", "--start", "2026-12-01T22:00Z",
        "--end", "2026-12-01T23:00Z")  # fmt: skip
    rows = cli.json("change", "calendar", "--from", "2026-11-30", "--to", "2026-12-06")
    assert isinstance(rows, list) and rows[0]["ref"] == "CHG-1" and rows[0]["authorised"] is False
    assert rows[0]["collision_text"] == ["maintenance: mail-db maintenance"]
    code, out, _ = cli("change", "calendar", "--from", "2026-11-30", "--to", "2026-12-06")
    assert "maintenance: mail-db maintenance" in out
    occ = cli.json("change", "windows", "list", "--from", "2026-12-20", "--to", "2026-12-20")
    assert isinstance(occ, list) and {o["name"] for o in occ} == {"Year-end freeze", "Email maintenance"}
    kpi = cli.json("change", "kpi", "--from", "2026-11-01", "--to", "2099-12-31")
    assert isinstance(kpi, dict) and kpi["backlog"] == 1 and kpi["closed"] == 0
    code, out, _ = cli("change", "kpi", "--from", "2026-11-01", "--to", "2099-12-31")
    assert code == 0 and "backlog oldest" in out and "CHG-1" in out


def test_cab_commands(cli: Cli, me: str, team: Team) -> None:
    rows = cli.json("cab", "list")
    assert rows == [
        {"name": "CAB", "manager": "mgr", "members": sorted(["bob", "carol", me]), "rule": "majority",
         "emergency": False, "agenda": 0},
    ]  # fmt: skip
    rec = cli.json(
        "cab", "add", "ECAB", "--manager", "mgr", "--member", "bob", "--rule", "any", "--emergency"
    )
    assert isinstance(rec, dict) and rec["emergency"] is True
    rec = cli.json("cab", "update", "ECAB", "--rule", "all", "--emergency", "no")
    assert isinstance(rec, dict) and (rec["rule"], rec["emergency"]) == ("all", False)
    c = raise_(team["ana"], business_risk="high")
    changes.submit(team["ana"], c.ref)
    agenda = cli.json("cab", "agenda", "CAB")
    assert isinstance(agenda, list) and [r["ref"] for r in agenda] == [c.ref]


def test_a_standard_change_from_its_template(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "windows.toml"
    path.write_text(WINDOWS.replace('cis = ["web-01"]', 'cis = ["db-host"]'), encoding="utf-8")
    assert cli("change", "windows", "apply", str(path))[0] == 0
    rec = cli.json(
        "change", "raise", "--type", "standard", "--template", "patching", "--title", "Patch db-host",
        "--start", "2026-12-01T21:30Z", "--end", "2026-12-01T22:30Z", "--submit",
    )  # fmt: skip
    assert isinstance(rec, dict) and (rec["state"], rec["authorised"], rec["cab"]) == (
        "scheduled",
        True,
        None,
    )
    assert rec["cis"] == ["db-host"] and rec["collisions"] == []  # inside db-host's weekday window
    code, _, err = cli("change", "raise", "--type", "standard", "--template", "nope", "--title", "x")
    assert code == 3 and "no standard change template is named 'nope' (defined: patching)" in err


def test_link_and_move(cli: Cli, team: Team) -> None:
    f.contact(team["ana"])
    inc = f.log(team["ana"], title="Mail down")
    cli("change", "raise", "--title", "Upgrade", "--ci", "mail-db", *FULL)
    rec = cli.json("change", "link", "CHG-1", inc.ref)
    assert isinstance(rec, dict) and rec["incidents"] == [inc.ref]
    assert cli.json("change", "move", "CHG-1", "assessment")["state"] == "assessment"
    assert cli.json("change", "cancel", "CHG-1", "--reason", "no need")["state"] == "cancelled"
