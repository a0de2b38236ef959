"""Change management services on SQLite and PostgreSQL: the RFC workflow, CAB votes and the
change manager's word, collisions as windows move, windows as code, calendar, KPIs, demo."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from deskterm.demo import changes as demo_changes
from deskterm.demo import tickets as demo
from deskterm.domain.changes.change import ApprovalLevel, CabOutcome, ChangeOutcome, ChangeState, ChangeType
from deskterm.domain.changes.schedule import CollisionKind
from deskterm.domain.core.clock import FixedClock
from deskterm.domain.core.vocabulary import CIRelation
from deskterm.services.catalogue import catalogue
from deskterm.services.changes import cab, change_windows, changes
from deskterm.services.changes.change_views import ChangeDetail, RaiseChange, UpdateChange
from deskterm.services.core.commands import validate
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from deskterm.services.core.identity import OsIdentity
from deskterm.store.models import AuditEntry
from tests.conftest import FROZEN, open_desk
from tests.services import factories as f

S = ChangeState
NIGHT = datetime(2026, 12, 1, 22, tzinfo=UTC)  # a Tuesday
COMPLETE: dict[str, Any] = {
    "reason": "end of support",
    "expected_return": "supported version",
    "risks": "mail down if it overruns",
    "resources": "2 hours of dan",
    "responsible": "build: dan; test: bob; implementation: dan",
    "relationships": ["none"],
    "implementation_plan": "1. backup 2. upgrade 3. verify",
    "backout_plan": "restore the backup",
    "test_plan": "send a mail",
}
WINDOWS = """
[[blackout]]
name = "Year-end freeze"
start = 2026-12-20T00:00:00+01:00
end = 2027-01-04T00:00:00+01:00

[[maintenance]]
service = "Email"
days = ["sat", "sun"]
hours = "22:00-04:00"
timezone = "Europe/Berlin"

[[maintenance]]
ci = "db-host"
days = ["mon-fri"]
hours = "21:00-23:30"

[[template]]
name = "patching"
title = "Monthly patching"
reason = "monthly security updates"
return = "patched servers"
risks = "a server may not reboot"
resources = "1 hour"
responsible = "dan"
plan = "patch and reboot"
backout = "uninstall the update"
test = "check the services"
cis = ["web-01"]
"""


class Team:
    """One desk per agent (each its own OS identity), all on the same database and clock."""

    def __init__(self, url: str, clock: FixedClock) -> None:
        self.url, self.clock = url, clock
        self.desks: dict[str, Desk] = {}

    def __getitem__(self, login: str) -> Desk:
        if login not in self.desks:
            uid = 5000 + len(self.desks)
            d = open_desk(self.url, self.clock, OsIdentity(uid=uid, login=login, display_name=login.title()))
            d.whoami()
            self.desks[login] = d
        return self.desks[login]

    def close(self) -> None:
        for d in self.desks.values():
            d.close()


@pytest.fixture
def team(db_url: str, clock: FixedClock) -> Iterator[Team]:
    t = Team(db_url, clock)
    ana = t["ana"]  # raises changes
    for login in ("bob", "carol", "dan", "erin", "mgr", "boss"):
        t[login]
    f.grant(ana, "mgr", "change-manager")
    f.grant(ana, "boss", "change-manager")
    f.service(ana, "Email")
    f.ci(ana, "mail-db", services=["Email"])
    f.ci(ana, "db-host")
    f.ci(ana, "web-01")
    catalogue.relate_cis(ana, "mail-db", CIRelation.RUNS_ON, "db-host")
    cab.add(ana, "CAB", manager="mgr", members=["bob", "carol", "dan"], rule="majority")
    cab.add(ana, "ECAB", manager="boss", members=["bob", "erin"], rule="any", emergency=True)
    yield t
    t.close()


def raise_(desk: Desk, title: str = "Upgrade mail-db", **kw: Any) -> ChangeDetail:
    data: dict[str, Any] = {"cis": ["mail-db"], **COMPLETE, **kw}
    return changes.raise_change(desk, validate(RaiseChange, title=title, **data))


def window(day: int = 0, hour: int = 22, hours: int = 2) -> tuple[datetime, datetime]:
    start = NIGHT + timedelta(days=day, hours=hour - 22)
    return start, start + timedelta(hours=hours)


def authorised(team: Team, **kw: Any) -> ChangeDetail:
    """A normal change through the CAB to scheduled (bob and carol approve, mgr decides)."""
    start, end = window()
    kw.setdefault("business_risk", "high")  # a CAB-level change
    c = raise_(team["ana"], planned_start=start, planned_end=end, implementer="dan", **kw)
    changes.submit(team["ana"], c.ref)
    changes.vote(team["bob"], c.ref, "approve", "fine")
    changes.vote(team["carol"], c.ref, "approve", "ok")
    return changes.decide(team["mgr"], c.ref, True, "go")


# --- raising and the 7 Rs -------------------------------------------------------------------------


def test_raise_saves_a_draft_with_priority_risk_and_audit(team: Team) -> None:
    c = raise_(
        team["ana"], impact="high", urgency="high", business_risk="high", financial="medium", scope="medium"
    )
    assert (c.ref, c.state, c.version) == ("CHG-1", S.DRAFT, 1)
    assert c.priority.value == "P1"
    assert c.approval_level is ApprovalLevel.MANAGEMENT
    assert c.raised_by == "ana" and c.created_by == "ana"
    assert c.missing == [] and c.no_relationship
    assert c.outage_services == ["Email"]  # mail-db delivers Email
    assert [(t.field, t.new) for t in c.timeline][:3] == [
        ("created", "CHG-1"),
        ("type", "normal"),
        ("state", "draft"),
    ]


def test_outage_walks_up_the_relationships(team: Team) -> None:
    c = raise_(team["ana"], cis=["db-host"])  # mail-db runs on db-host, and feeds Email
    assert c.outage_services == ["Email"]
    assert raise_(team["ana"], cis=["web-01"]).outage_services == []


def test_submitting_an_incomplete_rfc_names_exactly_what_is_missing(team: Team) -> None:
    c = changes.raise_change(team["ana"], validate(RaiseChange, title="Quick fix", reason="because"))
    with pytest.raises(InvalidInput) as err:
        changes.submit(team["ana"], c.ref)
    assert err.value.exit_code == 4
    assert err.value.details["missing"] == [
        "return",
        "risks",
        "resources",
        "responsible",
        "relationship",
        "implementation plan",
        "backout plan",
        "test plan",
        "CI or service",
    ]
    assert "cannot leave draft: return, risks" in err.value.message
    assert changes.get_change(team["ana"], c.ref).state is S.DRAFT


def test_update_fills_the_gaps_then_submit_works(team: Team) -> None:
    c = changes.raise_change(team["ana"], validate(RaiseChange, title="Quick fix"))
    c = changes.update_change(
        team["ana"], c.ref, validate(UpdateChange, cis=["web-01"], **COMPLETE), expected_version=1
    )
    assert c.version == 2 and c.missing == []
    assert changes.submit(team["ana"], c.ref).state is S.AUTHORISATION


def test_stale_update_is_a_conflict_naming_who_changed_what(team: Team) -> None:
    c = raise_(team["ana"])
    changes.update_change(team["bob"], c.ref, validate(UpdateChange, risks="more"), expected_version=1)
    with pytest.raises(Conflict, match="risks by bob"):
        changes.update_change(team["ana"], c.ref, validate(UpdateChange, title="x"), expected_version=1)


def test_fields_are_frozen_once_in_authorisation(team: Team) -> None:
    c = raise_(team["ana"])
    changes.submit(team["ana"], c.ref)
    with pytest.raises(InvalidInput, match="only in draft or assessment"):
        changes.update_change(team["ana"], c.ref, validate(UpdateChange, title="x"), expected_version=None)


@pytest.mark.parametrize(
    ("kw", "error", "words"),
    [
        ({"cis": ["nope"]}, NotFound, "no configuration item"),
        ({"implementer": "ghost"}, NotFound, "no agent"),
        ({"relationships": ["CHG-99"]}, NotFound, "no change CHG-99"),
        ({"relationships": ["INC-1"]}, InvalidInput, "not a change"),
    ],
)
def test_bad_references_are_refused(
    team: Team, kw: dict[str, Any], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        raise_(team["ana"], **kw)


def test_relationships_link_changes(team: Team) -> None:
    first = raise_(team["ana"])
    second = raise_(team["ana"], relationships=[first.ref.lower().replace("-", "")])
    assert second.relationships == [first.ref] and not second.no_relationship


def test_a_window_must_be_whole_aware_and_forward() -> None:
    with pytest.raises(InvalidInput, match="both a start and an end"):
        validate(RaiseChange, title="x", planned_start=NIGHT)
    with pytest.raises(InvalidInput, match="after the planned start"):
        validate(RaiseChange, title="x", planned_start=NIGHT, planned_end=NIGHT)


# --- the CAB ----------------------------------------------------------------------------------------


def test_the_whole_normal_workflow(team: Team) -> None:
    c = authorised(team, business_risk="high")
    assert c.state is S.SCHEDULED and c.authorised and c.cab == "CAB"
    assert c.cab_outcome is CabOutcome.APPROVED and c.decided_by == "mgr"
    assert [(v.voter, v.decision.value, v.comment) for v in c.votes] == [
        ("bob", "approve", "fine"),
        ("carol", "approve", "ok"),
    ]
    c = changes.implement(team["dan"], c.ref)
    assert c.state is S.IMPLEMENTING and c.actual_start == FROZEN
    c = changes.review(
        team["ana"], c.ref, "successful", "went fine", benefits_realised=True, within_cost=True
    )
    assert c.state is S.REVIEW and c.review is not None and c.review.reviewer == "ana"
    c = changes.close(team["ana"], c.ref)
    assert (c.state, c.outcome) == (S.CLOSED, ChangeOutcome.SUCCESSFUL)
    states = [t.new for t in c.timeline if t.field == "state"]
    assert states == ["draft", "assessment", "authorisation", "scheduled", "implementing", "review", "closed"]
    assert c.allowed_moves == []


def test_nobody_approves_their_own_change(team: Team) -> None:
    start, end = window()
    c = raise_(team["ana"], implementer="dan", business_risk="high", planned_start=start, planned_end=end)
    changes.submit(team["ana"], c.ref)
    with pytest.raises(NotPermitted, match="nobody approves their own change") as err:
        changes.vote(team["dan"], c.ref, "approve", "mine")
    assert err.value.exit_code == 7
    with pytest.raises(NotPermitted, match="not a member of the CAB"):
        changes.vote(team["erin"], c.ref, "approve")
    own = raise_(team["mgr"], business_risk="high")
    changes.submit(team["mgr"], own.ref)
    changes.vote(team["bob"], own.ref, "approve")
    changes.vote(team["carol"], own.ref, "approve")
    with pytest.raises(NotPermitted, match="nobody approves their own change"):
        changes.decide(team["mgr"], own.ref, True)


def test_the_manager_waits_for_the_cab_rule(team: Team) -> None:
    c = raise_(team["ana"], business_risk="high", implementer="dan")
    changes.submit(team["ana"], c.ref)
    changes.vote(team["bob"], c.ref, "approve")
    with pytest.raises(NotPermitted, match=r"rule majority, 1 of 2 votes cast, recommendation pending"):
        changes.decide(team["mgr"], c.ref, True)
    with pytest.raises(NotPermitted, match="without the role change-manager"):
        changes.decide(team["bob"], c.ref, True)
    with pytest.raises(NotPermitted, match="only the change manager of CAB"):
        changes.decide(team["boss"], c.ref, True)  # a change manager, of the ECAB
    c = changes.vote(team["carol"], c.ref, "reject", "no backout tested")
    assert c.cab_outcome is CabOutcome.REJECTED  # 1 to 1 of 2 eligible (dan implements): no majority
    with pytest.raises(NotPermitted, match="recommendation rejected"):
        changes.decide(team["mgr"], c.ref, True)
    c = changes.vote(team["bob"], c.ref, "abstain", "changed my mind")  # replaces bob's vote
    assert c.cab_outcome is CabOutcome.REJECTED and len(c.votes) == 2
    assert {v.voter: v.decision.value for v in c.votes} == {"bob": "abstain", "carol": "reject"}
    c = changes.decide(team["mgr"], c.ref, False, "rework the backout plan")
    assert c.state is S.REJECTED and c.decision_comment == "rework the backout plan"


def test_management_level_needs_every_member(team: Team) -> None:
    c = raise_(team["ana"], business_risk="high", financial="high", scope="medium")
    assert c.approval_level is ApprovalLevel.MANAGEMENT
    changes.submit(team["ana"], c.ref)
    changes.vote(team["bob"], c.ref, "approve")
    c = changes.vote(team["carol"], c.ref, "approve")
    assert c.cab_rule.value == "all" and c.cab_outcome is CabOutcome.PENDING
    c = changes.vote(team["dan"], c.ref, "approve")
    assert c.cab_outcome is CabOutcome.APPROVED


def test_change_manager_level_is_decided_without_votes(team: Team) -> None:
    c = raise_(team["ana"], business_risk="low")
    assert c.approval_level is ApprovalLevel.CHANGE_MANAGER
    changes.submit(team["ana"], c.ref)
    with pytest.raises(InvalidInput, match="decides alone"):
        changes.vote(team["bob"], c.ref, "approve")
    c = changes.decide(team["mgr"], c.ref, True)
    assert c.authorised and c.state is S.AUTHORISATION  # no window yet
    start, end = window()
    assert changes.schedule(team["ana"], c.ref, start, end).state is S.SCHEDULED


def test_standard_changes_skip_the_cab(team: Team) -> None:
    change_windows.apply(team["ana"], WINDOWS, "windows.toml")
    start, end = window()
    c = raise_(team["ana"], type="standard", template="patching", planned_start=start, planned_end=end)
    c = changes.submit(team["ana"], c.ref)
    assert c.state is S.SCHEDULED and c.authorised and c.cab is None
    c = raise_(team["ana"], type="standard", template="patching")
    c = changes.submit(team["ana"], c.ref)
    assert c.state is S.ASSESSMENT and c.authorised
    assert changes.schedule(team["ana"], c.ref, start, end).state is S.SCHEDULED


def test_a_standard_change_needs_its_template(team: Team) -> None:
    c = raise_(team["ana"], type="standard")
    with pytest.raises(InvalidInput, match="template is missing"):
        changes.submit(team["ana"], c.ref)
    with pytest.raises(NotFound, match=r"no standard change template is named 'nope' \(defined: none yet\)"):
        raise_(team["ana"], type="standard", template="nope")


def test_a_template_fills_what_the_rfc_leaves_empty(team: Team) -> None:
    ana = team["ana"]
    assert changes.templates(ana) == []
    change_windows.apply(ana, WINDOWS, "windows.toml")
    assert changes.templates(ana) == ["patching"]
    c = changes.raise_change(
        ana,
        validate(
            RaiseChange, type="standard", title="Patch web-01", template="PATCHING", risks="none really"
        ),
    )
    assert (c.template, c.cis, c.risks, c.backout_plan) == (
        "patching",
        ["web-01"],
        "none really",
        "uninstall the update",
    )
    assert c.missing == [] and c.no_relationship
    start, end = window()
    changes.schedule(ana, c.ref, start, end)
    assert changes.submit(ana, c.ref).state is S.SCHEDULED
    change_windows.apply(
        ana, WINDOWS.split("[[template]]")[0], "windows.toml", prune=True
    )  # the template is withdrawn
    d = changes.raise_change(
        ana, validate(RaiseChange, type="standard", title="x", cis=["web-01"], **COMPLETE)
    )
    with pytest.raises(NotFound, match="no standard change template is named 'patching'"):
        changes.update_change(ana, d.ref, validate(UpdateChange, template="patching"), expected_version=None)


def test_emergency_changes_go_to_the_emergency_cab(team: Team) -> None:
    start, end = window()
    c = raise_(team["ana"], type="emergency", planned_start=start, planned_end=end)
    c = changes.submit(team["ana"], c.ref)
    assert (c.cab, c.approval_level) == ("ECAB", ApprovalLevel.EMERGENCY_CAB)
    c = changes.vote(team["erin"], c.ref, "approve", "go now")
    assert c.cab_outcome is CabOutcome.APPROVED  # rule any
    assert changes.decide(team["boss"], c.ref, True).state is S.SCHEDULED


def test_no_cab_defined_says_how_to_add_one(db_url: str, clock: FixedClock) -> None:
    desk = open_desk(db_url, clock)
    try:
        f.ci(desk, "mail-db")
        c = raise_(desk, type="emergency")
        with pytest.raises(InvalidInput, match=r"needs an emergency CAB.*cab add NAME .* --emergency"):
            changes.submit(desk, c.ref)
    finally:
        desk.close()


def test_emergency_implemented_before_authorisation_counts_as_unauthorised(team: Team) -> None:
    c = raise_(team["ana"], type="emergency", planned_start=FROZEN, planned_end=FROZEN + timedelta(hours=1))
    changes.submit(team["ana"], c.ref)
    c = changes.implement(team["dan"], c.ref)
    assert c.state is S.IMPLEMENTING and not c.authorised
    k = changes.kpi(team["ana"], FROZEN - timedelta(days=1), FROZEN + timedelta(days=1))
    assert k.unauthorised == 1
    with pytest.raises(InvalidInput, match="emergency change: record its post-implementation review"):
        changes.close(team["ana"], c.ref, "successful")
    changes.vote(team["erin"], c.ref, "approve", "agreed by phone")
    assert changes.decide(team["boss"], c.ref, True, "retrospective").authorised
    changes.review(team["ana"], c.ref, "successful", "fast fix, document earlier next time")
    assert changes.close(team["ana"], c.ref).state is S.CLOSED


# --- implementation, review, close --------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["failed", "backed-out"])
def test_failed_and_backed_out_changes_need_a_review(team: Team, outcome: str) -> None:
    c = authorised(team)
    changes.implement(team["dan"], c.ref)
    with pytest.raises(InvalidInput, match=f"a {outcome} change: record its post-implementation review"):
        changes.close(team["ana"], c.ref, outcome)
    changes.review(team["ana"], c.ref, outcome, "the backout worked")
    assert changes.close(team["ana"], c.ref).outcome.value == outcome


def test_a_successful_change_closes_without_review(team: Team) -> None:
    c = authorised(team)
    changes.implement(team["dan"], c.ref)
    c = changes.close(team["ana"], c.ref, "successful-with-issues")
    assert c.state is S.CLOSED and c.actual_end == FROZEN and not c.review_required


def test_close_needs_an_outcome_and_an_implemented_change(team: Team) -> None:
    c = authorised(team)
    with pytest.raises(InvalidInput, match="only an implemented change is closed"):
        changes.close(team["ana"], c.ref, "successful")
    changes.implement(team["dan"], c.ref)
    with pytest.raises(InvalidInput, match="--outcome successful"):
        changes.close(team["ana"], c.ref)


def test_cancel_and_reject_need_a_reason_and_the_right_person(team: Team) -> None:
    c = raise_(team["ana"])
    with pytest.raises(InvalidInput, match="say why"):
        changes.cancel(team["ana"], c.ref, " ")
    changes.submit(team["ana"], c.ref)
    with pytest.raises(NotPermitted, match="without the role change-manager"):
        changes.reject(team["bob"], c.ref, "no")
    with pytest.raises(NotPermitted, match="only a change manager rejects"):
        changes.reject(team["boss"], c.ref, "no")  # a change manager, of the ECAB
    c = changes.reject(team["mgr"], c.ref, "not now")
    assert c.state is S.REJECTED
    with pytest.raises(InvalidInput, match="it can go to nowhere"):
        changes.cancel(team["ana"], c.ref, "too late")
    d = raise_(team["ana"])
    assert changes.cancel(team["ana"], d.ref, "not needed").state is S.CANCELLED


def test_the_board_moves_through_the_use_cases(team: Team) -> None:
    c = raise_(team["ana"], business_risk="low")
    assert changes.move(team["ana"], c.ref, S.ASSESSMENT).state is S.ASSESSMENT
    assert changes.move(team["ana"], c.ref, S.DRAFT).state is S.DRAFT
    with pytest.raises(InvalidInput, match="cannot move from draft to scheduled"):
        changes.move(team["ana"], c.ref, S.SCHEDULED)
    changes.move(team["ana"], c.ref, S.ASSESSMENT)
    assert changes.move(team["ana"], c.ref, S.AUTHORISATION).cab == "CAB"
    with pytest.raises(InvalidInput, match="no planned window"):
        changes.move(team["ana"], c.ref, S.SCHEDULED)
    start, end = window()
    changes.schedule(team["ana"], c.ref, start, end)
    with pytest.raises(NotPermitted, match="not authorised yet"):
        changes.move(team["ana"], c.ref, S.SCHEDULED)
    changes.decide(team["mgr"], c.ref, True)
    assert changes.get_change(team["ana"], c.ref).state is S.SCHEDULED
    assert changes.move(team["ana"], c.ref, S.IMPLEMENTING).state is S.IMPLEMENTING
    assert changes.move(team["ana"], c.ref, S.REVIEW).state is S.REVIEW
    with pytest.raises(InvalidInput, match="--outcome"):
        changes.move(team["ana"], c.ref, S.CLOSED)
    incomplete = changes.raise_change(team["ana"], validate(RaiseChange, title="bare"))
    with pytest.raises(InvalidInput, match="cannot leave draft"):
        changes.move(team["ana"], incomplete.ref, S.ASSESSMENT)


def test_link_incident_caused_by_the_change(team: Team) -> None:
    f.contact(team["ana"])
    inc = f.log(team["ana"], title="Mail down after the upgrade")
    c = raise_(team["ana"])
    c = changes.link_incident(team["ana"], c.ref, inc.ref)
    assert c.incidents == [inc.ref]
    assert changes.link_incident(team["ana"], c.ref, inc.ref).version == c.version  # idempotent
    req = f.log(team["ana"], title="New mailbox", kind="request")
    with pytest.raises(InvalidInput, match="service request"):
        changes.link_incident(team["ana"], c.ref, req.ref)
    k = changes.kpi(team["ana"], FROZEN - timedelta(days=1), FROZEN + timedelta(days=1))
    assert k.disruptions == 1


# --- collisions and the schedule ----------------------------------------------------------------


def kinds(c: ChangeDetail) -> list[tuple[str, str]]:
    return [(x.kind.value, x.other) for x in c.collisions]


def test_collisions_follow_the_windows(team: Team) -> None:
    ana = team["ana"]
    start, end = window()
    a = raise_(
        ana, "Upgrade mail-db", cis=["mail-db"], implementer="dan", planned_start=start, planned_end=end
    )
    later = timedelta(hours=1)
    b = raise_(
        ana,
        "Patch db-host",
        cis=["db-host"],
        implementer="dan",
        planned_start=start + later,
        planned_end=end + later,
    )
    c = raise_(
        ana, "Tune mail-db", cis=["mail-db"], implementer="carol", planned_start=start, planned_end=end
    )
    assert kinds(changes.get_change(ana, a.ref)) == [
        ("same-ci", c.ref),
        ("related-ci", b.ref),
        ("implementer", b.ref),
    ]
    assert kinds(changes.get_change(ana, b.ref)) == [
        ("related-ci", a.ref),
        ("related-ci", c.ref),
        ("implementer", a.ref),
    ]
    # moving b away clears its collisions, on both sides
    changes.schedule(ana, b.ref, start + timedelta(days=2), end + timedelta(days=2))
    assert kinds(changes.get_change(ana, a.ref)) == [("same-ci", c.ref)]
    # a cancelled change collides with nothing any more
    changes.cancel(ana, c.ref, "merged into the upgrade")
    assert kinds(changes.get_change(ana, a.ref)) == []
    rows = {r.ref: r for r in changes.list_changes(ana)}
    assert rows[a.ref].collision_count == 0 and rows[c.ref].collision_count == 0


def test_windows_file_brings_maintenance_and_blackout_collisions(team: Team) -> None:
    ana = team["ana"]
    tuesday = raise_(ana, cis=["mail-db"], planned_start=NIGHT, planned_end=NIGHT + timedelta(hours=1))
    assert kinds(tuesday) == []
    change_windows.apply(ana, WINDOWS, "windows.toml")
    got = changes.get_change(ana, tuesday.ref)
    assert kinds(got) == [("maintenance", "mail-db maintenance")]
    assert (
        "outside mail-db's maintenance window (sat,sun 22:00-04:00 Europe/Berlin)"
        in got.collisions[0].explanation
    )
    saturday = datetime(2026, 12, 5, 22, tzinfo=UTC)  # 23:00 in Berlin
    assert kinds(changes.schedule(ana, tuesday.ref, saturday, saturday + timedelta(hours=2))) == []
    xmas = datetime(2026, 12, 26, 22, tzinfo=UTC)
    assert kinds(changes.schedule(ana, tuesday.ref, xmas, xmas + timedelta(hours=2))) == [
        ("blackout", "Year-end freeze")
    ]
    summary = changes.list_changes(ana)[0]
    assert summary.collision_text == ["blackout: Year-end freeze"]


def test_windows_export_round_trips(team: Team) -> None:
    ana = team["ana"]
    first = change_windows.apply(ana, WINDOWS, "windows.toml")
    assert (first.blackouts, first.maintenance, first.templates, first.removed) == (1, 2, 1, [])
    text = change_windows.export(ana)
    assert "[[blackout]]" in text and 'service = "Email"' in text and 'ci = "db-host"' in text
    assert 'backout = "uninstall the update"' in text and 'cis = ["web-01"]' in text
    before = len(audit(ana))
    change_windows.apply(ana, text, "exported.toml")
    assert change_windows.export(ana) == text
    assert len(audit(ana)) == before  # the same windows again change nothing
    emptied = change_windows.apply(ana, "", "empty.toml", prune=True)
    assert emptied.removed == ["blackout Year-end freeze", "2 maintenance window(s)", "template patching"]


def audit(desk: Desk) -> list[str]:
    with desk.reading() as s:
        return list(s.scalars(select(AuditEntry.field).where(AuditEntry.record_kind == "change-window")))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[[blackout]\n", "not valid TOML"),
        ('[[blackout]]\nname = "x"\nstart = 2026-12-20T00:00:00Z\n', "blackout[1].end: Field required"),
        ('[[blackout]]\nname = "x"\nstart = 2026-12-20T00:00:00Z\nend = 2026-12-19T00:00:00Z\n',
         "blackout[1] 'x': an interval must end after it starts"),
        ('[[blackout]]\nname = "x"\nstart = 2026-12-20T00:00:00Z\nend = 2026-12-21T00:00:00Z\n'
         '[[blackout]]\nname = "x"\nstart = 2026-12-22T00:00:00Z\nend = 2026-12-23T00:00:00Z\n',
         "blackout[2] 'x': the name is used twice"),
        ('[[maintenance]]\nci = "nope"\ndays = ["sat"]\nhours = "22:00-02:00"\n',
         "maintenance[1]: ci: no configuration item is named 'nope'"),
        ('[[maintenance]]\nservice = "Nope"\ndays = ["sat"]\nhours = "22:00-02:00"\n', "no service is named"),
        ('[[maintenance]]\ndays = ["sat"]\nhours = "22:00-02:00"\n', "exactly one of ci or service"),
        ('[[maintenance]]\nci = "db-host"\ndays = ["someday"]\nhours = "22:00-02:00"\n', "not a day"),
        ('[[maintenance]]\nci = "db-host"\ndays = ["sat"]\nhours = "22-02"\n', "not a time"),
        ('[[maintenance]]\nci = "db-host"\ndays = ["sat"]\nhours = "22:00-02:00"\ntimezone = "Nowhere"\n',
         "not a time zone"),
        ('[[window]]\nname = "x"\n', "window: Extra inputs are not permitted"),
        ('[[template]]\nname = "t"\ntitle = "x"\n', "template[1].reason: Field required"),
        ('[[template]]\nname = "t"\ntitle = "x"\nreason = "r"\nreturn = "r"\nrisks = "r"\nresources = "r"\n'
         'responsible = "r"\nplan = "p"\nbackout = "b"\ntest = "t"\ncis = ["nope"]\n',
         "template[1] 't': cis: no configuration item is named 'nope'"),
    ],
)  # fmt: skip
def test_a_bad_windows_file_changes_nothing(team: Team, text: str, words: str) -> None:
    ana = team["ana"]
    change_windows.apply(ana, WINDOWS, "windows.toml")
    before = change_windows.export(ana)
    with pytest.raises(InvalidInput, match="nothing was changed") as err:
        change_windows.apply(ana, text, "bad.toml")
    assert words in err.value.message and err.value.message.startswith("bad.toml")
    assert change_windows.export(ana) == before


def test_calendar_windows_and_the_handover_lists(team: Team) -> None:
    ana = team["ana"]
    change_windows.apply(ana, WINDOWS, "windows.toml")
    done = authorised(team)
    changes.implement(team["dan"], done.ref)  # at FROZEN, 2026-11-24 09:30
    start, end = window(day=3)  # Friday 22:00
    later = raise_(ana, "Later", planned_start=start, planned_end=end)
    changes.submit(ana, later.ref)
    draft = raise_(ana, "Draft", planned_start=start, planned_end=end)
    week = (datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 7, tzinfo=UTC))
    cal = changes.calendar(ana, *week)
    assert [(r.ref, r.authorised) for r in cal] == [(done.ref, True), (later.ref, False), (draft.ref, False)]
    assert cal[1].collision_count >= 1
    occ = changes.windows(ana, *week)
    names = [o.name for o in occ]
    assert names.count("db-host maintenance") == 5  # mon-fri
    assert names.count("Email maintenance") == 3  # from Sunday night into Monday, then sat and sun
    assert occ[0].start == datetime(2026, 11, 29, 21, tzinfo=UTC) and occ == sorted(
        occ, key=lambda o: o.start
    )
    shift = (FROZEN - timedelta(hours=4), FROZEN + timedelta(hours=4))
    assert [r.ref for r in changes.implemented_between(ana, *shift)] == [done.ref]
    assert [r.ref for r in changes.scheduled_between(ana, *week)] == [done.ref, later.ref]  # no drafts
    with pytest.raises(InvalidInput, match="after its start"):
        changes.calendar(ana, week[1], week[0])


def test_kpis_over_a_period(team: Team, clock: FixedClock) -> None:
    ana = team["ana"]
    good = authorised(team)
    changes.implement(team["dan"], good.ref)
    changes.review(ana, good.ref, "successful", "fine", benefits_realised=True, within_cost=True)
    changes.close(ana, good.ref)
    bad = authorised(team)
    changes.implement(team["dan"], bad.ref)
    changes.review(ana, bad.ref, "failed", "no", benefits_realised=False, within_cost=False)
    changes.close(ana, bad.ref)
    open_one = raise_(ana, "Backlog item")
    k = changes.kpi(ana, FROZEN - timedelta(days=7), FROZEN + timedelta(days=7))
    assert (k.closed, k.met_quality, k.met_cost, k.met_all) == (2, 1, 1, 0)
    assert k.met_time == 0  # implemented at 09:30, before the planned 22:00 window
    assert (k.benefits_expected, k.benefits_realised) == (2, 1)
    assert (k.backlog, k.backlog_oldest) == (1, open_one.ref)
    assert k.backlog_oldest_age_days == 7.0 and k.previous_backlog == 0


# --- CABs ---------------------------------------------------------------------------------------


def test_cabs_list_update_and_agenda(team: Team) -> None:
    ana = team["ana"]
    assert [(c.name, c.rule.value, c.emergency) for c in cab.list(ana)] == [
        ("CAB", "majority", False),
        ("ECAB", "any", True),
    ]
    with pytest.raises(Conflict, match="exists already"):
        cab.add(ana, "cab", manager="mgr", members=["bob"])
    with pytest.raises(NotFound, match="no agent"):
        cab.add(ana, "Other", manager="nobody", members=["bob"])
    with pytest.raises(InvalidInput, match="at least one member"):
        cab.add(ana, "Other", manager="mgr", members=[])
    c = raise_(ana, business_risk="high")
    changes.submit(ana, c.ref)
    assert [r.ref for r in cab.agenda(ana, "cab")] == [c.ref]
    updated = cab.update(ana, "CAB", members=["bob", "erin"], rule="all")
    assert (updated.members, updated.rule.value, updated.agenda) == (["bob", "erin"], "all", 1)
    with pytest.raises(NotFound, match="no CAB"):
        cab.agenda(ana, "nope")


# --- the demo ---------------------------------------------------------------------------------------


def test_demo_changes_cover_every_state_and_collide(db_url: str) -> None:
    desk = open_desk(db_url)
    try:
        demo.generate_demo(desk, tickets=150, seed=7)
        counts = demo_changes.seed(desk, seed=1)
        assert counts["changes"] >= 25 and counts["cabs"] == 2 and counts["blackouts"] == 1
        rows = changes.list_changes(desk)
        assert {r.state for r in rows} == set(ChangeState)
        assert {r.type for r in rows} == set(ChangeType)
        colliding = [r for r in rows if r.collision_count]
        assert len(colliding) >= 4
        kinds_seen = {x.kind for r in colliding for x in changes.get_change(desk, r.ref).collisions}
        assert kinds_seen == set(CollisionKind)
        for r in rows:  # every demo change is consistent with the rules the services enforce
            d = changes.get_change(desk, r.ref)
            assert len(d.collisions) == r.collision_count, d.ref  # one change's view = the whole board's
            if d.state not in (S.DRAFT,):
                assert d.missing == [], d.ref
            if d.state is S.CLOSED and d.review_required:
                assert d.review is not None, d.ref
        assert cab.list(desk)[0].agenda >= 2
    finally:
        desk.close()


def test_the_approval_table_comes_from_the_config_when_it_has_one() -> None:
    from types import SimpleNamespace

    strict = SimpleNamespace(settings=SimpleNamespace(change_risk={"bands": {"cab": 9}}))
    assert (
        changes.risk_rules(strict).approval_level(ChangeType.NORMAL, "low", "low", "low") is ApprovalLevel.CAB
    )
    default = SimpleNamespace(settings=SimpleNamespace())
    assert changes.risk_rules(default) is changes.RULES
    broken = SimpleNamespace(settings=SimpleNamespace(change_risk={"bands": {"cab": 4}}))
    with pytest.raises(InvalidInput, match="fix change_risk in the config file"):
        changes.risk_rules(broken)


def test_audit_names_agents_by_login_and_keeps_every_step(team: Team) -> None:
    c = raise_(team["ana"], business_risk="low", implementer="dan")
    c = changes.update_change(
        team["ana"], c.ref, validate(UpdateChange, implementer="carol"), expected_version=1
    )
    assert [(t.field, t.old, t.new) for t in c.timeline if t.field == "implementer"] == [
        ("implementer", "dan", "carol")
    ]
    changes.submit(team["ana"], c.ref)
    c = changes.decide(team["mgr"], c.ref, True, "fine")  # no window yet: stays in authorisation
    assert c.state is S.AUTHORISATION and c.authorised
    c = changes.reject(team["mgr"], c.ref, "on second thoughts, no")
    assert c.state is S.REJECTED and c.decision_comment == "on second thoughts, no"
    assert [t.new for t in c.timeline if t.field == "state"][-1] == "rejected"
    assert [t.new for t in c.timeline if t.field == "decided by"] == ["mgr"]  # recorded once
