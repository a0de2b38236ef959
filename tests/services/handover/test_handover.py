"""The handover digest from a seeded desk with a frozen clock (every section), notes,
sign-off, acknowledgement, list, show, search and the status-line flag; both databases."""

from collections.abc import Iterator

import pytest

from deskterm.config import Settings
from deskterm.domain.core.clock import FixedClock
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from deskterm.services.core.identity import OsIdentity
from deskterm.services.handover import handover
from tests.conftest import FROZEN
from tests.services.handover_fixture import LATER, build, utc

BOB = OsIdentity(uid=4343, login="carol", display_name="Carol Incoming")


@pytest.fixture
def hd(desk: Desk) -> Desk:
    build(desk)
    return desk


@pytest.fixture
def incoming(hd: Desk, db_url: str) -> Iterator[Desk]:
    other = Desk.open(Settings(db=db_url), clock=hd.clock, identity=BOB)
    yield other
    other.close()


def test_the_digest_covers_every_section(hd: Desk) -> None:
    d = handover.digest(hd)
    assert (d.shift.key, d.next_shift.key, d.live, d.handover) == (
        "2026-11-24:early",
        "2026-11-24:late",
        True,
        None,
    )
    assert [t.ref for t in d.majors] == ["INC-3", "INC-1"]  # major first, then by priority and age
    major = d.majors[0]
    assert major.major and major.last_update == "Bridge call open; vendor engaged"
    assert major.last_update_at == utc(7, 10) and major.last_update_by == "alice"
    # INC-2 (P3, logged 06:00) had no response by 08:00; INC-1 (P1, 05:00) was not resolved by 09:00.
    assert [(s.ref, s.metric, s.due_at) for s in d.sla_breached] == [
        ("INC-2", "response", utc(8)),
        ("INC-1", "resolution", utc(9)),
    ]
    due_next = {(s.ref, s.metric, s.due_at) for s in d.sla_due_next}
    assert ("INC-3", "resolution", utc(11)) in due_next
    assert ("INC-4", "response", utc(10, 30)) in due_next
    assert all(s.bucket == "due-next" for s in d.sla_due_next)
    assert {t.ref for t in d.unassigned} == {"INC-1", "INC-3", "INC-4"}
    assert {k: [t.ref for t in v] for k, v in d.pending.items()} == {"customer": ["INC-5"]}
    f = d.flow
    assert (f.logged, f.resolved, f.reopened) == (3, 1, 1)
    assert (f.backlog_start, f.backlog_end, f.backlog_delta) == (3, 5, 2)
    assert d.note == "" and d.item_notes == {}
    assert d.refs()[:2] == ["INC-3", "INC-1"]


def test_a_past_shift_shows_what_was_due_in_the_shift_after_it(hd: Desk) -> None:
    d = handover.digest(hd, "2026-11-24:night")
    assert d.shift.key == "2026-11-24:night"
    assert {(s.ref, s.metric) for s in d.sla_breached} >= {("INC-1", "response")}  # due 05:15
    assert ("INC-1", "resolution") in {(s.ref, s.metric) for s in d.sla_due_next}  # due 09:00, in early
    assert (d.flow.logged, d.flow.resolved) == (3, 0)


def test_notes_sign_off_freeze_the_digest_and_acknowledge(hd: Desk, incoming: Desk) -> None:
    handover.set_note(hd, "Payroll is the worry tonight")
    handover.set_item_note(hd, "inc3", "Vendor calls back at 10:00")
    handover.set_item_note(hd, "CHG-9", "Firewall change tonight")
    draft = handover.digest(hd)
    assert draft.handover is not None and draft.handover.status == "draft"
    assert draft.item_notes == {"INC-3": "Vendor calls back at 10:00", "CHG-9": "Firewall change tonight"}
    handover.set_item_note(hd, "CHG-9", "")
    signed = handover.sign_off(hd, note="Payroll is the worry; INC-3 bridge open")
    assert signed.handover is not None and signed.handover.status == "signed-off"
    assert signed.handover.outgoing == "alice" and signed.handover.signed_off_at == FROZEN
    assert signed.note == "Payroll is the worry; INC-3 bridge open"
    assert signed.item_notes == {"INC-3": "Vendor calls back at 10:00"} and not signed.live
    with pytest.raises(Conflict, match="signed off by alice"):
        handover.set_note(hd, "too late")
    with pytest.raises(Conflict):
        handover.sign_off(hd)
    with pytest.raises(NotPermitted, match="incoming agent"):
        handover.acknowledge(hd)
    # The incoming shift: the flag is on the status line until acknowledged.
    clock = hd.clock
    assert isinstance(clock, FixedClock)
    assert handover.pending_ack(hd) is None  # still the same shift
    clock.advance(LATER)
    flag = handover.pending_ack(incoming)
    assert flag is not None and (flag.shift, flag.outgoing) == ("2026-11-24:early", "alice")
    # What was handed over stays as it was, while the live data moves on.
    frozen = handover.digest(incoming, "prev")
    assert frozen.generated_at == FROZEN and frozen.note == signed.note
    assert handover.digest(incoming, "prev", live=True).generated_at == FROZEN + LATER
    meta = handover.acknowledge(incoming)
    assert (meta.status, meta.acknowledged_by, meta.acknowledged_at) == (
        "acknowledged",
        "carol",
        FROZEN + LATER,
    )
    assert handover.pending_ack(incoming) is None
    with pytest.raises(NotFound, match="no signed-off handover is waiting"):
        handover.acknowledge(incoming)
    with pytest.raises(Conflict, match="already acknowledged by carol"):
        handover.acknowledge(incoming, meta.id)
    shown = handover.show(incoming, meta.id)
    assert shown.handover is not None and shown.handover.acknowledged_by == "carol"
    assert shown.generated_at == FROZEN


def test_list_search_and_show(hd: Desk) -> None:
    handover.set_note(hd, "Quiet morning")
    handover.set_item_note(hd, "INC-1", "Payroll rerun at noon")
    handover.sign_off(hd)
    clock = hd.clock
    assert isinstance(clock, FixedClock)
    clock.advance(LATER)
    handover.set_note(hd, "Late shift: 网络 slow")
    rows = handover.list_handovers(hd)
    assert [(r.shift, r.status) for r in rows] == [
        ("2026-11-24:late", "draft"),
        ("2026-11-24:early", "signed-off"),
    ]
    assert [r.shift for r in handover.search(hd, "payroll")] == ["2026-11-24:early"]
    assert [r.shift for r in handover.search(hd, "inc-1 quiet")] == ["2026-11-24:early"]
    assert [r.shift for r in handover.search(hd, "网络")] == ["2026-11-24:late"]
    assert [r.shift for r in handover.search(hd, "alice")] == ["2026-11-24:early"]
    assert handover.search(hd, "payroll late") == []
    assert handover.search(hd, "%") == [] and handover.search(hd, "_") == []  # typed, not wildcards
    with pytest.raises(InvalidInput):
        handover.search(hd, "  ")
    draft = handover.show(hd, rows[0].id)
    assert draft.live and draft.note == "Late shift: 网络 slow"
    with pytest.raises(NotFound):
        handover.show(hd, 999)


def test_bad_input_is_refused(hd: Desk) -> None:
    with pytest.raises(InvalidInput, match="not understood"):
        handover.digest(hd, "tomorrow")
    with pytest.raises(InvalidInput, match="not a ref"):
        handover.set_item_note(hd, "mail", "x")
    with pytest.raises(InvalidInput, match="has not started"):
        handover.set_note(hd, "x", "next")
    with pytest.raises(InvalidInput, match="longer than"):
        handover.set_note(hd, "x" * 20_001)
    assert handover.list_handovers(hd) == []  # nothing was written


def test_writes_are_audited(hd: Desk) -> None:
    from sqlalchemy import select

    from deskterm.store.models import AuditEntry

    handover.set_note(hd, "one")
    handover.set_item_note(hd, "INC-3", "two")
    handover.sign_off(hd)
    with hd.reading() as s:
        fields = list(
            s.scalars(
                select(AuditEntry.field).where(AuditEntry.record_kind == "handover").order_by(AuditEntry.id)
            )
        )
    assert fields == ["created", "note", "note INC-3", "signed_off"]


def test_demo_seed_adds_signed_off_handovers_and_answers(hd: Desk) -> None:
    from deskterm.demo import handover as demo_handover
    from deskterm.services.reports import csat

    counts = demo_handover.seed(hd)
    assert counts["handovers"] == 3
    rows = handover.list_handovers(hd)
    assert [r.status for r in rows] == ["acknowledged"] * 3
    assert all(r.outgoing != r.acknowledged_by for r in rows)
    assert len(csat.answers(hd)) == counts["csat"]
    again = demo_handover.seed(hd)
    assert again["handovers"] == 0  # the same shifts are not handed over twice


def test_changes_problems_known_errors_and_event_storms(hd: Desk) -> None:
    from tests.services.handover_fixture import build_more

    build_more(hd)
    d = handover.digest(hd)
    assert d.changes_implemented is not None and d.changes_scheduled is not None
    assert [(c.ref, c.status, c.start) for c in d.changes_implemented] == [
        ("CHG-1", "implementing", utc(8, 30))
    ]
    scheduled = {c.ref: c for c in d.changes_scheduled}
    assert list(scheduled) == ["CHG-2", "CHG-3"]
    assert all(c.collisions for c in scheduled.values()), "two changes on mail-db at once collide"
    assert any("CHG-3" in text for text in scheduled["CHG-2"].collisions)
    assert [(p.ref, p.title) for p in d.problems_new or []] == [("PRB-1", "Mail keeps failing")]
    assert [(k.ref, k.status) for k in d.known_errors_new or []] == [("KE-1", "active")]
    storms = d.event_storms or []
    assert [(e.ref, e.events) for e in storms] == [("INC-7", 4)]
    assert {"CHG-1", "CHG-2", "PRB-1", "KE-1", "INC-7"} <= set(d.refs())
    handover.set_item_note(hd, "CHG-2", "Check CHG-3 does not start before CHG-2 ends")
    frozen = handover.sign_off(hd)
    assert frozen.item_notes["CHG-2"].startswith("Check CHG-3")
    # A past shift has none of them.
    night = handover.digest(hd, "prev")
    assert (night.changes_implemented, night.problems_new, night.event_storms) == ([], [], [])
