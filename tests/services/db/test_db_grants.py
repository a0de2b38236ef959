"""``db grants`` on PostgreSQL: an agent connects as their own login role (created here, with its
own credentials), is established from ``session_user``, and PostgreSQL itself refuses them
UPDATE and DELETE on the audit table and writes to who-is-who."""

import itertools
import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from deskterm.config import Settings
from deskterm.domain.core.clock import FixedClock
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import NotPermitted
from deskterm.services.db import grants as db_grants
from deskterm.services.people import agents, team
from tests.conftest import FROZEN, PG_ADMIN, open_desk
from tests.services import factories as f

pytestmark = pytest.mark.postgres
_n = itertools.count()


@pytest.fixture
def pg_desk(fresh_pg: str) -> Iterator[tuple[str, Desk, str]]:
    role = f"dt_bob_{os.getpid()}_{next(_n)}"
    owner = open_desk(fresh_pg)  # the schema owner (postgres here), on its OS account alice
    yield fresh_pg, owner, role
    owner.close()
    engine = create_engine(fresh_pg, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        group = str(conn.scalar(text("SELECT current_database()")))
        for r in (role, f"{group}_admins"[-63:], f"{group}_agents"[-63:]):
            if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": r}):
                conn.execute(text(f'DROP OWNED BY "{r}"'))
                conn.execute(text(f'DROP ROLE "{r}"'))
    engine.dispose()


def test_an_agent_at_a_sql_prompt_cannot_rewrite_history(pg_desk: tuple[str, Desk, str]) -> None:
    url, owner, role = pg_desk
    team.apply(
        owner,
        f"""
[[agent]]
login = "alice"
name = "Alice"
roles = ["admin"]
os_accounts = ["alice"]

[[agent]]
login = "bob"
name = "Bob"
db_roles = ["{role}"]
""",
    )
    granted = db_grants.grants(owner)
    assert granted.login_roles == [role]
    bob_url = make_url(url).set(username=role, password=None).render_as_string(hide_password=False)
    bob = Desk.open(Settings(db=bob_url), clock=FixedClock(FROZEN))
    try:
        me = agents.whoami(bob)
        assert me.login == "bob" and me.established_by.startswith(f"PostgreSQL login role {role}")
        f.contact(bob, "Wang Wei")  # ordinary work goes through, audited
        with pytest.raises(NotPermitted, match="without the role admin"):
            agents.update_agent(bob, "bob", agents.AgentFields(roles=["admin"]))
    finally:
        bob.close()
    engine = create_engine(bob_url)
    try:
        for sql in (
            "UPDATE audit_entries SET new = 'rewritten'",
            "DELETE FROM audit_entries",
            "INSERT INTO agent_roles (agent_id, role) SELECT id, 'admin' FROM agents WHERE login = 'bob'",
            "CREATE TABLE mine (id int)",
        ):
            with engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
                conn.execute(text(sql))
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM audit_entries")) > 0
    finally:
        engine.dispose()


def test_a_login_role_no_agent_lists_is_refused(pg_desk: tuple[str, Desk, str]) -> None:
    url, owner, role = pg_desk
    team.apply(owner, '[[agent]]\nlogin = "alice"\nname = "A"\nroles = ["admin"]\nos_accounts = ["alice"]\n')
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    admin.dispose()
    stranger_url = make_url(url).set(username=role).render_as_string(hide_password=False)
    stranger = Desk.open(Settings(db=stranger_url), clock=FixedClock(FROZEN), migrate_schema=False)
    try:  # without grants PostgreSQL itself says no; with them, deskterm finds no agent
        with pytest.raises(NotPermitted, match="the database refused your login role"):
            agents.whoami(stranger)
        group = db_grants.grants(owner).group_role
        admin = create_engine(
            PG_ADMIN.rsplit("/", 1)[0] + "/" + str(make_url(url).database), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(text(f'GRANT "{group}" TO "{role}"'))  # a shared login nobody lists
        admin.dispose()
        with pytest.raises(NotPermitted, match=f'add db_roles = \\["{role}"\\]'):
            agents.whoami(stranger)
    finally:
        stranger.close()
