"""Authorisation in the services: ask the permission table, refuse in one sentence, audit.

Every service function that writes calls :func:`require` with its action right after opening
its unit of work, so the CLI, the TUI and anything later get the same answer. A refusal names
the role needed and who can grant it (the desk's admins). The refusal itself is audited by
:meth:`Desk.writing`, in its own transaction, since the refused one is rolled back.
"""

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskterm.domain.core.permissions import GRANTED, VERBS, Action, Decision, Role, allowed, effective_roles
from deskterm.services.core.errors import NotPermitted
from deskterm.store.models import Agent
from deskterm.store.queries import access as q

if TYPE_CHECKING:
    from deskterm.services.core.context import Desk, UnitOfWork


def roles_of(s: Session, agent: Agent) -> frozenset[Role]:
    """The roles ``agent`` acts with now: granted, implied and derived from the records."""
    return effective_roles(
        q.granted_roles(s, agent.id),
        leads_group=q.leads_group(s, agent.id),
        owns_service=q.owns_service(s, agent.id),
    )


def admins(s: Session) -> list[str]:
    ids = q.holders(s, Role.ADMIN.value)
    if not ids:
        return []
    return list(s.scalars(select(Agent.login).where(Agent.id.in_(ids), Agent.active).order_by(Agent.login)))


def refusal(s: Session, agent: Agent, decision: Decision) -> NotPermitted:
    """The one sentence of a refusal: who, what, the role needed, and whom to ask."""
    verb = VERBS[decision.action]
    needed = " or ".join(decision.needed)
    details = {"action": decision.action.value, "needed": [r.value for r in decision.needed]}
    if decision.reason.startswith("to "):  # a missing role
        who = ", ".join(admins(s)) or "the desk's owner"
        grant = next((r for r in decision.needed if r in GRANTED), None)
        how = f" (deskterm agent update {agent.login} --role {grant})" if grant else ""
        return NotPermitted(
            f"{agent.login} may not {verb} without the role {needed}; "
            f"ask an admin of this desk ({who}) to grant it{how}",
            **details,
        )
    return NotPermitted(  # segregation of duties: no role helps, someone else must do it
        f"{agent.login} may not {verb}: {decision.reason}; someone else has to",
        **details,
    )


def require(uow: "UnitOfWork", action: Action, *, own: bool = False) -> None:
    """Go on if the acting agent may do ``action``, else raise :class:`NotPermitted`."""
    decision = allowed(action, uow.roles, own=own)
    uow.checked = True
    if not decision:
        raise refusal(uow.session, uow.actor, decision)


def check(desk: "Desk", action: Action) -> None:
    """Refuse before a long-running write (an ingest) starts, rather than at its first batch."""
    with desk.writing() as uow:
        require(uow, action)


def may(uow: "UnitOfWork", action: Action) -> bool:
    return bool(allowed(action, uow.roles))


def acting(desk: "Desk") -> tuple[str, frozenset[Role]]:
    """Who acts on ``desk`` and the roles they act with (read-only): what a screen needs to
    offer only the keys the services would allow. ``NotPermitted`` for an unknown account; a
    deactivated agent acts with no role at all (every write of theirs is refused)."""
    actor_id = desk.actor_id
    with desk.reading() as s:
        agent = s.get(Agent, actor_id)
        if agent is None or not agent.active:
            return (agent.login if agent else ""), frozenset()
        return agent.login, roles_of(s, agent)
