"""The CLI over SSH: who you are comes from your key, JSON and exit codes pass through, stdin
is piped, unknown keys and passwords are refused, twenty sessions at once."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from deskterm.store.models import AuditEntry
from tests.conftest import open_desk
from tests.serve.conftest import Server, Team

EVENT = '{"source": "nagios", "node": "web1", "check": "disk", "severity": "critical", "message": "full"}\n'


def test_two_agents_each_see_their_own_identity(server: Server, team: Team) -> None:
    for key, login in ((team.alice, "alice"), (team.bob, "bob")):
        done = server.ssh(key, "whoami", "--format", "json")
        assert done.returncode == 0, done.stderr
        me = json.loads(done.stdout)
        assert me["login"] == login
        assert me["established_by"].startswith("SSH key SHA256:")
        assert me["established_by"].endswith("via deskterm serve ssh")
    bob = json.loads(server.ssh(team.bob, "whoami", "--format", "json").stdout)
    assert bob["roles"] == ["agent"]  # bob's roles, not the server's owner's


def test_unknown_key_and_password_are_refused(server: Server, team: Team) -> None:
    stranger = server.ssh(team.stranger, "whoami")
    assert stranger.returncode == 255 and "Permission denied (publickey)" in stranger.stderr
    password = server.ssh(
        team.alice,
        "whoami",
        options=(
            "-o",
            "PreferredAuthentications=password,keyboard-interactive",
            "-o",
            "PubkeyAuthentication=no",
        ),
    )
    assert password.returncode == 255 and "Permission denied (publickey)" in password.stderr
    assert "refused key SHA256:" in server.log.read_text()


@pytest.mark.parametrize(
    "serve_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_cli_over_ssh_json_exit_codes_and_stdin(server: Server, team: Team, serve_url: str) -> None:
    ingested = server.ssh(team.bob, "event", "ingest", "-", "--format", "json", stdin=EVENT)
    assert ingested.returncode == 0, ingested.stderr
    assert json.loads(ingested.stdout)["opened"] == ["INC-1"]
    listed = server.ssh(team.bob, "ticket", "list", "--format", "json")
    assert listed.returncode == 0 and [t["ref"] for t in json.loads(listed.stdout)] == ["INC-1"]
    missing = server.ssh(team.bob, "ticket", "show", "INC-999")
    assert missing.returncode == 3 and missing.stdout == ""
    assert "INC-999" in missing.stderr
    forbidden = server.ssh(team.bob, "agent", "add", "mallory")  # bob is no admin
    assert forbidden.returncode == 7
    usage = server.ssh(team.bob, "ticket", "frobnicate")
    assert usage.returncode == 2
    # the server chooses the database, and a session reads none of the server's files
    assert server.ssh(team.bob, "deskterm", "--db", "sqlite:////tmp/other.sqlite", "whoami").returncode == 2
    assert server.ssh(team.bob, "event", "ingest", "/etc/passwd").returncode == 7
    assert server.ssh(team.alice, "serve", "ssh", "--status").returncode == 2
    desk = open_desk(serve_url)
    try:
        with desk.reading() as s:
            rows = list(s.scalars(select(AuditEntry.field).where(AuditEntry.record_kind == "ssh")))
    finally:
        desk.close()
    assert "ssh login" in rows and "ssh logout" in rows  # in the audit trail


def test_the_handover_cannot_be_forged(server: Server, team: Team) -> None:
    """Setting the hand-over's variables by hand acts as nobody: the secret is the server's."""
    env = {
        **server.env,
        "DESKTERM_SSH_AGENT": "2",
        "DESKTERM_SSH_KEY": "SHA256:x",
        "DESKTERM_SSH_SERVER": "0" * 16,
        "DESKTERM_SSH_TOKEN": "guess",
    }
    import subprocess

    from tests.serve.conftest import DESKTERM

    done = subprocess.run([str(DESKTERM), "whoami"], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 7 and "hand-over" in done.stderr


def test_twenty_concurrent_command_sessions(server: Server, team: Team) -> None:
    def one(i: int) -> tuple[int, str]:
        key = team.alice if i % 2 else team.bob
        done = server.ssh(key, "whoami", "--format", "json", timeout=180)
        return done.returncode, json.loads(done.stdout)["login"] if done.returncode == 0 else done.stderr

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(one, range(20)))
    assert [r[0] for r in results] == [0] * 20, results
    assert sorted(r[1] for r in results) == ["alice"] * 10 + ["bob"] * 10
