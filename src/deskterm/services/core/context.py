"""The desk: one open database, the acting agent, the clock and the settings.

Services take a ``Desk`` and run each user action in one unit of work: a single
transaction in which the change and its audit rows are written together.
"""

import hashlib
import hmac
import os
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine, select
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from deskterm import paths
from deskterm.config import Settings
from deskterm.domain.core.clock import Clock, SystemClock
from deskterm.domain.core.permissions import OWNER_ROLES, Action, Role
from deskterm.domain.core.priority import PriorityMatrix
from deskterm.domain.core.urls import mask_url, scrub
from deskterm.services.core.errors import (
    ConcurrentInsert,
    DatabaseUnavailable,
    DesktermError,
    InvalidInput,
    NotPermitted,
)
from deskterm.services.core.identity import OsIdentity, current_identity
from deskterm.store import migrate
from deskterm.store.engine import (
    BadDatabaseURL,
    DatabaseLocationError,
    create_desk_engine,
    session_factories,
)
from deskterm.store.models import Agent, AuditEntry
from deskterm.store.models.access import AgentRole, DeskSetting
from deskterm.store.queries import access as access_q


def _unavailable(exc: Exception, url: str) -> DesktermError:
    text = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
    text = scrub(text, url)
    if getattr(getattr(exc, "orig", None), "sqlstate", None) == "42501":  # PostgreSQL said no
        return NotPermitted(
            f"the database refused your login role ({text}); ask an admin to run deskterm db grants "
            "or to add your role to db_roles"
        )
    if "locked" in text or "busy" in text:
        return DatabaseUnavailable(
            "the database stayed busy for 30 seconds (another deskterm is writing); try again"
        )
    return DatabaseUnavailable(
        f"cannot use the database {safe_url(url)}: {text}; check --db / DESKTERM_DB and that "
        "the server is running"
    )


def _database_error(exc: DBAPIError, url: str) -> DesktermError:
    """A database error as the CLI's contract has it: a unique-constraint race is a conflict
    (exit 5), a value the database refuses (NUL, too long, out of range) invalid input (exit 4),
    anything else the database being unavailable (exit 6). No SQL reaches the message."""
    if isinstance(exc, IntegrityError):
        return ConcurrentInsert(
            "another change saved the same record at the same moment (it exists already); "
            "look at it and run the command again if still needed"
        )
    if isinstance(exc, DataError):
        text = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else ""
        if "NUL" in text or "0x00" in text:
            return InvalidInput("text holds a NUL character, which the desk cannot store; remove it")
        return InvalidInput(f"the database refused a value ({scrub(text, url)}); shorten or correct it")
    return _unavailable(exc, url)


def safe_url(url: str) -> str:
    """The URL without its password or any secret query value, for messages and the TUI."""
    return mask_url(url)


def short_url(url: str) -> str:
    """Which database, in few cells: the SQLite file's name, or PostgreSQL's host/database."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return "(unparseable URL)"
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite:{(parsed.database or ':memory:').rsplit('/', 1)[-1]}"
    return f"pg:{parsed.host or 'localhost'}/{parsed.database or ''}"


def open_engine(settings: Settings) -> Engine:
    """The engine for ``settings.db``: a bad URL is exit 4, an unusable location exit 6."""
    from deskterm.services.core.errors import InvalidInput

    try:
        return create_desk_engine(settings.db, create_folder=settings.db == paths.default_db_url())
    except BadDatabaseURL as exc:
        raise InvalidInput(str(exc)) from None
    except DatabaseLocationError as exc:
        raise DatabaseUnavailable(str(exc)) from None


REF_MAX = 24  # audit_entries.record_ref

#: The environment through which ``deskterm serve ssh`` hands an authenticated agent to the
#: session it starts: the agent, the key that proved it, the server and the server's secret.
HANDOVER_ENV = ("DESKTERM_SSH_AGENT", "DESKTERM_SSH_KEY", "DESKTERM_SSH_SERVER", "DESKTERM_SSH_TOKEN")
#: Set in every session the SSH server starts (and never trusted: it only restricts).
SERVED_ENV = "DESKTERM_SSH_SESSION"
SERVER_SETTING = "ssh_server:"  # + the server's id: the sha256 of its secret, in desk_settings


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Handover:
    """An agent the SSH server authenticated, handed to the session process it started.

    Anyone can set environment variables, so the hand-over carries the server's secret: a
    random token made at the server's start and known only to it and its sessions (their
    environment is readable by the server's OS account alone). The desk accepts the
    hand-over only if the token's digest is the one the server recorded in ``desk_settings``,
    which only the desk's owner and admins can write. A session cannot change who it acts as:
    the variables are taken out of its environment before any of its code runs.
    """

    agent_id: int
    fingerprint: str
    server: str
    token: str

    @classmethod
    def take(cls, environ: MutableMapping[str, str] | None = None) -> "Handover | None":
        """Take the hand-over out of the environment (None when there is none)."""
        environ = os.environ if environ is None else environ
        values = [environ.pop(name, None) for name in HANDOVER_ENV]
        if not any(values):
            return None
        agent, key, server, token = values
        if not (agent and key and server and token) or not agent.isdigit():
            raise NotPermitted(
                "this session's SSH hand-over is incomplete; connect through deskterm serve ssh again"
            )
        return cls(agent_id=int(agent), fingerprint=key, server=server, token=token)


@dataclass
class UnitOfWork:
    """One transaction: the session, who acts, and the one 'now' every row of it shares."""

    session: Session
    actor: Agent
    now: datetime
    # (record kind, ref, field, old, new) of every audit row of this unit of work, in order:
    # what an ``apply`` reports as added, changed and removed.
    audited: list[tuple[str, str | None, str, str | None, str | None]] = field(default_factory=list)
    roles: frozenset[Role] = frozenset({Role.AGENT})
    checked: bool = False  # set by access.require; unchecked writes need the agent role

    def audit(
        self,
        record_kind: str,
        record_id: int,
        record_ref: str | None,
        field_name: str,
        old: object,
        new: object,
        version: int | None = None,
    ) -> None:
        ref = record_ref[:REF_MAX] if record_ref is not None else None  # a definition's name may be longer
        self.audited.append((record_kind, record_ref, field_name, _audit_text(old), _audit_text(new)))
        self.session.add(
            AuditEntry(
                at=self.now,
                actor_id=self.actor.id,
                record_kind=record_kind,
                record_id=record_id,
                record_ref=ref,
                field=field_name,
                old=_audit_text(old),
                new=_audit_text(new),
                version=version,
            )
        )


def _audit_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def read_only_refusal() -> NotPermitted:
    """The one sentence of every write on a read-only desk (exit 7, like a viewer's refusal)."""
    return NotPermitted(
        "this desk is open read-only (as a viewer, for a wallboard) and changes nothing; "
        "make the change in a desk opened without --read-only",
        action="read-only",
        needed=[],
    )


@dataclass
class Desk:
    """An open desk. Build with :meth:`open`; close with :meth:`close`."""

    settings: Settings
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)
    identity: OsIdentity = field(default_factory=current_identity)
    #: The agent the SSH server authenticated (sessions of ``deskterm serve ssh`` only).
    handover: Handover | None = None
    _read: sessionmaker[Session] = field(init=False, repr=False)
    _write: sessionmaker[Session] = field(init=False, repr=False)
    _actor_id: int | None = field(default=None, init=False, repr=False)
    #: How the acting agent was established, for ``whoami`` (set when first resolved).
    established_by: str = field(default="", init=False)
    _reader_checked: bool = field(default=False, init=False, repr=False)
    #: Opened read-only (``--read-only``, a wallboard served to a browser): every write is
    #: refused before a write transaction begins, whatever roles the OS account holds, and
    #: nothing is written at all: no enrolment, no migration, no audit of the refusal.
    read_only: bool = False

    def __post_init__(self) -> None:
        self._read, self._write = session_factories(self.engine)

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        identity: OsIdentity | None = None,
        migrate_schema: bool = True,
        handover: Handover | None = None,
        read_only: bool = False,
    ) -> "Desk":
        """Connect, and bring the schema to this code's version (refusing a newer one).

        ``read_only``: the desk acts as a viewer (see :attr:`read_only`); it never migrates,
        so a schema at another version is refused instead."""
        engine = open_engine(settings)
        try:
            if read_only:
                if not migrate.is_current(engine):
                    with engine.connect():  # an unreachable database says so (below)
                        pass
                    engine.dispose()
                    raise DatabaseUnavailable(
                        "the desk's schema is not at this deskterm's version and a read-only desk "
                        "does not migrate it; open it once without --read-only (or run deskterm db "
                        "upgrade), then start again"
                    )
            elif migrate_schema:
                migrate.ensure_schema(engine)
        except migrate.SchemaError as exc:
            engine.dispose()
            raise DatabaseUnavailable(str(exc)) from None
        except (OperationalError, DBAPIError) as exc:
            engine.dispose()
            raise _unavailable(exc, settings.db) from None
        return cls(
            settings=settings,
            engine=engine,
            clock=clock or SystemClock(),
            identity=identity or current_identity(),
            handover=handover,
            read_only=read_only,
        )

    @property
    def matrix(self) -> PriorityMatrix:
        return self.settings.matrix()

    @property
    def url(self) -> str:
        return safe_url(self.settings.db)

    @property
    def short_url(self) -> str:
        return short_url(self.settings.db)

    def close(self) -> None:
        self.engine.dispose()

    def ping(self) -> None:
        """One trivial read: returns if the database answers, else :class:`DatabaseUnavailable`
        (``deskterm serve events``' health check)."""
        with self.reading() as session:  # a real table: SQLite answers SELECT 1 without its file
            session.execute(select(Agent.id).limit(1)).scalar()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session (begins DEFERRED on SQLite, so it never blocks writers)."""
        try:
            if not self._reader_checked:  # a team desk shows nothing to an unknown account
                self._reader_checked = True
                if self._actor_id is None:
                    with self._read() as probe:  # its own snapshot: the reader's starts fresh
                        if self.handover is not None:
                            self._actor_id = self._handover_agent_id(probe, self.handover)
                        elif access_q.is_team_desk(probe):
                            self._actor_id = self._team_agent_id(probe)
            with self._read() as session:
                yield session  # closing ends the transaction; loaded objects stay readable
        except (OperationalError, DBAPIError) as exc:
            raise _database_error(exc, self.settings.db) from None

    @contextmanager
    def writing(self) -> Iterator[UnitOfWork]:
        """A unit of work: commits on success, rolls everything back on any error."""
        from deskterm.services.core import access  # access builds sentences from this module's types

        if self.read_only:
            raise read_only_refusal()
        try:
            with self._write() as session, session.begin():
                actor = self._actor(session)
                uow = UnitOfWork(
                    session=session, actor=actor, now=self.clock.now(), roles=access.roles_of(session, actor)
                )
                yield uow
                if not uow.checked:  # a write no service function authorised: desk work at least
                    access.require(uow, Action.TICKET_WRITE)
        except NotPermitted as exc:
            self._audit_refusal(exc)
            raise
        except DesktermError:
            raise
        except (OperationalError, DBAPIError) as exc:
            raise _database_error(exc, self.settings.db) from None

    @contextmanager
    def serving(self) -> Iterator[Session]:
        """A transaction for the SSH server's own bookkeeping (its secret's digest, the keys it
        looks up, the audit rows of sessions), acting as no agent: the server authenticates
        agents, it is not one. Only :mod:`deskterm.services.people.ssh` uses it."""
        try:
            with self._write() as session, session.begin():
                yield session
        except (OperationalError, DBAPIError) as exc:
            raise _database_error(exc, self.settings.db) from None

    def _audit_refusal(self, exc: NotPermitted) -> None:
        """A refusal is kept in the audit trail, in its own transaction (the refused one is gone)."""
        if self._actor_id is None:
            return  # no agent to attribute it to: an unknown account, refused before acting
        with self._write() as session, session.begin():
            session.add(
                AuditEntry(
                    at=self.clock.now(),
                    actor_id=self._actor_id,
                    record_kind="access",
                    record_id=self._actor_id,
                    record_ref=None,
                    field="refused",
                    old=str(exc.details.get("action", "")) or None,
                    new=exc.message,
                )
            )

    def _actor(self, session: Session) -> Agent:
        agent = session.get(Agent, self.actor_id)
        if agent is None:  # deleted under us: enrol again
            self._actor_id = None
            return self._actor(session)
        if not agent.active:
            raise NotPermitted(
                f"agent {agent.login} is inactive on this desk; ask an admin to reactivate the account"
            )
        return agent

    def _enrolled_agent_id(self, retry: bool = True) -> int:
        """The acting agent: mapped on a team desk, enrolled on first use on a personal one."""
        with self._read() as session:
            if self.handover is not None:
                return self._handover_agent_id(session, self.handover)
            team = access_q.is_team_desk(session)
            if team:
                return self._team_agent_id(session)
        return self._personal_agent_id(retry)

    def _handover_agent_id(self, session: Session, handover: Handover) -> int:
        """The agent the SSH server authenticated, if the server's secret checks out."""
        recorded = session.get(DeskSetting, SERVER_SETTING + handover.server)
        if recorded is None or not hmac.compare_digest(recorded.value, token_digest(handover.token)):
            raise NotPermitted(
                "this session's SSH hand-over is not from a running deskterm serve ssh of this desk "
                "(it stopped or restarted); connect again"
            )
        if session.get(Agent, handover.agent_id) is None:
            raise NotPermitted("the agent this SSH key stood for is gone from the desk; ask an admin")
        self.established_by = f"SSH key {handover.fingerprint} via deskterm serve ssh"
        return handover.agent_id

    def _team_agent_id(self, session: Session) -> int:
        """On a team desk nobody is enrolled: the database login role (PostgreSQL) or the OS
        account (by name from the kernel's uid) must be listed on an agent."""
        role = access_q.session_user(session)
        if role is not None:
            found = access_q.agent_for_account(session, "db", role)
            if found is not None:
                self.established_by = f"PostgreSQL login role {role} (session_user), listed in db_roles"
                return found
            if role != access_q.schema_owner(session):
                raise NotPermitted(
                    f"the database login role {role} is no agent of this team desk; ask an admin to "
                    f'add db_roles = ["{role}"] to your agent in the team file'
                )
        if not self.identity.named:
            raise NotPermitted(
                f"uid {self.identity.uid} has no account name on this machine and a team desk "
                "acts only as a named OS account; ask the system administrator for a passwd entry"
            )
        login = self.identity.login
        found = access_q.agent_for_account(session, "os", login)
        if found is None:
            raise NotPermitted(
                f"the OS account {login} is no agent of this team desk; ask an admin to add "
                f'os_accounts = ["{login}"] to your agent in the team file'
            )
        agent = session.get(Agent, found)
        shared = role is not None and agent is not None and agent.active
        if shared and Role.ADMIN.value not in access_q.granted_roles(session, found):
            # the schema owner's login, shared: who is at the keyboard is only what this machine
            # says. The desk's owner and admins keep it (team apply, db commands); agents connect
            # as themselves or through the SSH server, which holds the login alone.
            raise NotPermitted(
                f"the database login role {role} is the schema owner's and is not yours to share: "
                f"connect through deskterm serve ssh, or ask an admin for your own login role "
                f'(db_roles = ["{login}"] in the team file, then deskterm db grants)'
            )
        how = f"OS account {login} (uid {self.identity.uid}), listed in os_accounts"
        self.established_by = how + (f", connected as the schema owner {role}" if role else "")
        return found

    def _personal_agent_id(self, retry: bool = True) -> int:
        """The agent for this OS account; on first use it becomes one, in its own transaction.
        The first account enrolled owns the personal desk and holds the owner's roles."""
        by_uid = select(Agent.id).where(Agent.os_uid == self.identity.uid)
        how = f"personal desk: OS account {self.identity.login} (uid {self.identity.uid})"
        with self._read() as reader:  # enrolled already (the usual case): no write lock taken
            known = reader.scalar(by_uid)
        if known is not None:
            self.established_by = how + (", read-only" if self.read_only else "")
            return known
        if self.read_only:  # a viewer is never enrolled: it may only be found
            raise read_only_refusal()
        with self._write() as session:
            found = session.scalar(by_uid)
            if found is not None:
                session.rollback()
                self.established_by = how
                return found
            login = self.identity.login
            if session.scalar(select(Agent.id).where(Agent.login == login)) is not None:
                login = f"{login}-{self.identity.uid}"
            agent = Agent(
                login=login,
                display_name=self.identity.display_name,
                os_uid=self.identity.uid,
                cost_per_hour=Decimal("0"),
                active=True,
                created_at=self.clock.now(),
            )
            session.add(agent)
            try:
                session.flush()
                owner = not access_q.holders(session, Role.ADMIN.value)
                if owner:
                    session.add_all(AgentRole(agent_id=agent.id, role=r.value) for r in OWNER_ROLES)
                session.commit()
            except IntegrityError:  # another process of the same account enrolled first
                session.rollback()
                found = session.scalar(by_uid)
                if found is None and retry:  # another account took the login first: be login-uid
                    session.rollback()
                    return self._personal_agent_id(retry=False)
                assert found is not None
                self.established_by = how
                return found
            self.established_by = how + (
                ", enrolled on first use as the desk's owner" if owner else ", enrolled on first use"
            )
            return agent.id

    @property
    def actor_id(self) -> int:
        """The acting agent's id; enrols the OS account on first use (a write, once)."""
        if self._actor_id is None:
            try:
                self._actor_id = self._enrolled_agent_id()
            except DBAPIError as exc:
                if isinstance(exc, IntegrityError):
                    raise
                raise _unavailable(exc, self.settings.db) from None
        return self._actor_id

    def forget_actor(self) -> None:
        """Establish the acting agent again on the next action (after a team or role change)."""
        self._actor_id = None
        self._reader_checked = False

    def whoami(self) -> Agent:
        """The acting agent, read (not locked): for filters such as "my work"."""
        with self.reading() as session:
            agent = session.get(Agent, self.actor_id)
            assert agent is not None
            return agent
