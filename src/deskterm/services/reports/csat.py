"""Customer satisfaction: a survey is due for the caller when a ticket is resolved; the agent
records the answer taken by phone, at a meeting or online (a score 1-5 and a comment).

One answer per resolution: a ticket reopened and resolved again is due again.
"""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import Exists, and_, exists, select
from sqlalchemy.orm import Session

from deskterm.domain.core.permissions import Action
from deskterm.domain.core.vocabulary import TicketStatus
from deskterm.services.core import access, lookup
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import Conflict, InvalidInput
from deskterm.store.models import Agent, Contact, CsatResponse, Group, Ticket

RECORD = "csat"
COMMENT_MAX = 2000


class SurveyChannel(StrEnum):
    """How the answer was taken (ITIL: surveys by phone, meeting or online)."""

    PHONE = "phone"
    MEETING = "meeting"
    ONLINE = "online"


class CsatView(BaseModel):
    id: int
    ref: str
    title: str
    caller: str
    score: int
    comment: str
    channel: str
    recorded_by: str
    at: datetime


class DueSurvey(BaseModel):
    ref: str
    title: str
    caller: str
    phone: str | None
    email: str | None
    group: str | None
    resolved_at: datetime


def _answered_since_resolution() -> Exists:
    return exists().where(and_(CsatResponse.ticket_id == Ticket.id, CsatResponse.at >= Ticket.resolved_at))


def record(
    desk: Desk, ref: str, score: int, comment: str = "", channel: str = SurveyChannel.PHONE
) -> CsatView:
    """Record one answer; refused (exit 4) for a score outside 1-5 or an unresolved ticket,
    (exit 5) when this resolution was already answered."""
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise InvalidInput(f"score {score!r} is out of range; give a whole number from 1 to 5", field="score")
    try:
        how = SurveyChannel(str(channel).strip().lower())
    except ValueError:
        raise InvalidInput(
            f"channel {channel!r} is not known; use one of phone, meeting, online", field="channel"
        ) from None
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise InvalidInput(
            f"the comment is longer than {COMMENT_MAX} characters; shorten it", field="comment"
        )
    with desk.writing() as uow:
        access.require(uow, Action.CSAT_RECORD)
        s = uow.session
        t = lookup.ticket(s, ref, for_update=True)
        if t.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED) or t.resolved_at is None:
            raise InvalidInput(
                f"{t.ref} is {t.status.value}: a survey is due once it is resolved; resolve it first"
            )
        done = s.scalar(
            select(CsatResponse.id).where(CsatResponse.ticket_id == t.id, CsatResponse.at >= t.resolved_at)
        )
        if done is not None:
            raise Conflict(
                f"{t.ref}'s survey was already answered for this resolution; see deskterm csat list"
            )
        answer = CsatResponse(
            ticket_id=t.id,
            caller_id=t.caller_id,
            score=score,
            comment=comment,
            channel=how.value,
            recorded_by_id=uow.actor.id,
            at=uow.now,
        )
        s.add(answer)
        s.flush()
        uow.audit("ticket", t.id, t.ref, "csat", None, f"{score}/5 by {how.value}")
        return _view(s, answer, t)


def _view(s: Session, a: CsatResponse, t: Ticket) -> CsatView:
    caller = s.get(Contact, a.caller_id)
    agent = s.get(Agent, a.recorded_by_id)
    return CsatView(
        id=a.id,
        ref=t.ref,
        title=t.title,
        caller=caller.name if caller else "?",
        score=a.score,
        comment=a.comment,
        channel=a.channel,
        recorded_by=agent.login if agent else "?",
        at=a.at,
    )


def due(desk: Desk, *, limit: int = 200) -> list[DueSurvey]:
    """Resolved (or closed) tickets whose caller has not answered since the resolution,
    most recently resolved first."""
    with desk.reading() as s:
        rows = s.execute(
            select(
                Ticket.ref,
                Ticket.title,
                Contact.name,
                Contact.phone,
                Contact.email,
                Group.name,
                Ticket.resolved_at,
            )
            .join(Contact, Contact.id == Ticket.caller_id)
            .outerjoin(Group, Group.id == Ticket.group_id)
            .where(
                Ticket.status.in_([TicketStatus.RESOLVED, TicketStatus.CLOSED]),
                Ticket.resolved_at.is_not(None),
                ~_answered_since_resolution(),
            )
            .order_by(Ticket.resolved_at.desc(), Ticket.id.desc())
            .limit(limit)
        ).all()
        return [
            DueSurvey(
                ref=ref,
                title=title,
                caller=caller,
                phone=phone,
                email=email,
                group=group,
                resolved_at=resolved,
            )
            for ref, title, caller, phone, email, group, resolved in rows
            if resolved is not None  # always: the query wants it
        ]


def is_due(desk: Desk, ref: str) -> bool:
    with desk.reading() as s:
        t = lookup.ticket(s, ref)
        if t.resolved_at is None or t.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            return False
        return (
            s.scalar(
                select(CsatResponse.id).where(
                    CsatResponse.ticket_id == t.id, CsatResponse.at >= t.resolved_at
                )
            )
            is None
        )


def answers(
    desk: Desk, *, start: datetime | None = None, end: datetime | None = None, limit: int = 500
) -> list[CsatView]:
    """Recorded answers, newest first, optionally within ``[start, end)``."""
    with desk.reading() as s:
        stmt = select(CsatResponse, Ticket).join(Ticket, Ticket.id == CsatResponse.ticket_id)
        if start is not None:
            stmt = stmt.where(CsatResponse.at >= start)
        if end is not None:
            stmt = stmt.where(CsatResponse.at < end)
        rows = s.execute(stmt.order_by(CsatResponse.at.desc(), CsatResponse.id.desc()).limit(limit)).all()
        return [_view(s, a, t) for a, t in rows]
