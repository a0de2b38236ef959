"""Demo data for the handover and satisfaction features: the last few shifts signed off and
acknowledged (their digests frozen as the desk stands now), and survey answers for about a
third of the resolved tickets. Only adds rows; its own ``random.Random``."""

import random
from datetime import timedelta

from sqlalchemy import select

from deskterm.domain.core.text import single_line
from deskterm.domain.core.vocabulary import TicketStatus, Tier
from deskterm.services.core.context import Desk
from deskterm.services.handover import handover
from deskterm.store.models import (
    Agent,
    AuditEntry,
    CsatResponse,
    Group,
    GroupMember,
    Handover,
    HandoverItem,
    Ticket,
)

NOTES = (
    "Quiet shift. Mail relay restarted once at {time}; watch the queue length.",
    "Busy morning: the VPN concentrator dropped users twice. Network has it.",
    "Two callers chased their tickets; both promised a call back before noon.",
    "交接：打印机故障已转给现场支持，等待备件。",
)
ITEM_NOTES = (
    "Promised the caller an update within the hour.",
    "Vendor case open; they call back on the next shift.",
    "Owner informed; bridge call at the top of the hour.",
)
COMMENTS = (
    "",
    "",
    "Quick and friendly.",
    "Took too long.",
    "Fixed on the first call, thanks!",
    "还可以。",
    "",
)


def seed(desk: Desk, *, seed: int = 1, shifts: int = 3) -> dict[str, int]:
    """``shifts`` past handovers (signed off and acknowledged) and CSAT answers; returns counts."""
    rng = random.Random(seed)
    now = desk.clock.now()
    plan = handover.plan(desk)
    with desk.writing() as uow:
        s = uow.session
        desk_agents = list(
            s.scalars(
                select(Agent)
                .join(GroupMember, GroupMember.agent_id == Agent.id)
                .join(Group, Group.id == GroupMember.group_id)
                .where(Group.tier == Tier.T1, Agent.active.is_(True))
                .order_by(Agent.login)
                .distinct()
            )
        )
        if len(desk_agents) < 2:  # a desk of one hands over to whoever else there is
            desk_agents = list(s.scalars(select(Agent).where(Agent.active.is_(True)).order_by(Agent.login)))
        if not desk_agents:
            return {"handovers": 0, "csat": 0}
        taken = set(s.scalars(select(Handover.shift_start)))
        window = plan.at(now)
        made = 0
        for _ in range(shifts):
            window = plan.previous(window)
            if window.start in taken:
                continue
            outgoing, incoming = rng.sample(desk_agents, 2) if len(desk_agents) > 1 else (desk_agents[0],) * 2
            signed = window.end - timedelta(minutes=rng.randint(2, 15))
            acked = window.end + timedelta(minutes=rng.randint(1, 20))
            frozen = handover._compute(desk, s, window, None, as_of=signed)
            note = rng.choice(NOTES).format(time=f"{(window.start + timedelta(hours=2)):%H:%M}")
            record = Handover(
                shift_name=window.name,
                shift_start=window.start,
                shift_end=window.end,
                outgoing_id=outgoing.id,
                note=note,
                signed_off_at=signed,
                acknowledged_by_id=incoming.id if acked <= now else None,
                acknowledged_at=acked if acked <= now else None,
                created_at=window.start + timedelta(minutes=30),
                updated_at=min(acked, now),
                version=3,
            )
            refs = frozen.refs()
            items = {r: rng.choice(ITEM_NOTES) for r in rng.sample(refs, min(2, len(refs)))}
            record.items = [
                HandoverItem(ref=r, note=text, author_id=outgoing.id, updated_at=signed)
                for r, text in items.items()
            ]
            s.add(record)
            s.flush()
            s.refresh(record, ["outgoing", "acknowledged_by", "items"])
            record.digest = frozen.model_copy(
                update={
                    "live": False,
                    "generated_at": signed,
                    "note": note,
                    "item_notes": items,
                    "handover": handover._meta(record),
                }
            ).model_dump(mode="json")
            for at, actor, field, value in (
                (signed, outgoing, "signed_off", outgoing.login),
                (acked, incoming, "acknowledged", incoming.login),
            ):
                if at <= now:
                    s.add(
                        AuditEntry(
                            at=at,
                            actor_id=actor.id,
                            record_kind=handover.RECORD,
                            record_id=record.id,
                            field=field,
                            new=value,
                        )
                    )
            made += 1
        answered = set(s.scalars(select(CsatResponse.ticket_id)))
        resolved = s.execute(
            select(Ticket.id, Ticket.caller_id, Ticket.resolved_at, Ticket.assignee_id)
            .where(
                Ticket.status.in_([TicketStatus.RESOLVED, TicketStatus.CLOSED]),
                Ticket.resolved_at.is_not(None),
            )
            .order_by(Ticket.id)
        ).all()
        by_id = {a.id: a for a in desk_agents}
        answers = 0
        for ticket_id, caller_id, resolved_at, assignee_id in resolved:
            if ticket_id in answered or rng.random() > 0.35:
                continue
            at = resolved_at + timedelta(minutes=rng.randint(20, 2 * 24 * 60))
            if at > now:
                continue
            recorder = by_id.get(assignee_id or -1) or rng.choice(desk_agents)
            s.add(
                CsatResponse(
                    ticket_id=ticket_id,
                    caller_id=caller_id,
                    score=rng.choices((1, 2, 3, 4, 5), weights=(3, 5, 12, 40, 40))[0],
                    comment=single_line(rng.choice(COMMENTS)),
                    channel=rng.choices(("phone", "meeting", "online"), weights=(6, 1, 3))[0],
                    recorded_by_id=recorder.id,
                    at=at,
                )
            )
            answers += 1
        return {"handovers": made, "csat": answers}
