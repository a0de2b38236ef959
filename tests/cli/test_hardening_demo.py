"""Issue 14, item 6: a killed ``demo`` is completed by the next one, never left half-made."""

import json

import pytest

from deskterm.demo import tickets as demo
from deskterm.services.core.identity import current_identity
from tests.cli.test_cli import Cli
from tests.conftest import open_desk


def test_a_demo_killed_after_its_tickets_is_completed_by_the_next_demo(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # the same account as the CLI below: it is the personal desk's owner (admin), as in real use
    desk = open_desk(db_url, identity=current_identity())
    try:
        demo.generate_demo(desk, tickets=40, seed=3)  # the first step committed, then the kill
    finally:
        desk.close()
    cli = Cli(db_url, capsys)
    assert cli("sla", "export")[1] == ""  # no agreements: the desk is half-made
    code, out, err = cli("demo", "--tickets", "40", "--seed", "3", "--format", "json")
    assert code == 0 and "completed an unfinished demo" in err, err
    assert json.loads(out)["changes"] > 0
    assert "Email" in cli("sla", "export")[1]
    assert cli.json("change", "list")  # the later steps ran too
    code, _, err = cli("demo", "--tickets", "40")
    assert code == 4 and "already holds the demo" in err
    assert cli("demo", "--tickets", "40", "--if-empty")[0] == 0


def test_a_desk_with_someone_elses_data_is_never_completed(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(db_url, capsys)
    assert cli("contact", "add", "Ann", "--email", "ann@example.org")[0] == 0
    code, _, err = cli("demo", "--tickets", "10")
    assert code == 4 and "already holds data" in err
    assert cli("sla", "export")[1] == ""
