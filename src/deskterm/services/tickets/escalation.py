"""Escalation: functional (to a higher-tier group with the skill) and hierarchic (to
management: the group lead, or the service owner for a major incident).

Each escalation is recorded on the ticket (an audit entry and an internal note naming who
was told and why), in the same transaction as the change itself.
"""

from deskterm.domain.core.permissions import Action
from deskterm.services.core import access, lookup
from deskterm.services.core.commands import UpdateTicket
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput
from deskterm.services.tickets.tickets import RECORD, append_note, apply_update


def _reason(text: str) -> str:
    reason = " ".join((text or "").split())
    if not reason:
        raise InvalidInput("say why you escalate: the next line reads it first", field="reason")
    return reason


def escalate_functional(desk: Desk, ref: str, group: str, reason: str, expected_version: int | None) -> str:
    """Move the ticket to a group of a higher tier; the assignee is cleared for that group."""
    why = _reason(reason)
    if not group:
        raise InvalidInput("pick the group to escalate to", field="group")
    with desk.writing() as uow:
        access.require(uow, Action.TICKET_WRITE)
        s = uow.session
        t = lookup.ticket(s, ref, for_update=True)
        target = lookup.group(s, group)
        if int(target.tier.value) <= int(t.tier.value):
            raise InvalidInput(
                f"{target.name} is tier {target.tier.value} and {t.ref} is already at tier {t.tier.value}; "
                "functional escalation goes to a higher tier (use assign to move sideways)",
                field="group",
            )
        old_tier = t.tier.value
        apply_update(
            desk,
            uow,
            t,
            UpdateTicket(ref=t.ref, group=target.name, assignee="", expected_version=expected_version),
        )
        uow.audit(
            RECORD, t.id, t.ref, "escalation", f"tier {old_tier}", f"functional: {target.name}", t.version
        )
        append_note(
            uow,
            t,
            f"Functional escalation to {target.name} (tier {target.tier.value}): {why}",
            public=False,
            channel=None,
            minutes=0,
        )
        return f"{t.ref} escalated to {target.name}"


def escalate_hierarchic(desk: Desk, ref: str, reason: str) -> str:
    """Tell management: the service owner for a major incident, else the group lead."""
    why = _reason(reason)
    with desk.writing() as uow:
        access.require(uow, Action.TICKET_WRITE)
        s = uow.session
        t = lookup.ticket(s, ref, for_update=True)
        owner = t.service.owner if t.service else None
        lead = t.group.lead if t.group else None
        if t.major and owner is not None:
            who, role = owner, f"owner of {t.service.name if t.service else 'the service'}"
        elif lead is not None:
            who, role = lead, f"lead of {t.group.name if t.group else 'the group'}"
        elif owner is not None:
            who, role = owner, f"owner of {t.service.name if t.service else 'the service'}"
        else:
            raise InvalidInput(
                f"{t.ref} has no group lead or service owner to escalate to; "
                "set its group or service first (deskterm service add ... --owner)"
            )
        uow.audit(RECORD, t.id, t.ref, "escalation", None, f"hierarchic: {who.login} ({role})", t.version)
        append_note(
            uow,
            t,
            f"Hierarchic escalation to {who.display_name} ({who.login}, {role}): {why}",
            public=False,
            channel=None,
            minutes=0,
        )
        return f"{t.ref}: {who.login} ({role}) has been notified"
