"""Problem management and the KEDB on both databases: raise, link (pending), lifecycle rules,
resolve with the incidents, known errors from problems, search as you type, apply to an incident."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from deskterm.domain.core.clock import FixedClock
from deskterm.domain.problems.problem import KnownErrorStatus, ProblemStatus
from deskterm.services.core.commands import validate
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import Conflict, InvalidInput, NotFound
from deskterm.services.problems import kedb, problem_reads, problem_views, problems
from deskterm.services.problems.problem_views import RaiseProblem, RecordKnownError, UpdateProblem
from deskterm.services.sla import sla_definitions
from deskterm.services.tickets import tickets
from deskterm.store.models import AuditEntry, TicketClock
from tests.services import factories as f


@pytest.fixture
def desk_with_mail(desk: Desk) -> Desk:
    f.contact(desk, "Wang Wei", email="wang.wei@example.com")
    f.service(desk, "Email")
    f.service(desk, "Printing")
    f.ci(desk, "mail-srv-01", services=["Email"])
    f.ci(desk, "print-srv-01", services=["Printing"])
    f.group(desk, "Messaging")
    return desk


def _raise(desk: Desk, **kw: object) -> problem_views.ProblemView:
    return problems.raise_problem(desk, validate(RaiseProblem, **{"title": "Mail store fills up", **kw}))


def _update(desk: Desk, ref: str, **kw: object) -> problem_views.ProblemView:
    return problems.update_problem(desk, validate(UpdateProblem, ref=ref, **kw))


def _problem_audit(desk: Desk, ref: str) -> list[tuple[str, str | None, str | None]]:
    with desk.reading() as s:
        rows = s.execute(
            select(AuditEntry.field, AuditEntry.old, AuditEntry.new)
            .where(AuditEntry.record_kind == "problem", AuditEntry.record_ref == ref)
            .order_by(AuditEntry.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_raise_from_incidents_links_them_pending_and_takes_their_service(desk_with_mail: Desk) -> None:
    desk = desk_with_mail
    a = f.log(desk, "Outlook cannot send", service="Email", ci="mail-srv-01")
    b = f.log(desk, "Mail stuck in outbox", service="Email")
    view = _raise(desk, incidents=(a.ref, b.ref.lower().replace("-", "")), impact="high", urgency="medium")
    assert view.ref == "PRB-1"
    assert view.status is ProblemStatus.NEW
    assert view.priority.value == "P2"
    assert (view.service, view.ci) == ("Email", "mail-srv-01")
    assert [i.ref for i in view.linked] == [a.ref, b.ref]
    assert view.incidents == 2 and view.open_incidents == 2
    for ref in (a.ref, b.ref):
        t = tickets.get_ticket(desk, ref)
        assert t.status.value == "pending" and t.pending_reason.value == "problem"
        assert t.version == 2
        fields = [h.field for h in t.history]
        assert "problem" in fields and "status" in fields
    assert ("created", None, "PRB-1") in _problem_audit(desk, "PRB-1")
    assert ("incident", None, a.ref) in _problem_audit(desk, "PRB-1")


def test_raise_proactively_and_without_pending(desk_with_mail: Desk) -> None:
    desk = desk_with_mail
    first = _raise(desk, title="Disk latency creeping up on san-01", service="Printing", group="Messaging")
    assert first.linked == [] and first.group == "Messaging" and first.service == "Printing"
    inc = f.log(desk, "Printer slow")
    view = problems.link_incidents(desk, first.ref, inc.ref, pending=False)
    assert [i.status.value for i in view.linked] == ["new"]
    assert view.version == 2


def test_linking_refuses_requests_unknown_refs_and_closed_problems(desk_with_mail: Desk) -> None:
    desk = desk_with_mail
    req = f.log(desk, "New laptop", kind="request")
    p = _raise(desk)
    with pytest.raises(InvalidInput, match="service request"):
        problems.link_incidents(desk, p.ref, [req.ref])
    with pytest.raises(NotFound):
        problems.link_incidents(desk, p.ref, ["INC-999"])
    with pytest.raises(InvalidInput, match="at least one"):
        problems.link_incidents(desk, p.ref, " , ")
    with pytest.raises(InvalidInput, match="not a problem"):
        problem_reads.get_problem(desk, "INC-1")
    with pytest.raises(NotFound):
        problem_reads.get_problem(desk, "PRB-77")


def test_a_linked_incident_twice_is_linked_once(desk_with_mail: Desk) -> None:
    desk = desk_with_mail
    inc = f.log(desk)
    p = _raise(desk, incidents=(inc.ref,))
    again = problems.link_incidents(desk, p.ref, [inc.ref, inc.ref])
    assert [i.ref for i in again.linked] == [inc.ref]
    assert again.version == p.version  # nothing new: no version bump


def test_lifecycle_rules_name_what_is_missing(desk_with_mail: Desk) -> None:
    desk = desk_with_mail
    p = _raise(desk)
    with pytest.raises(
        InvalidInput, match="cannot go to resolved; allowed: investigating, known-error, closed"
    ):
        _update(desk, p.ref, status="resolved")
    _update(desk, p.ref, status="investigating")
    with pytest.raises(InvalidInput, match="needs a root cause and a workaround"):
        _update(desk, p.ref, status="known-error")
    v = _update(desk, p.ref, status="known-error", root_cause="Log volume full", workaround="Purge old logs")
    assert v.status is ProblemStatus.KNOWN_ERROR
    with pytest.raises(InvalidInput, match="resolution"):
        _update(desk, p.ref, status="resolved")
    v = _update(desk, p.ref, status="resolved", resolution="Volume grown to 2 TB", fixing_change="chg12")
    assert v.status is ProblemStatus.RESOLVED and v.resolved_at is not None
    assert v.fixing_change == "CHG-12"
    v = _update(desk, p.ref, status="closed")
    assert v.closed_at is not None and v.allowed_next == []
    with pytest.raises(InvalidInput, match="final"):
        _update(desk, p.ref, status="investigating")
    fields = [field for field, _, _ in _problem_audit(desk, p.ref)]
    assert fields.count("status") == 5  # created + four moves
    assert "root cause" in fields and "fixing change" in fields


def test_a_fixing_change_must_be_a_change_ref(desk_with_mail: Desk) -> None:
    p = _raise(desk_with_mail)
    with pytest.raises(InvalidInput, match="not a change"):
        _update(desk_with_mail, p.ref, fixing_change="INC-3")


def test_stale_version_is_a_conflict(desk_with_mail: Desk) -> None:
    p = _raise(desk_with_mail)
    _update(desk_with_mail, p.ref, title="Mail store fills up every Monday", expected_version=1)
    with pytest.raises(Conflict, match="title by alice"):
        _update(desk_with_mail, p.ref, impact="high", expected_version=1)


def test_resolving_with_incidents_resolves_the_open_ones_with_one_resolution(desk_with_mail: Desk) -> None:
    desk = desk_with_mail
    a, b, c = (f.log(desk, t, service="Email") for t in ("Outlook slow", "OWA slow", "Mail late"))
    f.update(desk, c.ref, status="resolved", resolution_code="fixed", resolution="restarted")
    p = _raise(desk, incidents=(a.ref, b.ref, c.ref))
    _update(desk, p.ref, status="investigating", root_cause="Antivirus scans the mail store")
    with pytest.raises(InvalidInput, match="with --status resolved"):
        _update(desk, p.ref, resolve_incidents=True)
    v = _update(
        desk,
        p.ref,
        status="resolved",
        resolution="Excluded the store from scanning",
        resolve_incidents=True,
        resolution_code="known-error",
    )
    assert v.open_incidents == 0
    for ref in (a.ref, b.ref):
        t = tickets.get_ticket(desk, ref)
        assert t.status.value == "resolved"
        assert t.resolution == f"Resolved by problem {p.ref}: Excluded the store from scanning"
        assert t.resolution_code.value == "known-error"
    assert tickets.get_ticket(desk, c.ref).resolution == "restarted"  # was resolved already: untouched
    assert ("incidents resolved", None, f"{a.ref}, {b.ref}") in _problem_audit(desk, p.ref)


def test_resolving_without_the_flag_leaves_incidents_open(desk_with_mail: Desk) -> None:
    desk = desk_with_mail
    a = f.log(desk)
    p = _raise(desk, incidents=(a.ref,))
    _update(desk, p.ref, status="investigating", root_cause="x")
    v = _update(desk, p.ref, status="resolved", resolution="y")
    assert v.open_incidents == 1


def test_pending_problem_pauses_the_clock_where_the_agreement_says(
    desk_with_mail: Desk, clock: FixedClock
) -> None:
    desk = desk_with_mail
    sla_definitions.apply(
        desk,
        """
[[agreement]]
name = "Mail SLA"
kind = "SLA"
services = ["Email"]
pause_on = ["problem"]

[agreement.targets]
P3 = { response = "1h", resolution = "8h" }
""",
        "sla.toml",
    )
    inc = f.log(desk, service="Email")
    clock.advance(timedelta(minutes=30))
    _raise(desk, incidents=(inc.ref,))
    with desk.reading() as s:
        states = {c.metric: c.state for c in s.scalars(select(TicketClock))}
    assert states.get("resolution") == "paused"


def test_known_error_from_a_problem_moves_it_and_is_found(desk_with_mail: Desk) -> None:
    desk = desk_with_mail
    p = _raise(desk, title="Outlook disconnects after update", service="Email", ci="mail-srv-01")
    ke_ref = problems.record_known_error(
        desk,
        validate(
            RecordKnownError,
            problem=p.ref,
            symptom="Outlook shows Disconnected; 邮件无法发送",
            root_cause="The November update breaks MAPI over HTTP",
            workaround="Use Outlook on the web until the fix",
            keywords="0x800CCC0E, MAPI",
        ),
    )
    assert ke_ref == "KE-1"
    v = problem_reads.get_problem(desk, p.ref)
    assert v.status is ProblemStatus.KNOWN_ERROR and v.known_error == "KE-1"
    assert v.root_cause == "The November update breaks MAPI over HTTP"
    ke = kedb.get_known_error(desk, "ke1")
    assert ke.services == ["Email"] and ke.cis == ["mail-srv-01"] and ke.problem == p.ref
    assert ke.keywords == ["0x800CCC0E", "MAPI"] and ke.created_by == "alice"
    assert [h.ref for h in kedb.search(desk, "邮件发送不了")] == ["KE-1"]
    assert [h.ref for h in kedb.search(desk, "0x800ccc0e")] == ["KE-1"]
    assert [h.ref for h in kedb.search(desk, "outlo", typing=True)] == ["KE-1"]
    assert kedb.search(desk, "printer jam") == []


def test_known_error_needs_cause_and_workaround(desk_with_mail: Desk) -> None:
    p = _raise(desk_with_mail)
    with pytest.raises(InvalidInput, match="root cause and a workaround"):
        problems.record_known_error(desk_with_mail, validate(RecordKnownError, problem=p.ref, symptom="s"))
    assert problem_reads.get_problem(desk_with_mail, p.ref).status is ProblemStatus.NEW


def _ke(
    desk: Desk, title: str, symptom: str, services: tuple[str, ...] = (), cis: tuple[str, ...] = ()
) -> str:
    return problems.record_known_error(
        desk,
        validate(
            RecordKnownError,
            title=title,
            symptom=symptom,
            root_cause="cause",
            workaround=f"workaround for {title}",
            services=services,
            cis=cis,
        ),
    )


def test_same_service_and_ci_rank_first_and_retired_ones_leave_the_search(desk_with_mail: Desk) -> None:
    desk = desk_with_mail
    other = _ke(desk, "Printer queue stuck", "jobs stay in the queue", services=("Printing",))
    mail = _ke(desk, "Mail queue stuck", "jobs stay in the queue", services=("Email",), cis=("mail-srv-01",))
    assert kedb.search(desk, "queue stuck", service="Printing")[0].ref == other
    hits = kedb.search(desk, "queue stuck", service="Email", ci="mail-srv-01")
    assert hits[0].ref == mail and hits[0].same_service and hits[0].same_ci
    kedb.set_status(desk, mail, KnownErrorStatus.RETIRED)
    assert [h.ref for h in kedb.search(desk, "queue stuck", service="Email")] == [other]
    assert kedb.get_known_error(desk, mail).status is KnownErrorStatus.RETIRED


def test_apply_known_error_links_records_workaround_and_tells_the_caller(desk_with_mail: Desk) -> None:
    desk = desk_with_mail
    p = _raise(desk, service="Email")
    _update(desk, p.ref, status="investigating")
    ke = problems.record_known_error(
        desk,
        validate(
            RecordKnownError,
            problem=p.ref,
            symptom="s",
            root_cause="r",
            workaround="Restart Outlook in safe mode",
        ),
    )
    inc = f.log(desk, service="Email")
    done = kedb.apply_known_error(desk, ke, inc.ref, notify_caller=True, expected_version=inc.version)
    assert done.problem == p.ref and done.notified
    t = tickets.get_ticket(desk, inc.ref)
    assert t.workaround == "Restart Outlook in safe mode"
    assert t.notes[-1].visibility.value == "public" and "Restart Outlook" in t.notes[-1].body
    assert {"known error", "problem", "workaround"} <= {h.field for h in t.history}
    assert kedb.get_known_error(desk, ke).incidents == [inc.ref]
    assert [i.ref for i in problem_reads.get_problem(desk, p.ref).linked] == [inc.ref]
    assert problem_reads.problems_of_ticket(desk, inc.ref) == [p.ref]
    assert kedb.known_errors_of_ticket(desk, inc.ref) == [ke]
    with pytest.raises(InvalidInput, match="already applied"):
        kedb.apply_known_error(desk, ke, inc.ref)


def test_apply_with_a_stale_version_changes_nothing(desk_with_mail: Desk) -> None:
    desk = desk_with_mail
    ke = _ke(desk, "Mail slow", "slow")
    inc = f.log(desk)
    f.update(desk, inc.ref, title="Mail is very slow")
    with pytest.raises(Conflict):
        kedb.apply_known_error(desk, ke, inc.ref, notify_caller=True, expected_version=1)
    t = tickets.get_ticket(desk, inc.ref)
    assert t.workaround is None and t.notes == []
    assert kedb.get_known_error(desk, ke).incidents == []


def test_list_filters_and_orders(desk_with_mail: Desk) -> None:
    desk = desk_with_mail
    low = _raise(desk, title="Printer driver leaks memory", service="Printing", impact="low", urgency="low")
    high = _raise(desk, title="Mail store fills up", service="Email", impact="high", urgency="high")
    _update(desk, low.ref, status="closed", resolution="duplicate of PRB-2")
    assert [r.ref for r in problem_reads.list_problems(desk)] == [high.ref, low.ref]
    assert [r.ref for r in problem_reads.list_problems(desk, open_only=True)] == [high.ref]
    assert [r.ref for r in problem_reads.list_problems(desk, text="printer")] == [low.ref]
    assert [r.ref for r in problem_reads.list_problems(desk, text="email")] == [high.ref]
    assert [r.ref for r in problem_reads.list_problems(desk, service="Printing")] == [low.ref]


def test_demo_problems_only_add_rows_and_cover_every_state(desk: Desk) -> None:
    from deskterm.demo import problems as demo_problems
    from deskterm.demo.tickets import generate_demo
    from deskterm.store.models import Ticket

    generate_demo(desk, tickets=300, seed=11)

    def snapshot() -> list[tuple[object, ...]]:
        with desk.reading() as s:
            rows = s.execute(
                select(
                    Ticket.ref, Ticket.version, Ticket.status, Ticket.updated_at, Ticket.workaround
                ).order_by(Ticket.id)
            )
            return [tuple(r) for r in rows]

    with desk.reading() as s:
        ticket_audits = len(s.scalars(select(AuditEntry.id).where(AuditEntry.record_kind == "ticket")).all())
    before, audits = snapshot(), f.audit_count(desk)
    counts = demo_problems.seed(desk, seed=1)
    assert counts["problems"] == 12 and counts["known_errors"] == 20 and counts["problem_links"] > 10
    assert snapshot() == before
    rows = problem_reads.list_problems(desk)
    assert {r.status for r in rows} == set(ProblemStatus)
    with desk.reading() as s:
        after = len(s.scalars(select(AuditEntry.id).where(AuditEntry.record_kind == "ticket")).all())
    assert f.audit_count(desk) > audits and after == ticket_audits  # no ticket history was added
    english = kedb.search(desk, "spooler")
    chinese = kedb.search(desk, "银行拒收")
    assert english and english[0].ref == "KE-4"
    assert chinese == []  # the payroll known error is retired with its closed problem
    assert kedb.search(desk, "会议室 无线")[0].title == "会议室无线网络信号弱"
