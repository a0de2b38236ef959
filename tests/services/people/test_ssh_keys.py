"""Agents' SSH keys and the SSH server's hand-over, on both databases: admins add and remove
keys, a key is matched by its data, the hand-over is accepted only with the running server's
secret, and on PostgreSQL the schema owner's login is not an ordinary agent's to share."""

import base64
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from deskterm.domain.core import sshkey
from deskterm.services.core.context import Desk, Handover
from deskterm.services.core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from deskterm.services.core.identity import OsIdentity
from deskterm.services.people import agents, ssh, team
from deskterm.store.models import Agent, AuditEntry
from tests.conftest import open_desk


def key_line(seed: int, comment: str = "someone@laptop") -> str:
    blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + bytes([seed]) * 32
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"


BOB = OsIdentity(uid=5001, login="bob", display_name="Bob OS")
SERVER = "0123456789abcdef"


@pytest.fixture
def opened() -> Iterator[list[Desk]]:
    desks: list[Desk] = []
    yield desks
    for d in desks:
        d.close()


def agent_id(desk: Desk, login: str) -> int:
    with desk.reading() as s:
        found = s.scalar(select(Agent.id).where(Agent.login == login))
    assert found is not None
    return found


def test_admins_add_list_and_remove_keys(desk: Desk, opened: list[Desk]) -> None:
    agents.add_agent(desk, "bob", agents.AgentFields(os_accounts=["bob"]))
    added = ssh.add_key(desk, "bob", key_line(1) + "\n")
    assert added.fingerprint == sshkey.parse(key_line(1)).fingerprint and added.type == "ssh-ed25519"
    with pytest.raises(Conflict, match="already"):
        ssh.add_key(desk, "bob", key_line(1, "a different comment"))  # the same key, renamed
    with pytest.raises(Conflict, match="acts as bob"):
        ssh.add_key(desk, "alice", key_line(1))
    with pytest.raises(InvalidInput, match="not an OpenSSH public key"):
        ssh.add_key(desk, "bob", "-----BEGIN OPENSSH PRIVATE KEY-----")
    with pytest.raises(InvalidInput, match="one public key"):
        ssh.add_key(desk, "bob", key_line(2) + "\n" + key_line(3))
    assert [k.login for k in ssh.list_keys(desk)] == ["bob"]
    assert ssh.agent_for_key(desk, sshkey.parse(key_line(1)).blob) is not None
    assert ssh.agent_for_key(desk, sshkey.parse(key_line(9)).blob) is None
    bob = open_desk(desk.settings.db, identity=BOB)
    opened.append(bob)
    with pytest.raises(NotPermitted):
        ssh.add_key(bob, "bob", key_line(4))  # an agent cannot add their own key: admins do
    with pytest.raises(NotFound):
        ssh.remove_key(desk, "bob", "SHA256:nope")
    assert ssh.remove_key(desk, "bob", added.fingerprint).fingerprint == added.fingerprint
    assert ssh.list_keys(desk, "bob") == []
    with desk.reading() as s:
        fields = list(s.scalars(select(AuditEntry.field).where(AuditEntry.record_kind == "agent")))
    assert fields.count("ssh_keys") == 2  # added and removed, audited


def test_the_handover_needs_the_running_servers_secret(desk: Desk, opened: list[Desk]) -> None:
    agents.add_agent(desk, "bob", agents.AgentFields())
    bob_id = agent_id(desk, "bob")

    def session(token: str) -> Desk:
        h = Handover(agent_id=bob_id, fingerprint="SHA256:abc", server=SERVER, token=token)
        d = Desk.open(desk.settings, clock=desk.clock, identity=BOB, handover=h)
        opened.append(d)
        return d

    with pytest.raises(NotPermitted, match="hand-over"):
        agents.whoami(session("secret"))  # no server recorded a secret
    ssh.register_server(desk, SERVER, "secret")
    me = agents.whoami(session("secret"))
    assert me.login == "bob" and me.established_by == "SSH key SHA256:abc via deskterm serve ssh"
    with pytest.raises(NotPermitted, match="hand-over"):
        agents.whoami(session("guessed"))
    ssh.record_session(desk, bob_id, "ssh login", "key SHA256:abc from 127.0.0.1:5555")
    ssh.unregister_server(desk, SERVER)
    with pytest.raises(NotPermitted, match="hand-over"):
        agents.whoami(session("secret"))  # the server stopped: its sessions act no more


def test_the_handover_is_taken_out_of_the_environment() -> None:
    env = {
        "DESKTERM_SSH_AGENT": "2",
        "DESKTERM_SSH_KEY": "k",
        "DESKTERM_SSH_SERVER": "s",
        "DESKTERM_SSH_TOKEN": "t",
    }
    env["PATH"] = "/bin"
    assert Handover.take(env) == Handover(agent_id=2, fingerprint="k", server="s", token="t")
    assert env == {"PATH": "/bin"}
    assert Handover.take(env) is None
    with pytest.raises(NotPermitted, match="incomplete"):
        Handover.take({"DESKTERM_SSH_AGENT": "2"})


TEAM = """
[[agent]]
login = "alice"
name = "Alice"
roles = ["admin"]
os_accounts = ["alice"]

[[agent]]
login = "bob"
name = "Bob"
os_accounts = ["bob"]
"""


def test_the_schema_owners_login_is_shared_only_by_admins(desk: Desk, opened: list[Desk]) -> None:
    """On PostgreSQL, an OS account mapped over the schema owner's login is refused unless its
    agent is an admin (the desk's owner applies the team and runs db commands); agents come
    with their own login role or through the SSH server. SQLite has no login roles."""
    team.apply(desk, TEAM)
    assert agents.whoami(desk).login == "alice"  # the admin keeps the owner's login
    bob = open_desk(desk.settings.db, identity=BOB)
    opened.append(bob)
    if desk.engine.dialect.name == "postgresql":
        with pytest.raises(NotPermitted, match="schema owner's"):
            agents.whoami(bob)
    else:
        assert agents.whoami(bob).login == "bob"
    ssh.register_server(desk, SERVER, "secret")
    h = Handover(agent_id=agent_id(desk, "bob"), fingerprint="SHA256:abc", server=SERVER, token="secret")
    served = Desk.open(desk.settings, clock=desk.clock, identity=BOB, handover=h)
    opened.append(served)
    assert agents.whoami(served).login == "bob"
