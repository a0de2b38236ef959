"""Who may back up, restore or check a desk and verify or export its audit trail.

These commands work on the database as a whole, also when it is not (yet) a desk anyone acts
on, so the permission table is asked only where there is someone to ask:

- a database without agents (empty, fresh, or a desk nobody has used yet) and a desk from before
  roles (schema older than 0010, which this deskterm has not opened yet) have no roles to
  consult: whoever can open the database may restore into it, back it up or check it. Its own
  access control (the SQLite file's permissions, the PostgreSQL login) is the guard there;
- the database's owner acting as no agent of a team desk (a nightly backup job connected as the
  PostgreSQL schema owner, or run by the OS account owning the SQLite file) may do all of them:
  it can copy or replace the database without deskterm anyway;
- everyone else acts as the agent the desk establishes (as for any command) and the table
  decides: read only when allowed (on SQLite a write transaction would wait for a busy writer
  to stop, and a live desk is backed up while agents work), in a unit of work when refused, so
  that the refusal is audited (exit 7).
"""

from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from deskterm.domain.core.permissions import Action, allowed
from deskterm.services.core import access
from deskterm.services.core.context import Desk, _unavailable
from deskterm.services.core.errors import NotPermitted
from deskterm.store.models import Agent
from deskterm.store.queries import access as q

#: Tables a desk has once roles exist (migration 0010); without them nobody holds a role.
_ROLE_TABLES = ("agents", "agent_roles", "agent_accounts", "desk_settings")


def authorise(desk: Desk, action: Action) -> None:
    """Go on if ``action`` on this database is allowed (see the module docstring), else raise
    :class:`NotPermitted`."""
    if _nobody_to_ask(desk):
        return
    try:
        if _allowed_reading(desk, action):
            return
        access.check(desk, action)  # refused: in a unit of work, which audits the refusal
    except NotPermitted as exc:
        if "action" in exc.details or not _database_owner(desk):
            raise  # refused by the table, or no agent and not the owner either


def _allowed_reading(desk: Desk, action: Action) -> bool:
    """The answer in a read transaction: on SQLite a writer that keeps committing (a live desk)
    would make a write transaction wait for its end, and the backup with it."""
    actor_id = desk.actor_id
    with desk.reading() as s:
        agent = s.get(Agent, actor_id)
        return agent is not None and agent.active and bool(allowed(action, access.roles_of(s, agent)))


def _sqlite_file(desk: Desk) -> Path | None:
    url = desk.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    return Path(url.database).expanduser()


def _nobody_to_ask(desk: Desk) -> bool:
    """No agents, or no roles yet: there is no table to consult."""
    file = _sqlite_file(desk)
    if file is not None and (not file.is_file() or file.stat().st_size == 0):
        return True  # nothing there yet: restore creates it, backup and check report it
    try:
        with desk.engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
            if not set(_ROLE_TABLES) <= present:
                return True
            return conn.execute(text("SELECT id FROM agents LIMIT 1")).first() is None
    except DBAPIError as exc:
        raise _unavailable(exc, desk.settings.db) from None


def _database_owner(desk: Desk) -> bool:
    """The PostgreSQL schema owner, or the OS account that owns the SQLite file."""
    file = _sqlite_file(desk)
    if file is not None:
        try:
            return file.stat().st_uid == desk.identity.uid
        except OSError:
            return False
    try:
        with Session(desk.engine) as s:
            owner = q.schema_owner(s)
            return owner is not None and q.session_user(s) == owner
    except DBAPIError as exc:
        raise _unavailable(exc, desk.settings.db) from None
