"""The Alertmanager webhook payload (v4) as events, from recorded payloads."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from deskterm.domain.events.alertmanager import node_of, parse_payload
from deskterm.domain.events.events import Event, EventError, Severity

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "alertmanager"
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_a_firing_alert_maps_labels_to_the_event() -> None:
    [e] = parse_payload(load("firing.json"), NOW)
    assert isinstance(e, Event)
    assert (e.source, e.node, e.check, e.severity) == (
        "prometheus",
        "mail-srv-01",
        "HighErrorRate",
        Severity.CRITICAL,
    )
    assert e.message == "SMTP error rate above 20% for 5 minutes"
    assert e.time == datetime(2026, 11, 24, 9, 12, 30, tzinfo=UTC)
    assert e.fingerprint == "b7e1c9a4d2f03e51"


def test_a_resolved_alert_is_a_recovery_at_its_end_with_the_same_fingerprint() -> None:
    [firing] = parse_payload(load("firing.json"), NOW)
    [e] = parse_payload(load("resolved.json"), NOW)
    assert isinstance(e, Event) and isinstance(firing, Event)
    assert e.is_recovery
    assert e.time == datetime(2026, 11, 24, 9, 41, tzinfo=UTC)
    assert e.fingerprint == firing.fingerprint


def test_a_grouped_payload_gives_each_alert_or_its_error() -> None:
    items = parse_payload(load("grouped.json"), NOW)
    assert [type(i).__name__ for i in items] == ["Event", "Event", "Event", "EventError"]
    first, second, resolved, missing = items
    assert isinstance(first, Event) and isinstance(second, Event) and isinstance(resolved, Event)
    assert (first.node, second.node) == ("erp-app-01", "erp-app-02")
    assert first.message == "erp-app-01 has been down for more than 2 minutes"
    assert resolved.node == "10.20.0.15" and resolved.is_recovery
    assert "alert 4: the alert has no instance label" in str(missing)


def test_common_labels_fill_in_and_defaults_apply() -> None:
    payload = {
        "version": "4",
        "status": "firing",
        "commonLabels": {"alertname": "DiskFull", "source": "node-exporter"},
        "alerts": [
            {
                "status": "firing",
                "labels": {"host": "fs-01"},
                "annotations": {},
                "startsAt": "2026-11-24T09:00:00Z",
            }
        ],
    }
    [e] = parse_payload(payload, NOW)
    assert isinstance(e, Event)
    assert (e.source, e.node, e.check, e.severity) == ("node-exporter", "fs-01", "DiskFull", Severity.WARNING)


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        (["not", "an", "object"], "JSON object"),
        ({"version": "3", "alerts": []}, "version '3'"),
        ({"version": "4"}, "no alerts list"),
        ({"version": "4", "alerts": [], "commonLabels": ["job"]}, "commonLabels"),
    ],
)
def test_a_payload_that_is_none_is_refused(payload: object, problem: str) -> None:
    with pytest.raises(EventError, match=problem):
        parse_payload(payload, NOW)


def test_bad_alerts_are_named() -> None:
    base = {"labels": {"alertname": "X", "instance": "a:1"}, "startsAt": "2026-11-24T09:00:00Z"}
    cases = [
        ({**base, "status": "pending"}, "status 'pending'"),
        ({**base, "status": "firing", "labels": {"instance": "a:1"}}, "no alertname"),
        ({**base, "status": "firing", "startsAt": "tomorrow"}, "ISO 8601"),
        ("text", "JSON object"),
    ]
    items = parse_payload({"version": "4", "alerts": [c for c, _ in cases]}, NOW)
    for i, (item, (_, problem)) in enumerate(zip(items, cases, strict=True), 1):
        assert isinstance(item, EventError)
        assert str(item).startswith(f"alert {i}: ") and problem in str(item)


@pytest.mark.parametrize(
    ("instance", "node"),
    [("web-01:9100", "web-01"), ("10.0.0.5:9100", "10.0.0.5"), ("[::1]:9100", "::1"), ("web-01", "web-01")],
)
def test_the_port_is_cut_from_the_instance(instance: str, node: str) -> None:
    assert node_of(instance) == node
