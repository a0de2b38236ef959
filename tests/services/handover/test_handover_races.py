"""Issue 14, item 3, for the shift handover: several desks writing the same shift's handover at
the same instant. The draft is made once and every note lands; signing off and acknowledging
happen once, the other desks get what a second attempt gets (exit 5). Both databases."""

from sqlalchemy import func, select

from deskterm.domain.core.clock import FixedClock
from deskterm.services.core.identity import OsIdentity
from deskterm.services.handover import handover
from deskterm.store.models import AuditEntry, Handover
from tests.conftest import open_desk
from tests.services.races import N, race

CAROL = OsIdentity(uid=4343, login="carol", display_name="Carol Incoming")


def _count(url: str, *where: object, model: type = AuditEntry) -> int:
    desk = open_desk(url)
    try:
        with desk.reading() as s:
            return s.scalar(select(func.count()).select_from(model).where(*where)) or 0
    finally:
        desk.close()


def test_racing_notes_on_a_new_shift_make_one_draft_and_all_land(db_url: str, clock: FixedClock) -> None:
    outcomes, _ = race(db_url, lambda d: handover.set_note(d, "Payroll is the worry"), clock=clock)
    assert outcomes == ["ok"] * N, outcomes
    assert _count(db_url, model=Handover) == 1
    assert _count(db_url, AuditEntry.record_kind == handover.RECORD, AuditEntry.field == "created") == 1
    assert _count(db_url, AuditEntry.record_kind == handover.RECORD, AuditEntry.field == "note") == 1


def test_racing_item_notes_all_land(db_url: str, clock: FixedClock) -> None:
    outcomes, _ = race(db_url, lambda d: handover.set_item_note(d, "INC-1", "call back at 10"), clock=clock)
    assert outcomes == ["ok"] * N, outcomes
    assert _count(db_url, AuditEntry.field == "note INC-1") == 1


def test_racing_sign_offs_and_acknowledgements_happen_once(db_url: str, clock: FixedClock) -> None:
    outcomes, _ = race(db_url, handover.sign_off, clock=clock)
    assert outcomes == ["exit 5"] * (N - 1) + ["ok"], outcomes  # "was signed off by alice"
    assert _count(db_url, AuditEntry.field == "signed_off") == 1
    desk = open_desk(db_url, clock)
    try:
        [row] = handover.list_handovers(desk)
        hid = row.id
    finally:
        desk.close()
    outcomes, _ = race(db_url, lambda d: handover.acknowledge(d, hid), clock=clock, identity=CAROL)
    assert outcomes == ["exit 5"] * (N - 1) + ["ok"], outcomes  # "already acknowledged by carol"
    assert _count(db_url, AuditEntry.field == "acknowledged") == 1
