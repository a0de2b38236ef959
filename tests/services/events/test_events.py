"""Event ingest on SQLite and PostgreSQL: de-duplication, correlation, incidents opened and
resolved (or noted when an agent has them), malformed input, Alertmanager payloads, rules."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from deskterm.domain.core.vocabulary import Channel, Criticality, TicketStatus
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput, NotFound
from deskterm.services.events import event_rules, events
from deskterm.services.tickets import tickets
from deskterm.store.models import AuditEntry, Note, Ticket, TicketClock
from tests.services import factories as f

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "alertmanager"


def line(node: str, check: str = "smtp", severity: str = "critical", minute: int = 0, **kw: Any) -> str:
    return json.dumps(
        {
            "source": "nagios",
            "node": node,
            "check": check,
            "severity": severity,
            "message": kw.pop("message", f"{check} is {severity}"),
            "time": f"2026-11-24T09:{minute:02d}:00Z",
            **kw,
        }
    )


@pytest.fixture
def cmdb(desk: Desk) -> Iterator[Desk]:
    """Email (critical) on mail-srv-01/02, owned by Messaging; ERP (high) on erp-db-01."""
    f.group(desk, "Messaging")
    f.group(desk, "Database")
    f.service(desk, "Email", criticality=Criticality.CRITICAL, support_group="Messaging")
    f.service(desk, "ERP", criticality=Criticality.HIGH)
    f.ci(desk, "mail-srv-01", services=["Email"], owner_group="Messaging")
    f.ci(desk, "mail-srv-02", services=["Email"], owner_group="Messaging")
    f.ci(desk, "erp-db-01", ci_type="database", services=["ERP"], owner_group="Database")
    yield desk


def ticket(desk: Desk, ref: str) -> Ticket:
    with desk.reading() as s:
        t = s.scalar(select(Ticket).where(Ticket.ref == ref))
        assert t is not None
        return t


def test_an_exception_opens_an_incident_like_a_logged_call(cmdb: Desk) -> None:
    summary = events.ingest(cmdb, [line("mail-srv-01", message="SMTP refused")])
    assert (summary.read, summary.recorded, summary.incidents_opened) == (1, 1, 1)
    [ref] = summary.opened
    view = tickets.get_ticket(cmdb, ref)
    assert view.channel is Channel.EVENT
    assert view.title == "mail-srv-01: smtp critical - SMTP refused"
    assert (view.service, view.ci, view.group) == ("Email", "mail-srv-01", "Messaging")
    assert (view.impact.value, view.urgency.value, view.priority.value) == ("high", "high", "P1")
    assert view.status is TicketStatus.NEW
    assert "EVT-1" in view.description
    assert [h.field for h in view.history] == ["created", "status", "priority", "group"]
    row = events.list_events(cmdb)[0]
    assert (row.ref, row.incident, row.ci, row.state) == ("EVT-1", ref, "mail-srv-01", "active")


def test_priority_follows_service_criticality_and_severity(cmdb: Desk) -> None:
    summary = events.ingest(cmdb, [line("erp-db-01", "disk", "major"), line("stray-host", "ping", "major")])
    erp, stray = (ticket(cmdb, ref) for ref in summary.opened)
    assert (erp.impact.value, erp.urgency.value, erp.priority.value) == ("high", "medium", "P2")
    assert (stray.impact.value, stray.urgency.value, stray.priority.value) == ("low", "medium", "P4")
    assert stray.ci_id is None and stray.service_id is None


def test_duplicates_count_instead_of_adding_rows(cmdb: Desk) -> None:
    lines = [line("mail-srv-01", minute=m, message=f"try {m}") for m in (1, 3, 2)]
    summary = events.ingest(cmdb, lines, batch_size=2)  # the repeat crosses a batch
    assert (summary.recorded, summary.deduplicated, summary.incidents_opened) == (1, 2, 1)
    view = events.get_event(cmdb, "evt1")
    assert view.count == 3
    assert (view.first_seen.minute, view.last_seen.minute) == (1, 3)
    assert view.message == "try 3"  # the latest report stands
    events.ingest(cmdb, [line("mail-srv-01", minute=4)])
    assert events.get_event(cmdb, "EVT-1").count == 4


def test_events_on_cis_of_the_same_service_join_one_incident(cmdb: Desk) -> None:
    summary = events.ingest(
        cmdb,
        [
            line("mail-srv-01", minute=0),
            line("mail-srv-02", "imap", "major", minute=5),
            line("mail-srv-01", "disk", "warning", minute=6),
            line("erp-db-01", "disk", "critical", minute=7),
        ],
    )
    assert summary.incidents_opened == 2
    assert summary.correlated == 2
    by_node = {r.node + "/" + r.check: r.incident for r in events.list_events(cmdb)}
    assert by_node["mail-srv-01/smtp"] == by_node["mail-srv-02/imap"] == by_node["mail-srv-01/disk"]
    assert by_node["erp-db-01/disk"] != by_node["mail-srv-01/smtp"]
    with cmdb.reading() as s:
        links = s.scalars(select(AuditEntry.new).where(AuditEntry.record_kind == "event")).all()
    assert sorted(links) == sorted(by_node.values())
    notes = [n.body for n in tickets.get_ticket(cmdb, by_node["mail-srv-01/smtp"]).notes]
    assert len(notes) == 1 and "EVT-2 (mail-srv-02 imap major)" in notes[0] and "EVT-3" in notes[0]


def test_outside_the_window_a_new_incident_is_opened(cmdb: Desk) -> None:
    event_rules.apply(cmdb, '[settings]\ncorrelation_window = "10m"\n')
    summary = events.ingest(cmdb, [line("mail-srv-01", minute=0), line("mail-srv-02", "imap", minute=30)])
    assert summary.incidents_opened == 2


def test_warnings_and_informational_events_open_nothing(cmdb: Desk) -> None:
    summary = events.ingest(
        cmdb, [line("mail-srv-01", "queue", "warning"), line("mail-srv-01", "backup", "info")]
    )
    assert (summary.recorded, summary.incidents_opened) == (2, 0)
    assert all(r.incident is None for r in events.list_events(cmdb))


def test_a_recovery_resolves_the_incident_it_opened(cmdb: Desk) -> None:
    opened = events.ingest(cmdb, [line("mail-srv-01", minute=0), line("mail-srv-02", "imap", minute=1)])
    ref = opened.opened[0]
    half = events.ingest(cmdb, [line("mail-srv-01", severity="ok", minute=10)])
    assert (half.cleared, half.incidents_resolved) == (1, 0)  # mail-srv-02 is still down
    done = events.ingest(cmdb, [line("mail-srv-02", "imap", "ok", minute=12)])
    assert done.resolved == [ref]
    t = ticket(cmdb, ref)
    assert t.status is TicketStatus.RESOLVED and t.resolution_code is not None
    assert "EVT-2" in (t.resolution or "")
    fields = [h.field for h in tickets.get_ticket(cmdb, ref).history]
    assert fields[-3:] == ["status", "resolution_code", "resolution"]
    with cmdb.reading() as s:
        clocks = s.scalars(select(TicketClock.running).where(TicketClock.ticket_id == t.id)).all()
    assert not any(clocks)
    assert all(r.state == "cleared" for r in events.list_events(cmdb))
    again = events.ingest(cmdb, [line("mail-srv-01", minute=20)])
    assert again.incidents_opened == 1 and again.opened != [ref]  # a new alert, a new incident


def test_an_incident_an_agent_has_taken_gets_a_note_instead(cmdb: Desk) -> None:
    f.agent(cmdb, "li.na", groups=("Messaging",))
    ref = events.ingest(cmdb, [line("mail-srv-01")]).opened[0]
    f.update(cmdb, ref, assignee="li.na")
    summary = events.ingest(cmdb, [line("mail-srv-01", severity="ok", minute=5)])
    assert (summary.incidents_resolved, summary.notes) == (0, 1)
    t = ticket(cmdb, ref)
    assert t.status is TicketStatus.ASSIGNED
    with cmdb.reading() as s:
        body = s.scalar(select(Note.body).where(Note.ticket_id == t.id))
    assert body is not None and "recovery" in body and "EVT-1" in body


def test_a_recovery_without_an_alert_changes_nothing(cmdb: Desk) -> None:
    summary = events.ingest(cmdb, [line("mail-srv-01", severity="ok")])
    assert (summary.unmatched_recoveries, summary.recorded) == (1, 0)
    assert events.list_events(cmdb) == []


def test_malformed_lines_are_reported_by_number_and_the_rest_kept(cmdb: Desk) -> None:
    reported: list[str] = []
    lines = [
        line("mail-srv-01", "queue", "warning"),
        "{not json",
        "",
        json.dumps({"source": "nagios", "node": "x"}),
        json.dumps(["a list"]),
        line("erp-db-01", "disk", "info"),
    ]
    summary = events.ingest(cmdb, lines, label="feed.jsonl", on_error=reported.append)
    assert (summary.read, summary.malformed, summary.recorded) == (5, 3, 2)
    assert reported == summary.errors
    assert reported[0].startswith("feed.jsonl: line 2: not JSON")
    assert reported[1].startswith("feed.jsonl: line 4: check is missing")
    assert reported[2].startswith("feed.jsonl: line 5:")


def test_rules_drop_and_promote(cmdb: Desk) -> None:
    event_rules.apply(
        cmdb,
        """
[[rule]]
name = "no heartbeats"
action = "drop"
check = "heartbeat"

[[rule]]
name = "disks of the ERP database servers matter a lot"
action = "exception"
node = "erp-*"
check = "disk*"
""",
    )
    summary = events.ingest(
        cmdb, [line("mail-srv-01", "heartbeat", "critical"), line("erp-db-01", "disk_free", "warning")]
    )
    assert (summary.dropped, summary.recorded, summary.incidents_opened) == (1, 1, 1)


def test_rules_apply_validates_the_whole_file_and_exports(cmdb: Desk) -> None:
    good = '[settings]\ncorrelation_window = "20m"\n\n[[rule]]\nname = "a"\naction = "drop"\nnode = "x-*"\n'
    summary = event_rules.apply(cmdb, good)
    assert (summary.rules, summary.correlation_window) == (1, "20m")
    exported = event_rules.export(cmdb)
    assert 'correlation_window = "20m"' in exported and 'node = "x-*"' in exported
    bad = good + '\n[[rule]]\nname = "b"\naction = "exception"\nmessage = "(open"\n'
    with pytest.raises(InvalidInput, match=r"rule\[2\] 'b': message is not a regular expression"):
        event_rules.apply(cmdb, bad)
    with pytest.raises(InvalidInput, match=r"rule\[1\]\.action"):
        event_rules.apply(cmdb, '[[rule]]\nname = "a"\naction = "explode"\nnode = "x"\n')
    with pytest.raises(InvalidInput, match="names no condition"):
        event_rules.apply(cmdb, '[[rule]]\nname = "a"\naction = "drop"\n')
    assert event_rules.export(cmdb) == exported  # nothing changed
    event_rules.apply(cmdb, "")
    assert "rule" not in event_rules.export(cmdb)


def test_alertmanager_firing_then_resolved(cmdb: Desk) -> None:
    firing = (FIXTURES / "firing.json").read_text(encoding="utf-8").splitlines(keepends=True)
    opened = events.ingest(cmdb, firing, fmt="alertmanager")
    assert (opened.read, opened.incidents_opened, opened.malformed) == (1, 1, 0)
    row = events.list_events(cmdb)[0]
    assert (row.source, row.node, row.check, row.ci) == (
        "prometheus",
        "mail-srv-01",
        "HighErrorRate",
        "mail-srv-01",
    )
    assert events.get_event(cmdb, row.ref).fingerprint == "b7e1c9a4d2f03e51"
    resolved = (FIXTURES / "resolved.json").read_text(encoding="utf-8").splitlines(keepends=True)
    done = events.ingest(cmdb, resolved, fmt="alertmanager")
    assert done.resolved == opened.opened


def test_alertmanager_grouped_payload(cmdb: Desk) -> None:
    reported: list[str] = []
    payload = (FIXTURES / "grouped.json").read_text(encoding="utf-8").splitlines()
    summary = events.ingest(cmdb, payload, fmt="alertmanager", on_error=reported.append)
    assert (summary.read, summary.malformed, summary.unmatched_recoveries) == (4, 1, 1)
    assert reported == [
        "line 1: alert 4: the alert has no instance label (nor node, nodename, host or hostname)"
    ]
    assert summary.recorded == 2 and summary.incidents_opened == 2  # erp-app-01/02 are no CIs here


def test_alertmanager_payload_per_line_and_a_broken_document(cmdb: Desk) -> None:
    one = json.dumps(json.loads((FIXTURES / "firing.json").read_text(encoding="utf-8")))
    summary = events.ingest(
        cmdb, [one, "nope", json.dumps({"version": "3", "alerts": []})], fmt="alertmanager"
    )
    assert (summary.read, summary.malformed, summary.recorded) == (3, 2, 1)
    assert "line 3: payload version '3'" in summary.errors[1]
    broken = events.ingest(cmdb, ["{", '  "alerts": [', "  ]"], fmt="alertmanager")
    assert broken.malformed == 1 and broken.errors[0].startswith("line 3: not JSON")


def test_show_and_list_filters(cmdb: Desk) -> None:
    events.ingest(
        cmdb,
        [line("mail-srv-01", "queue", "warning"), line("erp-db-01", "disk", "info", source="zabbix")],
    )
    assert [r.node for r in events.list_events(cmdb, source="ZABBIX")] == ["erp-db-01"]
    assert [r.node for r in events.list_events(cmdb, ci="mail-srv-01")] == ["mail-srv-01"]
    from deskterm.domain.events.events import Severity

    assert [r.check for r in events.list_events(cmdb, severities=[Severity.WARNING])] == ["queue"]
    assert events.facets(cmdb).sources == ["nagios", "zabbix"]
    with pytest.raises(NotFound):
        events.get_event(cmdb, "EVT-99")
    with pytest.raises(InvalidInput, match="not an event"):
        events.get_event(cmdb, "INC-1")
    before = events.revision(cmdb)
    events.ingest(cmdb, [line("mail-srv-01", "queue", "warning", minute=9)])
    assert events.revision(cmdb) > before


def test_a_warning_that_turns_exception_keeps_its_incident_open(cmdb: Desk) -> None:
    lines = [
        line("mail-srv-01", minute=0),
        line("mail-srv-02", "imap", "warning", minute=1),  # joins the incident as a warning
        *[line("mail-srv-02", "imap", "warning", minute=2) for _ in range(events.DEFER_BATCHES - 2)],
        line("mail-srv-02", "imap", "critical", minute=3),  # now an exception of the same alert
        line("mail-srv-01", severity="ok", minute=4),  # one exception of two recovers
    ]
    summary = events.ingest(cmdb, lines, batch_size=1)  # the promotion lands between two flushes
    assert (summary.incidents_opened, summary.incidents_resolved) == (1, 0)
    imap = next(r for r in events.list_events(cmdb) if r.check == "imap")
    assert (imap.count, imap.significance.value) == (events.DEFER_BATCHES, "exception")


def test_repeats_over_many_batches_are_all_counted(cmdb: Desk) -> None:
    n = events.DEFER_BATCHES * 3 + 2
    events.ingest(cmdb, [line("stray", "ping", "warning", minute=m % 60) for m in range(n)], batch_size=1)
    assert events.get_event(cmdb, "EVT-1").count == n
