"""Find records by what users type (login, name, email, ref); NotFound suggests near misses."""

import difflib
from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from deskterm.domain.core.refs import RefError, RefKind, parse_ref
from deskterm.services.core.errors import InvalidInput, NotFound
from deskterm.store.models import Agent, ConfigurationItem, Contact, Group, Service, Ticket


def _suggest(word: str, names: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(names), n=3, cutoff=0.5)
    return f"; did you mean {', '.join(close)}?" if close else ""


def agent(session: Session, login: str) -> Agent:
    found = session.scalar(select(Agent).where(func.lower(Agent.login) == login.strip().lower()))
    if found is None:
        names = session.scalars(select(Agent.login)).all()
        raise NotFound(
            f"no agent has the login {login!r}{_suggest(login, names)} (deskterm agent list shows them all)"
        )
    return found


def group(session: Session, name: str) -> Group:
    found = session.scalar(select(Group).where(func.lower(Group.name) == name.strip().lower()))
    if found is None:
        names = session.scalars(select(Group.name)).all()
        raise NotFound(
            f"no group is named {name!r}{_suggest(name, names)} (deskterm group list shows them all)"
        )
    return found


def service(session: Session, name: str) -> Service:
    found = session.scalar(select(Service).where(func.lower(Service.name) == name.strip().lower()))
    if found is None:
        names = session.scalars(select(Service.name)).all()
        raise NotFound(
            f"no service is named {name!r}{_suggest(name, names)} (deskterm service list shows them all)"
        )
    return found


def ci(session: Session, name: str) -> ConfigurationItem:
    found = session.scalar(
        select(ConfigurationItem).where(func.lower(ConfigurationItem.name) == name.strip().lower())
    )
    if found is None:
        names = session.scalars(select(ConfigurationItem.name)).all()
        raise NotFound(
            f"no configuration item is named {name!r}{_suggest(name, names)} "
            "(deskterm ci list shows them all)"
        )
    return found


def contact(session: Session, who: str) -> Contact:
    """A caller by ``#id``, exact email, exact phone or exact name (case-insensitive)."""
    text = who.strip()
    if text.startswith("#") and text[1:].isdigit():
        found = session.get(Contact, int(text[1:]))
        if found is None:
            raise NotFound(f"no caller has the id {text}; deskterm contact list shows them")
        return found
    lowered = text.lower()
    matches = session.scalars(
        select(Contact)
        .where(
            or_(
                func.lower(Contact.email) == lowered,
                Contact.phone == text,
                func.lower(Contact.name) == lowered,
            )
        )
        .order_by(Contact.id)
        .limit(6)
    ).all()
    if not matches:
        raise NotFound(
            f"no caller matches {who!r} by name, email or phone; "
            "add one with: deskterm contact add NAME --email ADDRESS"
        )
    if len(matches) > 1:
        listed = ", ".join(f"#{c.id} {c.name} <{c.email or c.phone or '-'}>" for c in matches[:5])
        raise InvalidInput(
            f"{len(matches)} callers match {who!r}: {listed}; give the email or the #id instead"
        )
    return matches[0]


def ticket(session: Session, ref: str, *, for_update: bool = False) -> Ticket:
    """A ticket by ref (``INC-42``, ``inc42``); ``for_update`` locks its row until commit."""
    try:
        parsed = parse_ref(ref)
    except RefError as exc:
        raise InvalidInput(str(exc)) from None
    if parsed.kind not in (RefKind.INC, RefKind.REQ):
        raise InvalidInput(f"{parsed} is not a ticket; ticket refs start with INC or REQ")
    stmt = select(Ticket).where(Ticket.ref == str(parsed))
    if for_update:
        stmt = stmt.with_for_update()
    found = session.scalar(stmt)
    if found is None:
        raise NotFound(f"there is no ticket {parsed}; deskterm ticket list shows the open ones")
    return found
