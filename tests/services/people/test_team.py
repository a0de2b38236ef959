"""The team as code and the identity rules of a team desk, on both databases."""

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from deskterm.domain.core.clock import FixedClock
from deskterm.services.core.context import Desk, Handover
from deskterm.services.core.errors import Conflict, InvalidInput, NotPermitted
from deskterm.services.core.identity import OsIdentity
from deskterm.services.people import agents, ssh, team
from deskterm.store.models import Agent, AuditEntry
from tests.conftest import IDENTITY, open_desk
from tests.services import factories as f

TEAM = """
[[agent]]
login = "alice"
name = "Alice Chen"
email = "alice@example.com"
phone = "+86 21 5555 0101"
cost_per_hour = 45
roles = ["admin", "change-manager"]
os_accounts = ["alice"]
db_roles = ["alice_db"]
ssh_keys = ["ssh-ed25519 AAAA alice@laptop"]

[[agent]]
login = "bob"
name = "Bob Li"
cost_per_hour = 30.5
roles = ["agent"]
os_accounts = ["bob"]

[[agent]]
login = "vera"
name = "Vera Viewer"
roles = ["viewer"]
os_accounts = ["vera"]

[[group]]
name = "Service Desk"
tier = 1
lead = "alice"
members = ["alice", "bob"]

[[group]]
name = "Network"
tier = 2
members = ["bob"]
"""

BOB = OsIdentity(uid=5001, login="bob", display_name="Bob OS")


def through_ssh(owner: Desk, login: str) -> Desk:
    """The agent as deskterm serve ssh hands them to a session: a server's secret recorded,
    the agent and the secret in the session's desk."""
    ssh.register_server(owner, "0123456789abcdef", "the-secret")
    with owner.reading() as s:
        agent_id = s.scalar(select(Agent.id).where(Agent.login == login))
    assert agent_id is not None
    handover = Handover(
        agent_id=agent_id, fingerprint="SHA256:test", server="0123456789abcdef", token="the-secret"
    )
    return Desk.open(owner.settings, clock=owner.clock, identity=BOB, handover=handover)


class Desks:
    def __init__(self, url: str, clock: FixedClock) -> None:
        self.url, self.clock, self.opened = url, clock, list[Desk]()

    def __call__(self, identity: OsIdentity = IDENTITY) -> Desk:
        d = open_desk(self.url, self.clock, identity)
        self.opened.append(d)
        return d


@pytest.fixture
def desks(db_url: str, clock: FixedClock) -> Iterator[Desks]:
    ds = Desks(db_url, clock)
    yield ds
    for d in ds.opened:
        d.close()


def test_one_apply_turns_a_fresh_desk_into_a_tiered_team_desk(desks: Desks) -> None:
    owner = desks()  # alice's OS account: enrolled as the personal desk's owner
    assert agents.whoami(owner).desk == "personal"
    preview = team.apply(owner, TEAM, dry_run=True)
    assert preview.dry_run and preview.added == [
        "agent bob",
        "agent vera",
        "group Service Desk",
        "group Network",
    ]
    assert [a.login for a in agents.list_agents(owner)] == ["alice"]  # the dry run changed nothing
    done = team.apply(owner, TEAM)
    assert done.added == preview.added and done.changed == ["agent alice"]
    me = agents.whoami(owner)
    assert (me.login, me.desk) == ("alice", "team")
    assert me.established_by.startswith("OS account alice (uid 4242), listed in os_accounts")
    assert me.roles == ["agent", "group-lead", "change-manager", "admin"]
    bob_desk = desks(BOB)
    if bob_desk.engine.dialect.name == "postgresql":  # the owner's login is not bob's to share
        with pytest.raises(NotPermitted, match="schema owner's"):
            agents.whoami(bob_desk)
        bob_desk = through_ssh(owner, "bob")
        desks.opened.append(bob_desk)
    bob = agents.whoami(bob_desk)
    assert (bob.login, bob.roles, bob.groups) == ("bob", ["agent"], ["Network", "Service Desk"])
    # Applying the same file again changes nothing; export gives a file apply takes back as is.
    again = team.apply(owner, TEAM)
    assert (again.added, again.changed, again.removed) == ([], [], [])
    exported = team.export(owner)
    assert 'login = "bob"' in exported and "cost_per_hour = 30.5" in exported
    assert team.apply(owner, exported).changed == []
    assert team.export(owner) == exported


def test_a_bad_entry_is_named_and_nothing_changes(desks: Desks) -> None:
    owner = desks()
    before = f.audit_count(owner)
    cases = {
        TEAM.replace('roles = ["agent"]', 'roles = ["overlord"]'): "[[agent]] 'bob' field roles: 'overlord'",
        TEAM.replace('members = ["bob"]', 'members = ["zed"]'): "'Network' field members: no agent 'zed'",
        TEAM.replace("tier = 2", "tier = 5"): "[[group]] 'Network' field tier",
        TEAM.replace('os_accounts = ["vera"]', 'os_accounts = ["bob"]'): "'vera' field os_accounts: 'bob'",
        TEAM.replace('name = "Bob Li"', 'nom = "Bob Li"'): "[[agent]] 'bob' field",
        TEAM + "[[agent": "is not valid TOML",
    }
    for text, named in cases.items():
        with pytest.raises(InvalidInput) as caught:
            team.apply(owner, text, "team.toml")
        assert named in caught.value.message and caught.value.message.endswith("nothing was changed")
    assert f.audit_count(owner) == before
    assert [a.login for a in agents.list_agents(owner)] == ["alice"]


def test_applying_a_file_that_locks_out_its_admin_is_refused(desks: Desks, db_url: str) -> None:
    owner = desks()
    text = TEAM.replace('os_accounts = ["alice"]', 'os_accounts = ["alice2"]')
    if db_url.startswith("postgresql"):  # the schema owner (who ran the migrations) stays the owner
        team.apply(owner, text)
        return
    with pytest.raises(InvalidInput, match="lock yourself out"):
        team.apply(owner, text)


def test_prune_deactivates_agents_and_removes_groups_missing_from_the_file(desks: Desks) -> None:
    owner = desks()
    team.apply(owner, TEAM)
    smaller = TEAM.split('[[agent]]\nlogin = "vera"')[0] + TEAM.split('os_accounts = ["vera"]')[1]
    smaller = smaller.replace('[[group]]\nname = "Network"\ntier = 2\nmembers = ["bob"]\n', "")
    kept = team.apply(owner, smaller)
    assert kept.removed == []  # without --prune nothing goes
    pruned = team.apply(owner, smaller, prune=True)
    assert pruned.removed == ["agent vera (deactivated; their tickets stay)", "group Network"]
    assert {a.login: a.active for a in agents.list_agents(owner)}["vera"] is False
    with pytest.raises(NotPermitted, match="inactive"):
        f.contact(desks(OsIdentity(uid=5002, login="vera", display_name="Vera")), "Someone")


def test_a_team_desk_enrols_nobody_and_never_trusts_a_name_without_a_passwd_entry(desks: Desks) -> None:
    team.apply(desks(), TEAM)
    stranger = desks(OsIdentity(uid=6001, login="mallory", display_name="Mallory"))
    with pytest.raises(NotPermitted) as caught:
        agents.whoami(stranger)
    assert caught.value.message == (
        'the OS account mallory is no agent of this team desk; ask an admin to add os_accounts = ["mallory"] '
        "to your agent in the team file"
    )
    nameless = desks(OsIdentity(uid=6002, login="uid-6002", display_name="uid 6002", named=False))
    with pytest.raises(NotPermitted, match="no account name"):
        f.contact(nameless, "Someone")
    assert "mallory" not in [a.login for a in agents.list_agents(desks())]


def test_agents_and_groups_one_by_one_by_an_admin_only(desks: Desks) -> None:
    owner = desks()
    fields = agents.AgentFields(display_name="Bob Li", roles=["problem-manager"], os_accounts=["bob"])
    added = agents.add_agent(owner, "bob", fields)
    assert (added.roles, added.os_accounts) == (["problem-manager"], ["bob"])
    agents.add_group(owner, "Service Desk", tier=1, lead="alice")
    view = agents.member(owner, "Service Desk", "bob", add=True)
    assert view.members == ["bob"]
    assert agents.update_group(owner, "Service Desk", tier=2, lead="").lead is None
    with pytest.raises(Conflict, match="already acts as bob"):
        agents.add_agent(owner, "bobby", agents.AgentFields(os_accounts=["bob"]))
    bob = desks(BOB)  # a personal desk: bob's uid enrols a new agent, who is no admin
    with pytest.raises(NotPermitted, match="deactivate agents and groups without the role admin"):
        agents.update_agent(bob, "bob", agents.AgentFields(roles=["admin"]))
    agents.set_active(owner, "bob", False)
    with owner.reading() as s:
        rows = s.execute(select(AuditEntry.field, AuditEntry.new).where(AuditEntry.record_ref == "bob")).all()
    assert ("roles", "problem-manager") in [tuple(r) for r in rows]
    assert ("active", "no") in [tuple(r) for r in rows]
