"""``deskterm demo``: a whole desk in one command, tickets and every operational capability."""

import pytest

from tests.cli.test_cli import Cli


def test_the_demo_fills_every_capability_and_refuses_a_desk_with_data(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(db_url, capsys)
    made = cli.json("demo", "--tickets", "120", "--seed", "3")
    assert isinstance(made, dict)
    assert made["tickets"] == 120 and made["services"] > 0
    for capability in ("changes", "problems", "known_errors", "events", "handovers"):
        assert made[capability] > 0, capability
    listed = cli.json("change", "list")
    assert isinstance(listed, list) and len(listed) == made["changes"]
    code, _, err = cli("demo", "--tickets", "10")
    assert code == 4 and "empty" in err
    assert cli("demo", "--tickets", "10", "--if-empty")[0] == 0


def test_the_demo_summary_table_fits_80_columns(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = Cli(db_url, capsys)("demo", "--tickets", "20")
    assert code == 0, err
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any(line.split()[:2] == ["known", "errors"] for line in lines)
