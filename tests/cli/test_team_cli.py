"""Teams and access through the CLI, on both databases: the two holes of issue 15 closed (exit 7),
``team apply | export``, ``agent``/``group`` commands and ``whoami`` with JSON output.

The CLI establishes who acts from the OS account; each test chooses the account by replacing
the function that asks the kernel, as a different login on the same machine would.
"""

from pathlib import Path

import pytest

from deskterm.services.core import context
from deskterm.services.core.identity import OsIdentity
from tests.cli.test_cli import Cli

ALICE = OsIdentity(uid=4242, login="alice", display_name="Alice Agent")
EVE = OsIdentity(uid=4343, login="eve", display_name="Eve Agent")
BOB = OsIdentity(uid=4444, login="bob", display_name="Bob Agent")

TEAM = """
[[agent]]
login = "alice"
name = "Alice Chen"
roles = ["admin"]
os_accounts = ["alice"]

[[agent]]
login = "bob"
name = "Bob Li"
roles = ["change-manager"]
os_accounts = ["bob"]

[[agent]]
login = "eve"
name = "Eve"
os_accounts = ["eve"]

[[group]]
name = "Service Desk"
tier = 1
lead = "alice"
members = ["alice", "bob", "eve"]
"""


class As(Cli):
    """The CLI run by one OS account or another."""

    def __init__(self, url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        super().__init__(url, capsys)
        self.monkeypatch = monkeypatch

    def as_(self, who: OsIdentity, *args: str) -> tuple[int, str, str]:
        self.monkeypatch.setattr(context, "current_identity", lambda: who)
        return self(*args)

    def json_as(self, who: OsIdentity, *args: str) -> object:
        self.monkeypatch.setattr(context, "current_identity", lambda: who)
        return self.json(*args)


@pytest.fixture
def cli(db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> As:
    c = As(db_url, capsys, monkeypatch)
    assert c.as_(ALICE, "whoami")[0] == 0  # alice owns this personal desk
    return c


def test_an_agent_cannot_take_over_a_cab_and_approve_alone(cli: As) -> None:
    assert cli.as_(BOB, "whoami")[0] == 0 and cli.as_(EVE, "whoami")[0] == 0
    assert cli.as_(ALICE, "agent", "update", "bob", "--role", "change-manager")[0] == 0
    code, _, err = cli.as_(
        ALICE, "cab", "add", "CAB", "--manager", "bob", "--member", "alice", "--member", "bob"
    )
    assert code == 0, err
    code, _, err = cli.as_(EVE, "cab", "update", "CAB", "--manager", "eve", "--member", "eve")
    assert code == 7
    assert err.strip() == (
        "deskterm: eve may not change a CAB's manager, members or rule without the role admin; ask an admin "
        "of this desk (alice) to grant it (deskterm agent update eve --role admin)"
    )
    code, _, err = cli.as_(EVE, "agent", "update", "eve", "--role", "admin")
    assert code == 7 and "without the role admin" in err
    code, _, err = cli.as_(EVE, "change", "decide", "CHG-1", "approve")
    assert code == 7 and "without the role change-manager" in err
    code, out, _ = cli.as_(ALICE, "cab", "list", "--format", "json")
    assert '"manager": "bob"' in out  # untouched


def test_an_agent_cannot_wipe_the_sla_definitions(cli: As, tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    code, _, err = cli.as_(EVE, "sla", "apply", str(empty))
    assert code == 7 and "eve may not apply definitions" in err and "ask an admin of this desk (alice)" in err
    assert cli.as_(ALICE, "sla", "apply", str(empty))[0] == 0  # the desk's admin may


def test_team_apply_export_and_whoami(cli: As, tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_text(TEAM, encoding="utf-8")
    code, out, err = cli.as_(ALICE, "team", "apply", str(path), "--dry-run")
    assert code == 0, err
    assert out.splitlines() == [
        "agent bob would be added",
        "agent eve would be added",
        "group Service Desk would be added",
        "agent alice would be changed",
    ]
    summary = cli.json("team", "apply", str(path))
    assert isinstance(summary, dict) and summary["added"] == ["agent bob", "agent eve", "group Service Desk"]
    code, exported, _ = cli.as_(ALICE, "team", "export")
    assert code == 0 and 'os_accounts = [\n    "bob",\n]' in exported
    me = cli.json("whoami")
    assert isinstance(me, dict) and me["desk"] == "team" and me["roles"] == ["agent", "group-lead", "admin"]
    code, _, err = cli.as_(OsIdentity(uid=9, login="mallory", display_name="M"), "ticket", "list")
    assert code == 7 and 'ask an admin to add os_accounts = ["mallory"]' in err
    assert cli.as_(ALICE, "agent", "deactivate", "eve")[0] == 0
    code, _, err = cli.as_(EVE, "contact", "add", "Someone")
    assert code == 7 and "eve is inactive" in err
    rows = cli.json_as(ALICE, "agent", "list")
    assert isinstance(rows, list) and [(r["login"], r["active"]) for r in rows] == [
        ("alice", True),
        ("bob", True),
        ("eve", False),
    ]
    group = cli.json("group", "member", "remove", "Service Desk", "eve")
    assert isinstance(group, dict) and group["members"] == ["alice", "bob"]
