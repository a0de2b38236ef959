"""Who may do what: the one permission table (action x role) and the rule that reads it.

The services ask :func:`allowed` before every write, so the CLI, the TUI and anything later
get the same answer and the same sentence. The table is data, not code paths: the README's
permission table is printed from :data:`TABLE` (see :func:`markdown_table`) and a test checks
every cell of it on both databases.

Roles are granted by an admin (``deskterm team apply`` or ``agent update --role``), except two
that are derived from the records: ``group-lead`` (leads a group) and ``service-owner`` (owns
a service). ``viewer`` is read-only: an agent whose only role is viewer writes nothing (it may
verify and export the audit trail: auditors are viewers). Every other agent also holds
``agent``, the role of ordinary desk work.

Segregation of duties is part of the decision, not left to each screen: nobody approves or
decides a change they raised, created or implement (``own=True``), and an admin is not a CAB
member or change manager by being admin (CAB membership comes from the CAB).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"
    GROUP_LEAD = "group-lead"
    DESK_MANAGER = "desk-manager"
    CHANGE_MANAGER = "change-manager"
    PROBLEM_MANAGER = "problem-manager"
    SERVICE_OWNER = "service-owner"
    ADMIN = "admin"
    VIEWER = "viewer"


#: Roles an admin grants; the others are derived from the records.
GRANTED: frozenset[Role] = frozenset(Role) - {Role.GROUP_LEAD, Role.SERVICE_OWNER}

#: What the owner of a personal desk holds: everything but the read-only role.
OWNER_ROLES: tuple[Role, ...] = (
    Role.ADMIN,
    Role.AGENT,
    Role.DESK_MANAGER,
    Role.CHANGE_MANAGER,
    Role.PROBLEM_MANAGER,
)


class Action(StrEnum):
    """What a user does, as named in the README's table; values are stable (JSON, audit)."""

    READ = "read"
    TICKET_WRITE = "ticket.write"
    CONTACT_WRITE = "contact.write"
    HANDOVER_WRITE = "handover.write"
    CSAT_RECORD = "csat.record"
    EVENT_INGEST = "event.ingest"
    SLA_ESCALATE = "sla.escalate"
    SLA_IMPROVE = "sla.improve"
    CHANGE_WRITE = "change.write"
    CHANGE_VOTE = "change.vote"
    CHANGE_DECIDE = "change.decide"
    PROBLEM_RAISE = "problem.raise"
    PROBLEM_MANAGE = "problem.manage"
    KEDB_PUBLISH = "kedb.publish"
    CATALOGUE_WRITE = "catalogue.write"
    CAB_MANAGE = "cab.manage"
    DEFINITIONS_APPLY = "definitions.apply"
    TEAM_MANAGE = "team.manage"
    DEMO_SEED = "demo.seed"
    DB_BACKUP = "db.backup"
    DB_CHECK = "db.check"
    DB_RESTORE = "db.restore"
    AUDIT_VERIFY = "audit.verify"
    AUDIT_EXPORT = "audit.export"


#: What each action is, in the words of a refusal ("... may not <verb>").
VERBS: dict[Action, str] = {
    Action.READ: "read the desk",
    Action.TICKET_WRITE: "log or change tickets",
    Action.CONTACT_WRITE: "add callers",
    Action.HANDOVER_WRITE: "write, sign off or acknowledge a handover",
    Action.CSAT_RECORD: "record satisfaction answers",
    Action.EVENT_INGEST: "take in events",
    Action.SLA_ESCALATE: "run SLA escalations",
    Action.SLA_IMPROVE: "add service improvement plan items",
    Action.CHANGE_WRITE: "raise or move changes",
    Action.CHANGE_VOTE: "vote on a change",
    Action.CHANGE_DECIDE: "decide on or reject a change",
    Action.PROBLEM_RAISE: "raise a problem",
    Action.PROBLEM_MANAGE: "update problems, link incidents or record known errors",
    Action.KEDB_PUBLISH: "publish or retire known errors",
    Action.CATALOGUE_WRITE: "change the service catalogue",
    Action.CAB_MANAGE: "change a CAB's manager, members or rule",
    Action.DEFINITIONS_APPLY: "apply definitions (team, SLA, change windows, event rules, shifts)",
    Action.TEAM_MANAGE: "add, change or deactivate agents and groups",
    Action.DEMO_SEED: "fill the desk with demo data",
    Action.DB_BACKUP: "back up the desk",
    Action.DB_CHECK: "check the desk's database",
    Action.DB_RESTORE: "restore the desk from a backup",
    Action.AUDIT_VERIFY: "verify the audit trail",
    Action.AUDIT_EXPORT: "export the audit trail",
}

_STAFF = frozenset(Role) - {Role.VIEWER}
_KEEPERS = frozenset({Role.ADMIN, Role.DESK_MANAGER})  # who keeps the desk safe: backups, checks
_AUDITORS = _KEEPERS | {Role.VIEWER}  # an outside auditor is given the read-only role

#: The permission table: an action is allowed to an agent holding any role of its set.
TABLE: dict[Action, frozenset[Role]] = {
    Action.READ: frozenset(Role),
    Action.TICKET_WRITE: _STAFF,
    Action.CONTACT_WRITE: _STAFF,
    Action.HANDOVER_WRITE: _STAFF,
    Action.CSAT_RECORD: _STAFF,
    Action.EVENT_INGEST: _STAFF,
    Action.SLA_ESCALATE: _STAFF,
    Action.SLA_IMPROVE: frozenset({Role.DESK_MANAGER, Role.SERVICE_OWNER, Role.GROUP_LEAD}),
    Action.CHANGE_WRITE: _STAFF,
    Action.CHANGE_VOTE: _STAFF,  # and a member of the change's CAB (the CAB says who)
    Action.CHANGE_DECIDE: frozenset({Role.CHANGE_MANAGER}),  # and the CAB's manager
    Action.PROBLEM_RAISE: _STAFF,
    Action.PROBLEM_MANAGE: frozenset({Role.PROBLEM_MANAGER, Role.GROUP_LEAD}),
    Action.KEDB_PUBLISH: frozenset({Role.PROBLEM_MANAGER}),
    Action.CATALOGUE_WRITE: frozenset({Role.ADMIN, Role.SERVICE_OWNER}),
    Action.CAB_MANAGE: frozenset({Role.ADMIN}),
    Action.DEFINITIONS_APPLY: frozenset({Role.ADMIN}),
    Action.TEAM_MANAGE: frozenset({Role.ADMIN}),
    Action.DEMO_SEED: frozenset({Role.ADMIN}),
    Action.DB_BACKUP: _KEEPERS,
    Action.DB_CHECK: _KEEPERS,
    Action.DB_RESTORE: frozenset({Role.ADMIN}),  # replaces everyone's work
    Action.AUDIT_VERIFY: _AUDITORS,
    Action.AUDIT_EXPORT: _AUDITORS,
}

#: Actions where the subject's owner (raised, created or implements it) is refused.
APPROVALS: frozenset[Action] = frozenset({Action.CHANGE_VOTE, Action.CHANGE_DECIDE})

#: The order roles are named in, in the table and in refusals (the least powerful first).
ORDER: tuple[Role, ...] = (
    Role.VIEWER,
    Role.AGENT,
    Role.GROUP_LEAD,
    Role.SERVICE_OWNER,
    Role.DESK_MANAGER,
    Role.PROBLEM_MANAGER,
    Role.CHANGE_MANAGER,
    Role.ADMIN,
)


@dataclass(frozen=True)
class Decision:
    """The answer: allowed or not, the roles that would allow it, and why in words."""

    allowed: bool
    action: Action
    needed: tuple[Role, ...]
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def effective_roles(
    granted: Iterable[str], *, leads_group: bool = False, owns_service: bool = False
) -> frozenset[Role]:
    """The roles an agent acts with: what was granted, ``agent`` unless only a viewer, and
    the derived ones. Unknown names are ignored (a newer desk may know more roles)."""
    roles = {Role(r) for r in granted if r in Role._value2member_map_}
    roles -= {Role.GROUP_LEAD, Role.SERVICE_OWNER}  # never granted, only derived
    if roles == {Role.VIEWER}:
        return frozenset(roles)  # read-only, whatever the records say
    roles.discard(Role.VIEWER)
    roles.add(Role.AGENT)
    if leads_group:
        roles.add(Role.GROUP_LEAD)
    if owns_service:
        roles.add(Role.SERVICE_OWNER)
    return frozenset(roles)


def ordered(roles: Iterable[Role]) -> tuple[Role, ...]:
    given = set(roles)
    return tuple(r for r in ORDER if r in given)


def allowed(action: Action, roles: Iterable[Role], *, own: bool = False) -> Decision:
    """May an agent holding ``roles`` do ``action``? ``own``: the subject is theirs to approve."""
    needed = ordered(TABLE[action])
    held = frozenset(roles)
    if not held & TABLE[action]:
        names = " or ".join(needed)
        return Decision(False, action, needed, f"to {VERBS[action]} needs the role {names}")
    if own and action in APPROVALS:
        return Decision(
            False,
            action,
            needed,
            "nobody approves or decides a change they raised, created or implement",
        )
    return Decision(True, action, needed)


def markdown_table() -> str:
    """The README's table: one row per action, one column per role, 'yes' where allowed."""
    head = "| action | " + " | ".join(ORDER) + " |"
    rule = "|---|" + "---|" * len(ORDER)
    rows = [
        f"| `{a.value}` ({VERBS[a]}) | " + " | ".join("yes" if r in TABLE[a] else "-" for r in ORDER) + " |"
        for a in Action
    ]
    return "\n".join([head, rule, *rows])
