"""Who may run the db commands where the permission table has nobody to ask, on both
databases: a database without agents, and the database's owner acting as no agent."""

import os
from pathlib import Path

import pytest

from deskterm.services.core.errors import NotFound, NotPermitted
from deskterm.services.core.identity import OsIdentity
from deskterm.services.db import backup, integrity, restore
from deskterm.services.people import team
from tests.conftest import open_desk
from tests.services import factories as f
from tests.services.db.test_backup import as_found, do_backup, other_url  # noqa: F401  (the fixture)

STRANGER = OsIdentity(uid=9, login="mallory", display_name="Mallory")
TEAM = """
[[agent]]
login = "alice"
name = "Alice"
roles = ["admin"]
os_accounts = ["alice"]
"""


def test_anyone_who_can_open_a_database_without_agents_may_restore_into_it(
    db_url: str,
    other_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    owner = open_desk(db_url)
    f.contact(owner, "Wang Wei", email="wang.wei@example.com")
    f.log(owner, title="Printer jams")
    owner.close()
    made = do_backup(db_url, tmp_path / "desk.bak")
    with as_found(other_url, STRANGER) as d:
        assert restore.restore(d, Path(made.file)).tickets == 1
    with as_found(other_url, STRANGER) as d, pytest.raises(NotPermitted, match="mallory may not restore"):
        restore.restore(
            d, Path(made.file), yes=True
        )  # now it holds alice, its admin: mallory is enrolled as agent


def test_the_databases_owner_acting_as_no_agent_of_a_team_desk(db_url: str, tmp_path: Path) -> None:
    owner = open_desk(db_url)
    team.apply(owner, TEAM)
    owner.close()
    postgres = db_url.startswith("postgresql")  # the tests connect as the schema owner there
    with as_found(db_url, STRANGER) as d:
        if postgres:
            assert integrity.check(d).ok
        else:  # not the OS account owning the file, and no agent
            with pytest.raises(NotPermitted, match="no agent of this team desk"):
                integrity.check(d)
    if not postgres:  # the account that owns the SQLite file: a nightly job's
        me = OsIdentity(
            uid=os.stat(db_url.removeprefix("sqlite:///")).st_uid, login="backup-job", display_name=""
        )
        with as_found(db_url, me) as d:
            assert integrity.check(d).ok
            with pytest.raises(NotFound):
                backup.backup(d, tmp_path / "no-such-folder" / "desk.bak")  # allowed, then a bad path
