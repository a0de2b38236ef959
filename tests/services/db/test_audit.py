"""``audit verify`` and ``audit export`` as services, on SQLite and PostgreSQL: the report, the
export's hashes checked by the README's recipe alone, ``since`` keeping the stretch contiguous,
batches, and who may run them."""

import itertools
import json
from datetime import timedelta

import pytest

from deskterm.domain.core.clock import FixedClock
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import NotPermitted
from deskterm.services.core.identity import OsIdentity
from deskterm.services.db import audit
from deskterm.store import audit_chain
from tests.conftest import FROZEN, open_desk
from tests.services import factories as f
from tests.services.db.export_recipe import recipe
from tests.store.test_audit_chain import hashes, tamper

HOSTILE = "Wang \u202eWei \x1b[2J |s3:abc| \U000e0001 \u200b 王伟 \x7f end"


@pytest.fixture
def trail(desk: Desk, clock: FixedClock) -> Desk:
    """Two days of work: a caller with a hostile name, then tickets a day later."""
    f.contact(desk, HOSTILE, email="wang.wei@example.com")
    clock.advance(timedelta(days=1))
    for n in range(3):
        ticket = f.log(desk, title=f"Printer {n} jams", caller="wang.wei@example.com")
        f.note(desk, ticket.ref, body=f"Toner {n} \x07 replaced")
    return desk


def lines(desk: Desk, **kwargs: object) -> list[str]:
    """The export as the CLI writes it (json.dumps; the escaping changes no value)."""
    return [json.dumps(row, ensure_ascii=False) for row in audit.export(desk, **kwargs)]


def test_verify_reports_an_intact_chain_and_its_head(trail: Desk, db_url: str) -> None:
    report = audit.verify(trail)
    stored = hashes(db_url)
    assert report.ok and report.findings == []
    assert report.rows == len(stored) and (report.head_id, report.head) == stored[-1]


def test_verify_names_the_first_row_touched(trail: Desk, db_url: str) -> None:
    stored = hashes(db_url)
    target = stored[4][0]
    tamper(db_url, "UPDATE audit_entries SET new = 'nothing' WHERE id = :i", i=target)
    report = audit.verify(trail)
    assert not report.ok and [x.row for x in report.findings] == [target]
    assert report.findings[0].finding.startswith(f"audit row {target} ")


def test_the_export_carries_every_row_with_its_hashes_and_the_recipe_verifies_it(
    trail: Desk, db_url: str
) -> None:
    exported = lines(trail)
    rows = [json.loads(line) for line in exported]
    assert [(r["id"], r["hash"]) for r in rows] == hashes(db_url)
    assert rows[0]["prev_hash"] == audit_chain.GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(rows))
    assert list(rows[0]) == list(audit.EXPORT_FIELDS)
    assert rows[0]["new"] == HOSTILE and rows[0]["actor"] == "alice"  # exact text
    assert rows[0]["at"] == "2026-11-24T09:30:00.000000+00:00"
    verify = recipe()
    assert verify(exported, None) == []
    assert verify(exported, audit_chain.GENESIS) == []
    assert verify(exported, "f" * 64) == [rows[0]["id"]]  # anchored elsewhere: the first line breaks


def test_the_recipe_names_a_changed_removed_or_added_line(trail: Desk) -> None:
    exported = lines(trail)
    rows = [json.loads(line) for line in exported]
    verify = recipe()
    changed = [*exported]
    row = dict(rows[3], new="nothing happened")
    changed[3] = json.dumps(row)
    assert verify(changed, None) == [rows[3]["id"]]
    removed = exported[:3] + exported[4:]
    assert verify(removed, None) == [rows[4]["id"]]
    forged = dict(rows[3], field="forged")  # a copy of row 3's hashes, slipped in after it
    assert verify([*exported[:4], json.dumps(forged), *exported[4:]], None) == [rows[3]["id"]]
    assert verify(exported[:3] + exported[4:5] + exported[3:4] + exported[5:], None) == [
        rows[4]["id"],
        rows[3]["id"],
        rows[5]["id"],
    ]  # two lines swapped


def test_since_starts_at_the_first_row_of_then_chained_to_the_row_before(trail: Desk) -> None:
    everything = [json.loads(line) for line in lines(trail)]
    later = lines(trail, since=FROZEN + timedelta(hours=12))
    first = json.loads(later[0])
    before = [r for r in everything if r["id"] < first["id"]]
    assert before and all(r["at"] < first["at"] for r in before)
    assert first["prev_hash"] == before[-1]["hash"]
    assert [json.loads(x) for x in later] == everything[len(before) :]
    verify = recipe()
    assert verify(later, before[-1]["hash"]) == []  # the earlier export's last hash joins them
    assert lines(trail, since=FROZEN + timedelta(days=30)) == []


def test_the_export_walks_in_batches_and_stops_when_the_reader_does(
    trail: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = lines(trail)
    monkeypatch.setattr(audit_chain, "BATCH", 2)
    assert lines(trail) == whole
    rows = audit.export(trail)
    assert next(iter(rows))["id"] == json.loads(whole[0])["id"]
    rows.close()  # type: ignore[attr-defined]  # a closed pipe: the snapshot ends


def test_an_agent_may_not_but_a_viewer_may_and_the_refusal_is_audited(trail: Desk, db_url: str) -> None:
    eve = open_desk(db_url, identity=OsIdentity(uid=4343, login="eve", display_name="Eve"))
    vic = open_desk(db_url, identity=OsIdentity(uid=4444, login="vic", display_name="Vic"))
    try:
        vic.whoami()
        f.grant(trail, "vic", "viewer")
        assert audit.verify(vic).ok
        assert lines(vic) and lines(vic)[0] == lines(trail)[0]
        with pytest.raises(NotPermitted) as caught:
            audit.verify(eve)
        assert caught.value.exit_code == 7
        assert "eve may not verify the audit trail without the role viewer or desk-manager or admin" in (
            caught.value.message
        )
        with pytest.raises(NotPermitted, match="may not export the audit trail"):
            audit.export(eve)  # refused at once, before the first row is asked for
        refusals = [r for r in (json.loads(x) for x in lines(trail)) if r["record_kind"] == "access"]
        assert [(r["actor"], r["old"]) for r in refusals] == [
            ("eve", "audit.verify"),
            ("eve", "audit.export"),
        ]
        assert audit.verify(trail).ok  # the refusals are chained like any row
    finally:
        eve.close()
        vic.close()
