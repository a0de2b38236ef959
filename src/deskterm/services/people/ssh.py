"""SSH keys of agents (``deskterm agent key add | remove | list``) and what ``deskterm serve ssh``
needs of the desk: which agent a key stands for, its hand-over secret, and the audit rows of
logins, logouts and refusals.

Keys are ``agent_accounts`` of kind ``ssh``, the same rows the team file's ``ssh_keys`` writes,
so a key added here and one from the file are alike; a key is matched by its key data, never by
its comment. The server's functions run in :meth:`Desk.serving`, acting as no agent.
"""

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from deskterm.domain.core import sshkey
from deskterm.domain.core.permissions import Action
from deskterm.services.core import access, lookup
from deskterm.services.core.context import SERVER_SETTING, Desk, token_digest
from deskterm.services.core.errors import Conflict, InvalidInput, NotFound
from deskterm.services.people import agents
from deskterm.store.models import Agent, AuditEntry
from deskterm.store.models.access import AgentAccount, DeskSetting
from deskterm.store.queries import access as q


class KeyView(BaseModel):
    login: str
    fingerprint: str
    type: str
    comment: str


class KeyMatch(BaseModel):
    """The agent a presented key stands for."""

    agent_id: int
    login: str
    active: bool


def _view(login: str, line: str) -> KeyView:
    try:
        key = sshkey.parse(line)
    except sshkey.BadKey:  # written by an older team file: shown, never matched
        return KeyView(login=login, fingerprint="(damaged key)", type="?", comment=line[:40])
    return KeyView(login=login, fingerprint=key.fingerprint, type=key.kind, comment=key.comment)


def _parse(text: str) -> sshkey.PublicKey:
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if len(lines) != 1:
        raise InvalidInput(f"give one public key (a .pub file holds one line), not {len(lines)} lines")
    try:
        return sshkey.parse(lines[0])
    except sshkey.BadKey as exc:
        raise InvalidInput(f"{exc}; give the .pub file, never the private key") from None


def add_key(desk: Desk, login: str, text: str) -> KeyView:
    """Let the agent log in to ``deskterm serve ssh`` with this key (admins)."""
    key = _parse(text)
    with desk.writing() as uow:
        access.require(uow, Action.TEAM_MANAGE)
        s = uow.session
        a = lookup.agent(s, login)
        for owner_id, line in s.execute(
            select(AgentAccount.agent_id, AgentAccount.name).where(AgentAccount.kind == "ssh")
        ):
            if sshkey.same_key(line, key.blob):
                owner = s.get(Agent, owner_id)
                who = owner.login if owner else str(owner_id)
                if owner_id == a.id:
                    raise Conflict(f"{a.login} has the key {key.fingerprint} already; nothing to add")
                raise Conflict(f"the key {key.fingerprint} acts as {who}; remove it there first")
        keys = [*_lines(s, a.id), key.line]
        agents.set_accounts(uow, a, "ssh", keys)
        desk.forget_actor()
        return _view(a.login, key.line)


def remove_key(desk: Desk, login: str, which: str) -> KeyView:
    """Stop a key logging in (admins); ``which`` is its fingerprint or the key line itself."""
    with desk.writing() as uow:
        access.require(uow, Action.TEAM_MANAGE)
        s = uow.session
        a = lookup.agent(s, login)
        keys = _lines(s, a.id)
        wanted = which.strip()
        blob = _parse(wanted).blob if " " in wanted else None
        gone = [
            line
            for line in keys
            if (blob is not None and sshkey.same_key(line, blob))
            or _view(a.login, line).fingerprint == wanted
        ]
        if not gone:
            raise NotFound(f"{a.login} has no key {wanted!r}; deskterm agent key list {a.login} shows them")
        agents.set_accounts(uow, a, "ssh", [line for line in keys if line not in gone])
        return _view(a.login, gone[0])


def list_keys(desk: Desk, login: str | None = None) -> list[KeyView]:
    """The keys that log in, of one agent or of all (public keys: no secret in them)."""
    with desk.reading() as s:
        query = select(Agent.login, AgentAccount.name).join(Agent, Agent.id == AgentAccount.agent_id)
        query = query.where(AgentAccount.kind == "ssh").order_by(Agent.login, AgentAccount.id)
        if login is not None:
            query = query.where(Agent.id == lookup.agent(s, login).id)
        return [_view(who, line) for who, line in s.execute(query)]


def _lines(s: Session, agent_id: int) -> list[str]:
    return q.accounts(s, agent_id, "ssh")


# -- the server's side ------------------------------------------------------------------------


def agent_for_key(desk: Desk, blob: bytes) -> KeyMatch | None:
    """Which agent a presented public key stands for, or None (the server refuses it)."""
    with desk.serving() as s:
        rows = s.execute(
            select(AgentAccount.name, Agent.id, Agent.login, Agent.active)
            .join(Agent, Agent.id == AgentAccount.agent_id)
            .where(AgentAccount.kind == "ssh")
        )
        for line, agent_id, login, active in rows:
            if sshkey.same_key(line, blob):
                return KeyMatch(agent_id=agent_id, login=login, active=active)
    return None


def register_server(desk: Desk, server: str, token: str) -> None:
    """Record the digest of a starting server's secret: its sessions' hand-overs check against it.
    On PostgreSQL this needs a login that may write desk_settings (the schema owner or an admin)."""
    with desk.serving() as s:
        s.merge(DeskSetting(name=SERVER_SETTING + server, value=token_digest(token)))


def unregister_server(desk: Desk, server: str) -> None:
    """Forget a stopping server's secret: a session left behind can no longer act."""
    with desk.serving() as s:
        s.execute(delete(DeskSetting).where(DeskSetting.name == SERVER_SETTING + server))


def record_session(desk: Desk, agent_id: int, event: str, detail: str) -> None:
    """An SSH login, logout or refusal of a known key in the audit trail, as the agent's."""
    with desk.serving() as s:
        agent = s.get(Agent, agent_id)
        s.add(
            AuditEntry(
                at=desk.clock.now(),
                actor_id=agent_id,
                record_kind="ssh",
                record_id=agent_id,
                record_ref=agent.login[:24] if agent else None,
                field=event[:40],
                old=None,
                new=detail,
            )
        )
