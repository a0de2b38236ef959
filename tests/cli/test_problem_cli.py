"""``deskterm problem`` and ``deskterm kedb`` through the CLI, on both databases: JSON out,
exit codes, one-sentence errors, CSV safety, Chinese search."""

import csv
import io

import pytest

from tests.cli.test_cli import Cli


@pytest.fixture
def cli(db_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    c = Cli(db_url, capsys)
    assert c("contact", "add", "王伟", "--email", "wang@example.com")[0] == 0
    assert c("service", "add", "Email", "--criticality", "high")[0] == 0
    assert c("ci", "add", "mail-01", "--type", "server", "--service", "Email")[0] == 0
    for title in ("Outlook 无法连接服务器", "Mail stuck in outbox"):
        code, _, err = c(
            "incident", "log", "--title", title, "--caller", "#1", "--impact", "medium", "--urgency", "high",
            "--service", "Email", "--ci", "mail-01",
        )  # fmt: skip
        assert code == 0, err
    return c


def test_raise_link_known_error_resolve_with_incidents(cli: Cli) -> None:
    prb = cli.json(
        "problem", "raise", "--title", "Outlook disconnects", "--incident", "INC-1", "--impact", "high",
        "--urgency", "high",
    )  # fmt: skip
    assert isinstance(prb, dict)
    assert (prb["ref"], prb["status"], prb["priority"], prb["service"], prb["ci"]) == (
        "PRB-1", "new", "P1", "Email", "mail-01",
    )  # fmt: skip
    assert prb["incidents"] == 1
    ticket = cli.json("ticket", "show", "INC-1")
    assert isinstance(ticket, dict) and ticket["pending_reason"] == "problem"

    linked = cli.json("problem", "link", "prb1", "inc2", "--no-pending")
    assert isinstance(linked, dict) and linked["incidents"] == 2
    assert cli.json("ticket", "show", "INC-2")["status"] == "new"

    assert cli("problem", "update", "PRB-1", "--status", "investigating")[0] == 0
    ke = cli.json(
        "problem", "known-error", "PRB-1", "--symptom", "Outlook 显示已断开; mail stays in the outbox",
        "--root-cause", "MAPI over HTTP off after the update", "--workaround", "Use Outlook on the web",
        "--keywords", "0x800CCC0E, MAPI",
    )  # fmt: skip
    assert isinstance(ke, dict)
    assert (ke["ref"], ke["problem"], ke["services"], ke["keywords"]) == (
        "KE-1", "PRB-1", ["Email"], ["0x800CCC0E", "MAPI"],
    )  # fmt: skip
    assert cli.json("problem", "show", "PRB-1")["status"] == "known-error"

    hits = cli.json("kedb", "search", "显示", "断开")
    assert isinstance(hits, list) and [h["ref"] for h in hits] == ["KE-1"]
    assert [h["ref"] for h in cli.json("kedb", "search", "0x800ccc0e")] == ["KE-1"]
    assert cli.json("kedb", "search", "printer") == []

    code, out, err = cli(
        "problem", "update", "PRB-1", "--status", "resolved", "--resolution", "Policy turns MAPI back on",
        "--fixing-change", "chg-3", "--resolve-incidents",
    )  # fmt: skip
    assert code == 0, err
    assert "CHG-3" in out and "INCIDENTS (0 open of 2)" in out
    for ref in ("INC-1", "INC-2"):
        t = cli.json("ticket", "show", ref)
        assert isinstance(t, dict) and t["status"] == "resolved"
        assert t["resolution"] == "Resolved by problem PRB-1: Policy turns MAPI back on"


def test_apply_a_known_error_and_tell_the_caller(cli: Cli) -> None:
    cli("problem", "raise", "--title", "Outlook disconnects", "--service", "Email")
    cli(
        "problem", "known-error", "PRB-1", "--symptom", "disconnected", "--root-cause", "update",
        "--workaround", "Use Outlook on the web",
    )  # fmt: skip
    code, out, err = cli("kedb", "apply", "KE-1", "INC-2", "--notify")
    assert code == 0, err
    assert out.strip() == "KE-1 applied to INC-2: workaround recorded, linked to PRB-1, caller updated"
    t = cli.json("ticket", "show", "INC-2")
    assert isinstance(t, dict) and t["workaround"] == "Use Outlook on the web"
    shown = cli.json("kedb", "show", "ke1")
    assert isinstance(shown, dict) and shown["incidents"] == ["INC-2"]
    code, _, err = cli("kedb", "apply", "KE-1", "INC-2")
    assert code == 4 and "already applied" in err
    assert cli.json("kedb", "retire", "KE-1")["status"] == "retired"
    assert cli.json("kedb", "search", "outlook") == []
    assert cli.json("kedb", "list") == []
    assert len(cli.json("kedb", "list", "--all")) == 1


@pytest.mark.parametrize(
    ("args", "exit_code", "says"),
    [
        (("problem", "show", "PRB-9"), 3, "there is no problem PRB-9"),
        (("problem", "show", "INC-1"), 4, "not a problem"),
        (("problem", "raise", "--title", "  "), 4, "title"),
        (("problem", "raise", "--title", "x", "--impact", "huge"), 4, "impact 'huge' is not known"),
        (("problem", "raise", "--title", "x", "--service", "Emial"), 3, "did you mean Email"),
        (("problem", "raise", "--title", "x", "--incident", "INC-77"), 3, "no ticket INC-77"),
        (("problem", "update", "PRB-1", "--status", "resolved"), 4, "allowed: investigating"),
        (("problem", "update", "PRB-1", "--status", "known-error"), 4, "a root cause and a workaround"),
        (("problem", "update", "PRB-1", "--resolve-incidents"), 4, "--status resolved"),
        (("problem", "update", "PRB-1", "--fixing-change", "INC-1"), 4, "not a change"),
        (("problem", "known-error", "PRB-1", "--symptom", "s"), 4, "root cause and a workaround"),
        (("kedb", "show", "KE-4"), 3, "no known error KE-4"),
        (("kedb", "search"), 2, ""),
    ],
)
def test_bad_input_gets_one_sentence_and_the_documented_exit_code(
    cli: Cli, args: tuple[str, ...], exit_code: int, says: str
) -> None:
    cli("problem", "raise", "--title", "Seed problem")
    code, _, err = cli(*args)
    assert code == exit_code
    assert says in err
    if exit_code != 2:
        assert err.startswith("deskterm: ") and err.count("\n") == 1


def test_stale_update_is_a_conflict_exit_5(cli: Cli) -> None:
    cli("problem", "raise", "--title", "Mail slow")
    assert cli("problem", "update", "PRB-1", "--impact", "high", "--expect-version", "1")[0] == 0
    code, _, err = cli("problem", "update", "PRB-1", "--title", "Mail very slow", "--expect-version", "1")
    assert code == 5 and "changed since you saw it" in err


def test_list_as_table_and_csv_with_formulas_neutralised(cli: Cli) -> None:
    cli("problem", "raise", "--title", "=HYPERLINK(1) mail", "--service", "Email")
    cli("problem", "raise", "--title", "打印机卡纸", "--impact", "low", "--urgency", "low")
    code, out, _ = cli("problem", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("REF") and "PRB-1" in lines[1] and "打印机卡纸" in lines[2]
    code, out, _ = cli("problem", "list", "--format", "csv")
    assert out.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff"))))
    assert rows[1][3] == "'=HYPERLINK(1) mail"
    assert [r["ref"] for r in cli.json("problem", "list", "--search", "打印")] == ["PRB-2"]
    assert cli.json("problem", "list", "--status", "closed") == []
