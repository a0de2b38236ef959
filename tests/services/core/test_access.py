"""The permission table enforced in the services, on both databases: every action x role.

Each role gets one agent holding that role alone (granted, or derived: a group's lead, a
service's owner), each acting as its own OS account on a personal desk owned by alice. Every
action is tried by every one of them through the public service; a refusal by the table is a
``NotPermitted`` naming that action, anything else (done, not found, invalid) means the
permission check let it through. The expected answer is the domain's table.
"""

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from deskterm.demo import tickets as demo
from deskterm.domain.core.clock import FixedClock
from deskterm.domain.core.permissions import TABLE, Action, Role
from deskterm.domain.problems.problem import KnownErrorStatus
from deskterm.services.changes import cab, change_windows, changes
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import DesktermError, NotPermitted
from deskterm.services.core.identity import OsIdentity
from deskterm.services.db import audit, backup, integrity, restore
from deskterm.services.events import event_rules, events
from deskterm.services.handover import handover
from deskterm.services.people import agents, team
from deskterm.services.problems import kedb, problem_views, problems
from deskterm.services.reports import csat
from deskterm.services.sla import sla_definitions, sla_reports
from deskterm.store.models import AuditEntry
from tests.conftest import open_desk
from tests.services import factories as f

ROLES = list(Role)
NOWHERE = Path("/nonexistent-deskterm-folder")  # backup and restore fail there, once allowed
EVENT = '{"source": "mon", "node": "web-01", "check": "ping", "severity": "minor"}'


def _bad_ref(kind: str) -> str:
    return {"INC": "INC-9999", "CHG": "CHG-9999", "PRB": "PRB-9999", "KE": "KE-9999"}[kind]


# One call per action; it must reach the permission check (no validation before it).
CALLS: dict[Action, Callable[[Desk, str], object]] = {
    Action.READ: lambda d, r: agents.list_agents(d),
    Action.TICKET_WRITE: lambda d, r: f.note(d, _bad_ref("INC")),
    Action.CONTACT_WRITE: lambda d, r: f.contact(d, f"Caller of {r}"),
    Action.HANDOVER_WRITE: lambda d, r: handover.set_note(d, f"quiet shift for {r}"),
    Action.CSAT_RECORD: lambda d, r: csat.record(d, _bad_ref("INC"), 5),
    Action.EVENT_INGEST: lambda d, r: events.ingest(
        d, ['{"source": "mon", "node": "web-01", "check": "ping"}']
    ),
    Action.SLA_ESCALATE: lambda d, r: sla_reports.run_escalations(d),
    Action.SLA_IMPROVE: lambda d, r: sla_reports.add_sip(
        d, "shorter waits", "nobody-at-all", date(2026, 12, 31)
    ),
    Action.CHANGE_WRITE: lambda d, r: changes.submit(d, _bad_ref("CHG")),
    Action.CHANGE_VOTE: lambda d, r: changes.vote(d, _bad_ref("CHG"), "approve"),
    Action.CHANGE_DECIDE: lambda d, r: changes.decide(d, _bad_ref("CHG"), True),
    Action.PROBLEM_RAISE: lambda d, r: problems.raise_problem(
        d, problem_views.RaiseProblem(title=f"recurring outage seen by {r}")
    ),
    Action.PROBLEM_MANAGE: lambda d, r: problems.update_problem(
        d, problem_views.UpdateProblem(ref=_bad_ref("PRB"), title="renamed")
    ),
    Action.KEDB_PUBLISH: lambda d, r: kedb.set_status(d, _bad_ref("KE"), KnownErrorStatus.RETIRED),
    Action.CATALOGUE_WRITE: lambda d, r: f.service(d, f"Service of {r}"),
    Action.CAB_MANAGE: lambda d, r: cab.update(d, "no such CAB", rule="any"),
    Action.DEFINITIONS_APPLY: lambda d, r: sla_definitions.apply(d, ""),
    Action.TEAM_MANAGE: lambda d, r: agents.update_agent(d, "nobody-at-all", agents.AgentFields()),
    Action.DEMO_SEED: lambda d, r: demo.generate_demo(d, tickets=0),
    Action.DB_BACKUP: lambda d, r: backup.backup(d, NOWHERE / "desk.bak"),
    Action.DB_CHECK: lambda d, r: integrity.check(d),
    Action.DB_RESTORE: lambda d, r: restore.restore(d, NOWHERE / "desk.bak"),
    Action.AUDIT_VERIFY: lambda d, r: audit.verify(d),
    Action.AUDIT_EXPORT: lambda d, r: audit.export(d),
}

# The other definitions areas take the same role as the SLA file.
DEFINITIONS: list[Callable[[Desk], object]] = [
    lambda d: change_windows.apply(d, ""),
    lambda d: event_rules.apply(d, ""),
    lambda d: team.apply(d, "", dry_run=True),
]


class Desks:
    """alice owns the personal desk; one more OS account per role, holding only that role."""

    def __init__(self, url: str, clock: FixedClock) -> None:
        self.url, self.clock = url, clock
        self.opened: list[Desk] = []
        self.owner = self._open(OsIdentity(uid=4242, login="alice", display_name="Alice"))
        self.owner.whoami()
        self.by_role: dict[Role, Desk] = {}
        for n, role in enumerate(ROLES):
            login = f"r-{role.value}"
            d = self._open(OsIdentity(uid=7000 + n, login=login, display_name=role.value))
            d.whoami()  # enrolled on first use: an ordinary agent
            if role is Role.GROUP_LEAD:
                agents.add_group(self.owner, f"Led by {login}", tier=2, lead=login)
            elif role is Role.SERVICE_OWNER:
                f.service(self.owner, f"Owned by {login}", owner=login)
            elif role is not Role.AGENT:
                f.grant(self.owner, login, role.value)
            self.by_role[role] = d

    def _open(self, identity: OsIdentity) -> Desk:
        d = open_desk(self.url, self.clock, identity)
        self.opened.append(d)
        return d

    def close(self) -> None:
        for d in self.opened:
            d.close()


@pytest.fixture
def desks(db_url: str, clock: FixedClock) -> Iterator[Desks]:
    ds = Desks(db_url, clock)
    yield ds
    ds.close()


def refused_by_table(call: Callable[[], object], action: Action) -> bool:
    try:
        call()
    except NotPermitted as exc:  # another rule (e.g. not this CAB's manager) is not the table's
        return bool(exc.details.get("action") == action.value)
    except DesktermError:
        return False
    return False


@pytest.mark.parametrize("action", list(Action))
def test_every_action_for_every_role(desks: Desks, action: Action) -> None:
    wrong = []
    for role in ROLES:
        d = desks.by_role[role]
        refused = refused_by_table(lambda d=d, r=role.value: CALLS[action](d, r), action)  # type: ignore[misc]
        if refused is (role in TABLE[action]):
            wrong.append(f"{role.value}: {'refused' if refused else 'allowed'}")
    assert not wrong, f"{action.value} disagrees with the table for {wrong}"


def test_every_definitions_area_needs_an_admin(desks: Desks) -> None:
    for role in ROLES:
        for call in DEFINITIONS:
            expected = role is Role.ADMIN
            d = desks.by_role[role]
            refused = refused_by_table(lambda c=call, d=d: c(d), Action.DEFINITIONS_APPLY)  # type: ignore[misc]
            assert refused is not expected, role


def test_a_refusal_names_the_role_and_who_grants_it_and_is_audited(desks: Desks) -> None:
    agent = desks.by_role[Role.AGENT]
    with pytest.raises(NotPermitted) as caught:
        sla_definitions.apply(agent, "")
    message = caught.value.message
    assert "r-agent may not apply definitions" in message
    assert "the role admin" in message and "ask an admin of this desk (alice, r-admin)" in message
    assert caught.value.exit_code == 7
    with desks.owner.reading() as s:
        rows = s.execute(
            select(AuditEntry.field, AuditEntry.old, AuditEntry.new).where(AuditEntry.record_kind == "access")
        ).all()
    assert ("refused", "definitions.apply", message) in [tuple(r) for r in rows]


def test_a_viewer_reads_but_writes_nothing(desks: Desks) -> None:
    viewer = desks.by_role[Role.VIEWER]
    assert agents.whoami(viewer).roles == ["viewer"]
    assert [a.login for a in agents.list_agents(viewer)][:1] == ["alice"]
    with pytest.raises(NotPermitted, match="without the role"):
        f.contact(viewer, "Somebody")


def test_the_personal_desks_owner_holds_every_role_but_viewer(desks: Desks) -> None:
    me = agents.whoami(desks.owner)
    assert me.desk == "personal" and set(me.roles) == {
        "agent",
        "desk-manager",
        "problem-manager",
        "change-manager",
        "admin",
    }
    assert me.established_by.startswith("personal desk: OS account alice (uid 4242)")
    assert agents.whoami(desks.by_role[Role.AGENT]).roles == ["agent"]
