"""Event management rules: reading events, significance (filtering) rules, de-duplication,
correlation, recovery and the priority of the incidents events open."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskterm.domain.core.vocabulary import Criticality, Level
from deskterm.domain.events.events import (
    Correlator,
    Event,
    EventError,
    RecoveryAction,
    Rule,
    RuleAction,
    RuleSet,
    Severity,
    Significance,
    correlation_key,
    fingerprint,
    impact_urgency,
    incident_title,
    make_event,
    most_critical,
    on_recovery,
    open_alert,
    parse_severity,
    parse_time,
    repeat,
)

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
MIN = timedelta(minutes=1)


def ev(node: str = "web-01", check: str = "http", severity: str = "critical", **kw: object) -> Event:
    raw = {"source": "nagios", "node": node, "check": check, "severity": severity, **kw}
    return make_event(raw, NOW)


# -- reading ---------------------------------------------------------------------------------


def test_an_event_has_a_default_fingerprint_from_source_node_and_check() -> None:
    e = ev()
    assert e.fingerprint == fingerprint("nagios", "web-01", "http")
    assert e.fingerprint == fingerprint("NAGIOS", "Web-01", "HTTP")  # case does not split alerts
    assert e.fingerprint != fingerprint("nagios", "web-02", "http")
    assert ev(fingerprint="abc").fingerprint == "abc"
    assert len(ev(fingerprint="x" * 300).fingerprint) <= 64


def test_time_defaults_to_now_and_must_carry_a_zone() -> None:
    assert ev().time == NOW
    assert ev(time="2026-11-24T17:00:00+08:00").time == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert ev(time=1795000000).time == datetime.fromtimestamp(1795000000, UTC)
    with pytest.raises(EventError, match="no time zone"):
        ev(time="2026-11-24T09:00:00")
    with pytest.raises(EventError, match="ISO 8601"):
        parse_time("yesterday")


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"node": "a", "check": "b", "severity": "critical"}, "source is missing"),
        ({"source": "s", "check": "b", "severity": "critical"}, "node is missing"),
        ({"source": "s", "node": "a", "severity": "critical"}, "check is missing"),
        ({"source": "s", "node": "a", "check": "b"}, "severity is missing"),
        ({"source": "s", "node": "a", "check": "b", "severity": "purple"}, "severity 'purple'"),
        ({"source": "s", "node": ["a"], "check": "b", "severity": "ok"}, "node must be text"),
        ({"source": "s", "node": "a" * 121, "check": "b", "severity": "ok"}, "at most 120"),
    ],
)
def test_a_bad_event_names_the_field(raw: dict[str, object], problem: str) -> None:
    with pytest.raises(EventError, match=problem):
        make_event(raw, NOW)


def test_not_an_object_is_refused() -> None:
    with pytest.raises(EventError, match="JSON object"):
        make_event(["a"], NOW)  # type: ignore[arg-type]


def test_severity_aliases_and_titles_on_one_line() -> None:
    assert parse_severity("CRIT") is Severity.CRITICAL
    assert parse_severity("resolved") is Severity.OK
    assert parse_severity("warn") is Severity.WARNING
    e = ev(node="  web-01\n", message="line one\nline two")
    assert e.node == "web-01"
    assert e.message == "line one\nline two"  # messages keep their lines; titles do not
    assert incident_title(e) == "web-01: http critical - line one line two"
    assert len(incident_title(ev(message="m" * 500))) == 200


# -- significance rules ----------------------------------------------------------------------


def test_without_rules_the_severity_decides() -> None:
    rules = RuleSet()
    assert rules.classify(ev(severity="critical")) is Significance.EXCEPTION
    assert rules.classify(ev(severity="major")) is Significance.EXCEPTION
    assert rules.classify(ev(severity="minor")) is Significance.WARNING
    assert rules.classify(ev(severity="warning")) is Significance.WARNING
    assert rules.classify(ev(severity="info")) is Significance.INFORMATIONAL


def test_the_first_matching_rule_decides() -> None:
    rules = RuleSet(
        (
            Rule("payroll disk", RuleAction.EXCEPTION, node="payroll-*", check="disk*"),
            Rule("no disk noise", RuleAction.DROP, check="disk*"),
            Rule("tests are info", RuleAction.INFORMATIONAL, node="test-*"),
        )
    )
    assert rules.classify(ev("payroll-db-01", "disk_free", "warning")) is Significance.EXCEPTION
    assert rules.classify(ev("web-01", "disk_free", "critical")) is None
    assert rules.classify(ev("test-07", "http", "critical")) is Significance.INFORMATIONAL
    assert rules.classify(ev("web-01", "http", "critical")) is Significance.EXCEPTION
    assert rules.rule_for(ev("web-01", "disk_free")) is rules.rules[1]


def test_a_rule_matches_only_when_every_condition_does() -> None:
    rule = Rule(
        "backup",
        RuleAction.WARNING,
        source="zabbix",
        message=r"backup (failed|late)",
        severities=(Severity.MAJOR, Severity.CRITICAL),
    )
    hit = make_event(
        {
            "source": "Zabbix",
            "node": "n",
            "check": "c",
            "severity": "major",
            "message": "Nightly BACKUP failed",
        },
        NOW,
    )
    assert rule.matches(hit)
    assert not rule.matches(ev(message="backup failed"))  # source nagios
    wrong_severity = make_event(
        {"source": "zabbix", "node": "n", "check": "c", "severity": "minor", "message": "backup late"}, NOW
    )
    assert not rule.matches(wrong_severity)


def test_patterns_are_whole_name_globs_and_messages_are_searched() -> None:
    rule = Rule("web", RuleAction.DROP, node="web-?")
    assert rule.matches(ev("web-1")) and rule.matches(ev("WEB-2"))
    assert not rule.matches(ev("web-10")) and not rule.matches(ev("myweb-1"))


def test_bad_rules_are_refused_with_the_reason() -> None:
    with pytest.raises(EventError, match="names no condition"):
        Rule("empty", RuleAction.DROP)
    with pytest.raises(EventError, match="not a regular expression"):
        Rule("bad", RuleAction.DROP, message="(unclosed")


def test_a_recovery_is_kept_unless_a_drop_rule_covers_it() -> None:
    rules = RuleSet(
        (Rule("no ping", RuleAction.DROP, check="ping"), Rule("x", RuleAction.EXCEPTION, node="*"))
    )
    assert rules.classify(ev(check="ping", severity="ok")) is None
    assert rules.classify(ev(check="http", severity="ok")) is Significance.INFORMATIONAL


# -- de-duplication --------------------------------------------------------------------------


def test_repeats_count_and_keep_first_and_last_seen() -> None:
    first = ev(time="2026-11-24T09:00:00Z", message="down")
    alert = open_alert(first, Significance.EXCEPTION)
    alert = repeat(
        alert, ev(time="2026-11-24T09:05:00Z", severity="major", message="still down"), Significance.EXCEPTION
    )
    alert = repeat(alert, ev(time="2026-11-24T08:59:00Z", message="late arrival"), Significance.EXCEPTION)
    assert alert.count == 3
    assert alert.first_seen == datetime(2026, 11, 24, 8, 59, tzinfo=UTC)
    assert alert.last_seen == datetime(2026, 11, 24, 9, 5, tzinfo=UTC)
    assert (alert.severity, alert.message) == (Severity.MAJOR, "still down")  # the latest report stands


def test_significance_never_falls_while_an_alert_is_active() -> None:
    alert = open_alert(ev(severity="warning"), Significance.WARNING)
    alert = repeat(alert, ev(severity="critical"), Significance.EXCEPTION)
    assert alert.significance is Significance.EXCEPTION
    alert = repeat(alert, ev(severity="info"), Significance.INFORMATIONAL)
    assert alert.significance is Significance.EXCEPTION


@given(st.lists(st.integers(min_value=-10_000, max_value=10_000), min_size=1, max_size=30))
def test_dedup_is_order_independent_for_count_and_span(offsets: list[int]) -> None:
    events = [ev(time=(NOW + timedelta(seconds=o)).isoformat()) for o in offsets]
    alert = open_alert(events[0], Significance.EXCEPTION)
    for e in events[1:]:
        alert = repeat(alert, e, Significance.EXCEPTION)
    assert alert.count == len(offsets)
    assert alert.first_seen == NOW + timedelta(seconds=min(offsets))
    assert alert.last_seen == NOW + timedelta(seconds=max(offsets))


# -- correlation -----------------------------------------------------------------------------


def test_same_ci_within_the_window_correlates() -> None:
    c = Correlator(window=timedelta(minutes=15))
    c.add(7, correlation_key(3, "mail-srv-01"), (1,), NOW)
    assert c.find(correlation_key(3, "MAIL-SRV-01"), (1,), NOW + 10 * MIN) == 7
    assert c.find(correlation_key(3, "mail-srv-01"), (1,), NOW - 10 * MIN) == 7  # out of order
    assert c.find(correlation_key(3, "mail-srv-01"), (1,), NOW + 16 * MIN) is None


def test_cis_of_the_same_service_correlate_and_others_do_not() -> None:
    c = Correlator(window=timedelta(minutes=15))
    c.add(7, correlation_key(3, "mail-srv-01"), (1, 2), NOW)
    assert c.find(correlation_key(4, "mail-srv-02"), (2,), NOW + 5 * MIN) == 7
    assert c.find(correlation_key(5, "erp-db-01"), (9,), NOW + 5 * MIN) is None


def test_nodes_that_are_no_ci_correlate_by_name_only() -> None:
    c = Correlator()
    c.add(1, correlation_key(None, "Web-0001"), (), NOW)
    assert c.find(correlation_key(None, "web-0001"), (), NOW + MIN) == 1
    assert c.find(correlation_key(None, "web-0002"), (), NOW + MIN) is None


def test_the_most_recent_incident_of_a_service_wins_and_forgotten_ones_are_gone() -> None:
    c = Correlator(window=timedelta(minutes=30))
    c.add(1, "ci:1", (5,), NOW)
    c.add(2, "ci:2", (5,), NOW + 5 * MIN)
    assert c.find("ci:3", (5,), NOW + 6 * MIN) == 2
    c.forget(2)
    assert c.find("ci:3", (5,), NOW + 6 * MIN) is None  # the service anchor was incident 2's
    assert c.find("ci:1", (), NOW + 6 * MIN) == 1


# -- incidents and recovery ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criticality", "severity", "expected"),
    [
        (Criticality.CRITICAL, Severity.CRITICAL, (Level.HIGH, Level.HIGH)),
        (Criticality.HIGH, Severity.MAJOR, (Level.HIGH, Level.MEDIUM)),
        (Criticality.MEDIUM, Severity.CRITICAL, (Level.MEDIUM, Level.HIGH)),
        (Criticality.LOW, Severity.MAJOR, (Level.LOW, Level.MEDIUM)),
        (None, Severity.CRITICAL, (Level.LOW, Level.HIGH)),
        (Criticality.CRITICAL, Severity.WARNING, (Level.HIGH, Level.LOW)),
    ],
)
def test_impact_from_criticality_urgency_from_severity(
    criticality: Criticality | None, severity: Severity, expected: tuple[Level, Level]
) -> None:
    assert impact_urgency(criticality, severity) == expected


def test_most_critical_service() -> None:
    assert most_critical([Criticality.LOW, Criticality.CRITICAL, Criticality.MEDIUM]) is Criticality.CRITICAL
    assert most_critical([]) is None


@pytest.mark.parametrize(
    ("opened", "taken", "open_", "still", "action"),
    [
        (True, False, True, 0, RecoveryAction.RESOLVE),
        (True, False, True, 2, RecoveryAction.NOTHING),
        (True, True, True, 0, RecoveryAction.NOTE),
        (False, False, True, 0, RecoveryAction.NOTE),
        (True, False, False, 0, RecoveryAction.NOTHING),
    ],
)
def test_what_a_recovery_does(
    opened: bool, taken: bool, open_: bool, still: int, action: RecoveryAction
) -> None:
    assert (
        on_recovery(opened_by_event=opened, taken_over=taken, incident_open=open_, still_active=still)
        is action
    )
