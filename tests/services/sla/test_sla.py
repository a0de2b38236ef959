"""SLA services on both databases: definitions as code, clocks that follow ticket writes, the
monitor and the explanation, checked the way an agent or admin would notice them."""

from datetime import UTC, datetime, timedelta

import pytest

from deskterm.domain.core.clock import FixedClock
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput
from deskterm.services.sla import sla, sla_definitions
from tests.services import factories as f
from tests.services.sla_definitions_text import DEFINITIONS


def utc(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


def when(desk: Desk) -> FixedClock:
    clock = desk.clock
    assert isinstance(clock, FixedClock)
    return clock


def clock_rows(desk: Desk, **filters: object) -> list[tuple[str, str, str, str, datetime | None]]:
    """(ref, agreement, metric, band, due) of every clock the monitor lists."""
    return [(r.ref, r.agreement, r.metric, r.band, r.due_at) for r in sla.monitor(desk, **filters)]  # type: ignore[arg-type]


def snapshot(desk: Desk) -> tuple[str, list[tuple[str, str, str, str, datetime | None]]]:
    return sla_definitions.export(desk), clock_rows(desk)


def clock_of(desk: Desk, ref: str, agreement: str, metric: str) -> sla.ClockView:
    found = [c for c in sla.explain(desk, ref).clocks if c.agreement == agreement and c.metric == metric]
    assert len(found) == 1, f"{agreement} {metric} of {ref}: {found}"
    return found[0]


# -- definitions as code ----------------------------------------------------------------------


def test_apply_reports_what_it_defined(sd: Desk) -> None:
    summary = sla_definitions.apply(sd, DEFINITIONS)
    assert (summary.calendars, summary.agreements, summary.escalations) == (1, 2, 2)
    assert summary.removed == [] and summary.clocks == 0
    f.log(sd, urgency="high", service="Email")
    again = sla_definitions.apply(sd, DEFINITIONS)
    assert again.clocks == 2 and again.removed == []


def test_applying_the_same_file_twice_changes_nothing(applied: Desk) -> None:
    f.log(applied, urgency="high", service="Email")
    f.log(applied, service="Printing", group="Network")
    before = snapshot(applied)
    assert len(before[1]) == 4
    summary = sla_definitions.apply(applied, DEFINITIONS)
    assert summary.removed == []
    assert snapshot(applied) == before


def test_export_round_trips(applied: Desk) -> None:
    text = sla_definitions.export(applied)
    for name in ("Shanghai office", "Asia/Shanghai", "2026-11-26", "13:00-18:00", "Email SLA", "27h"):
        assert name in text
    summary = sla_definitions.apply(applied, text)
    assert summary.removed == [] and (summary.calendars, summary.agreements, summary.escalations) == (1, 2, 2)
    assert sla_definitions.export(applied) == text


def test_targets_in_seconds_or_mixed_units_are_kept_and_exported_normalised(sd: Desk) -> None:
    text = DEFINITIONS.replace(
        'P3 = { response = "2h", resolution = "27h" }', 'P3 = { response = 7200, resolution = "26h60m" }'
    )
    sla_definitions.apply(sd, text)
    t = f.log(sd, service="Email")  # P3
    assert clock_of(sd, t.ref, "Email SLA", "response").target_seconds == 7200
    exported = sla_definitions.export(sd)
    assert 'response = "2h"' in exported and 'resolution = "27h"' in exported
    sla_definitions.apply(sd, exported)
    assert sla_definitions.export(sd) == exported


def test_a_file_without_an_agreement_removes_it_and_its_clocks(applied: Desk) -> None:
    t = f.log(applied, urgency="high", service="Email", group="Network")
    assert {r[1] for r in clock_rows(applied)} == {"Email SLA", "Network OLA"}
    without_ola = DEFINITIONS.replace('name = "Network OLA"', 'name = "Email OLA"').replace(
        'groups = ["Network"]', 'groups = ["Service Desk"]'
    )
    summary = sla_definitions.apply(applied, without_ola)
    assert summary.removed == ["agreement Network OLA"]
    assert {r[1] for r in clock_rows(applied)} == {"Email SLA"}
    assert {c.agreement for c in sla.explain(applied, t.ref).clocks} == {"Email SLA"}
    assert "Network OLA" not in sla_definitions.export(applied)


def test_a_file_without_a_calendar_removes_it(applied: Desk) -> None:
    text = DEFINITIONS.split("[[agreement]]", 1)[1].replace('calendar = "Shanghai office"', "")
    summary = sla_definitions.apply(applied, "[[agreement]]" + text)
    assert summary.removed == ["calendar Shanghai office"]
    assert "Shanghai office" not in sla_definitions.export(applied)


def test_an_empty_file_removes_everything(applied: Desk) -> None:
    f.log(applied, urgency="high", service="Email")
    summary = sla_definitions.apply(applied, "")
    assert sorted(summary.removed) == [
        "agreement Email SLA",
        "agreement Network OLA",
        "calendar Shanghai office",
    ]
    assert sla_definitions.export(applied) == ""
    assert clock_rows(applied) == []


BROKEN = [
    ("syntax", ("[[agreement]]\nname", "[[agreement]\nname"), ("not valid TOML",)),
    ("unknown key", ("warn_at = 0.75\n", 'warn_at = 0.75\ncolour = "red"\n'), ("agreement[1]", "colour")),
    ("weekday", ('fri = ["09', 'fry = ["09'), ("'Shanghai office'", "hours", "'fry'")),
    (
        "overlap",
        ('mon = ["09:00-12:00", "13:00-18:00"]', 'mon = ["09:00-12:00", "11:00-18:00"]'),
        ("'Shanghai office'", "hours.mon", "overlaps"),
    ),
    ("time zone", ('"Asia/Shanghai"', '"Asia/Shangai"'), ("'Shanghai office'", "timezone", "Asia/Shangai")),
    ("holiday", ('"2026-11-26"', '"2026-11-31"'), ("calendar[1]", "holidays")),
    ("service", ('services = ["Email"]', 'services = ["Emial"]'), ("'Email SLA'", "services", "'Emial'")),
    ("group", ('groups = ["Network"]', 'groups = ["Netwrk"]'), ("'Network OLA'", "groups", "'Netwrk'")),
    (
        "calendar",
        ('calendar = "Shanghai office"', 'calendar = "Berlin office"'),
        ("'Email SLA'", "calendar", "'Berlin office'"),
    ),
    ("days", ('resolution = "4h"', 'resolution = "1d"'), ("'Email SLA'", "targets", "'1d'")),
    ("not a duration", ('resolution = "4h"', 'resolution = "abc"'), ("'Email SLA'", "targets", "'abc'")),
    ("zero", ('response = "15m"', 'response = "0m"'), ("'Email SLA'", "targets", "'0m'")),
    ("priority", ("P1 = {", "P9 = {"), ("'Email SLA'", "targets", "'P9'")),
    ("warn_at", ("warn_at = 0.75", "warn_at = 1.5"), ("'Email SLA'", "warn_at", "1.5")),
    (
        "pause_on",
        ('pause_on = ["customer", "supplier"]', 'pause_on = ["lunch"]'),
        ("'Email SLA'", "pause_on", "'lunch'"),
    ),
    (
        "escalation agreement",
        ('agreement = "Email SLA"\npriority', 'agreement = "Mail SLA"\npriority'),
        ("escalation[2]", "agreement", "'Mail SLA'"),
    ),
    ("reassign without group", ('group = "Network"\n', ""), ("escalation[2]", "group", "reassign")),
]


@pytest.mark.parametrize(("case", "edit", "says"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_file_changes_nothing_and_names_entry_and_field(
    applied: Desk, case: str, edit: tuple[str, str], says: tuple[str, ...]
) -> None:
    old, new = edit
    assert DEFINITIONS.count(old) >= 1, case
    broken = DEFINITIONS.replace(old, new, 1)
    # a change the broken file would also make, were it applied: it must not be
    broken = broken.replace(
        'P2 = { response = "30m", resolution = "6h" }', 'P2 = { response = "20m", resolution = "5h" }'
    )
    t = f.log(applied, urgency="high", service="Email", group="Network")
    before = snapshot(applied)
    explained = sla.explain(applied, t.ref)
    with pytest.raises(InvalidInput) as caught:
        sla_definitions.apply(applied, broken, "sla.toml")
    message = caught.value.message
    assert message.startswith("sla.toml"), message
    for part in says:
        assert part in message, message
    assert "nothing was changed" in message
    assert "\n" not in message.strip()
    assert snapshot(applied) == before
    assert sla.explain(applied, t.ref) == explained


def test_a_broken_file_on_an_empty_desk_defines_nothing(sd: Desk) -> None:
    with pytest.raises(InvalidInput):
        sla_definitions.apply(sd, DEFINITIONS.replace("warn_at = 0.75", "warn_at = 1.5"))
    assert sla_definitions.export(sd) == ""


# -- clocks follow ticket writes --------------------------------------------------------------


def test_logging_starts_clocks_due_on_the_business_calendar(applied: Desk) -> None:
    p2 = f.log(applied, urgency="high", service="Email")
    assert p2.priority == "P2"
    # 17:30 Shanghai + 30 business minutes = 18:00 Shanghai = 10:00 UTC the same Tuesday.
    # 8h: 0.5h on Tuesday, 8h less 0.5h on Wednesday (09-12, 13-17:30) -> Wed 17:30 = 09:30 UTC.
    assert clock_rows(applied) == [
        (p2.ref, "Email SLA", "response", "ok", utc(24, 10, 0)),
        (p2.ref, "Email SLA", "resolution", "ok", utc(25, 9, 30)),
    ]
    p3 = f.log(applied, service="Email")
    assert p3.priority == "P3"
    # 2h: 0.5h Tuesday + 1.5h Wednesday from 09:00 -> Wed 10:30 Shanghai = 02:30 UTC.
    # 27h: 0.5 Tue + 8 Wed + Thursday holiday + 8 Fri + weekend + 8 Mon (24.5) + 2.5 Tue Dec 1
    # -> Tue 11:30 Shanghai = 03:30 UTC.
    response = clock_of(applied, p3.ref, "Email SLA", "response")
    resolution = clock_of(applied, p3.ref, "Email SLA", "resolution")
    assert response.due_at == utc(25, 2, 30)
    assert resolution.due_at == datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
    assert resolution.state == "running" and resolution.target == "27h"
    # the warning comes at 75 % of 30 business minutes: 17:52:30 Shanghai
    assert clock_of(applied, p2.ref, "Email SLA", "response").warning_at == utc(24, 9, 52, 30)


def test_a_ticket_no_agreement_covers_has_no_clocks(applied: Desk) -> None:
    t = f.log(applied, urgency="high", service="Printing")
    assert clock_rows(applied) == []
    assert sla.explain(applied, t.ref).clocks == []


def test_assigning_meets_the_response_target(applied: Desk) -> None:
    t = f.log(applied, urgency="high", service="Email", group="Service Desk")
    when(applied).advance(timedelta(minutes=10))
    f.update(applied, t.ref, assignee="bob")
    assert [r[2] for r in clock_rows(applied)] == ["resolution"]
    response = clock_of(applied, t.ref, "Email SLA", "response")
    assert response.state == "met"
    assert response.stopped_at == utc(24, 9, 40)
    assert response.elapsed_seconds == 600
    assert any(g.reason.startswith("stopped: responded") for g in response.segments)


def test_a_public_update_meets_the_response_target(applied: Desk) -> None:
    t = f.log(applied, urgency="high", service="Email")
    when(applied).advance(timedelta(minutes=5))
    f.note(applied, t.ref, "We are on it", public=True)
    assert [r[2] for r in clock_rows(applied)] == ["resolution"]
    assert clock_of(applied, t.ref, "Email SLA", "response").state == "met"


def test_pending_for_a_listed_reason_pauses_and_resuming_moves_the_due_time(applied: Desk) -> None:
    t = f.log(applied, urgency="high", service="Email", group="Service Desk")
    clock = when(applied)
    clock.advance(timedelta(minutes=10))
    f.update(applied, t.ref, assignee="bob")
    f.update(applied, t.ref, status="pending", reason="customer")  # 17:40 Shanghai
    rows = clock_rows(applied)
    assert rows == [(t.ref, "Email SLA", "resolution", "paused", None)]
    paused = clock_of(applied, t.ref, "Email SLA", "resolution")
    assert paused.state == "paused" and paused.due_at is None and paused.remaining_seconds == 8 * 3600 - 600

    clock.advance(timedelta(hours=16, minutes=20))  # Wednesday 10:00 Shanghai
    assert clock_rows(applied)[0][3] == "paused"  # still paused without any write
    f.update(applied, t.ref, status="in-progress")
    # paused 17:40-18:00 and 09:00-10:00: 80 business minutes; 7h50m left from Wed 10:00:
    # 7h on Wednesday, the Thursday holiday, 50 minutes on Friday -> Fri 09:50 Shanghai.
    assert clock_rows(applied) == [(t.ref, "Email SLA", "resolution", "ok", utc(27, 1, 50))]
    resumed = clock_of(applied, t.ref, "Email SLA", "resolution")
    assert resumed.state == "running" and resumed.paused_seconds == 80 * 60
    assert any(not g.counted and g.reason == "paused: pending (customer)" for g in resumed.segments)


def test_pending_for_an_unlisted_reason_keeps_the_clock_running(applied: Desk) -> None:
    t = f.log(applied, urgency="high", service="Email", group="Service Desk")
    f.update(applied, t.ref, assignee="bob")
    f.update(applied, t.ref, status="pending", reason="problem")
    assert clock_rows(applied) == [(t.ref, "Email SLA", "resolution", "ok", utc(25, 9, 30))]
    when(applied).advance(timedelta(minutes=20))
    reading = clock_of(applied, t.ref, "Email SLA", "resolution")
    assert reading.state == "running" and reading.elapsed_seconds == 1200
    assert any("pending (problem) does not pause Email SLA" in g.reason for g in reading.segments)


def test_a_priority_change_keeps_the_pause_and_measures_from_the_start(applied: Desk) -> None:
    t = f.log(applied, urgency="high", service="Email", group="Service Desk")
    clock = when(applied)
    clock.advance(timedelta(minutes=10))
    f.update(applied, t.ref, assignee="bob")
    f.update(applied, t.ref, status="pending", reason="customer")
    clock.advance(timedelta(hours=16, minutes=20))  # Wed 10:00 Shanghai
    f.update(applied, t.ref, status="in-progress")
    clock.advance(timedelta(hours=1))  # Wed 11:00 Shanghai: 70 business minutes used
    f.update(applied, t.ref, impact="high")  # P2 -> P1: 4h
    # 4h - 70m = 2h50m from Wed 11:00: 1h to noon, 1h50m after lunch -> 14:50 Shanghai
    assert clock_rows(applied) == [(t.ref, "Email SLA", "resolution", "ok", utc(25, 6, 50))]
    reading = clock_of(applied, t.ref, "Email SLA", "resolution")
    assert reading.priority == "P1" and reading.target == "4h"
    assert reading.paused_seconds == 80 * 60 and reading.elapsed_seconds == 70 * 60
    markers = [g for g in reading.segments if g.start == g.end]
    assert any(
        g.start == utc(25, 3) and g.reason.startswith("target changed: P2 -> P1 (8h -> 4h)") for g in markers
    )


def test_a_priority_raise_past_the_new_target_breaches_at_the_change(applied: Desk) -> None:
    t = f.log(applied, service="Email", group="Service Desk")  # P3, 27h
    f.update(applied, t.ref, assignee="bob")
    when(applied).advance(timedelta(days=1, hours=1))  # Wed 18:30 Shanghai: 8.5h used
    f.update(applied, t.ref, impact="high", urgency="high")  # P1: 4h, used up already
    assert clock_rows(applied)[0][3] == "breached"
    reading = clock_of(applied, t.ref, "Email SLA", "resolution")
    assert reading.state == "breached" and reading.breached_at == utc(25, 10, 30)


def test_resolving_stops_the_clocks_and_reopening_runs_them_on(applied: Desk) -> None:
    t = f.log(applied, urgency="high", service="Email", group="Service Desk")
    clock = when(applied)
    f.update(applied, t.ref, assignee="bob")
    clock.advance(timedelta(minutes=20))  # 17:50 Shanghai
    f.update(applied, t.ref, status="resolved", resolution_code="fixed", resolution="Restarted the relay")
    assert clock_rows(applied) == []
    done = clock_of(applied, t.ref, "Email SLA", "resolution")
    assert done.state == "met" and done.stopped_at == utc(24, 9, 50) and done.elapsed_seconds == 1200

    clock.advance(timedelta(days=1))  # Wed 17:50 Shanghai: nothing counts while resolved
    assert clock_of(applied, t.ref, "Email SLA", "resolution").elapsed_seconds == 1200
    f.update(applied, t.ref, status="in-progress")
    # 8h - 20m = 7h40m from Wed 17:50: 10m, Thursday holiday, Friday 8h -> Fri 17:30 Shanghai
    assert clock_rows(applied) == [(t.ref, "Email SLA", "resolution", "ok", utc(27, 9, 30))]
    reopened = clock_of(applied, t.ref, "Email SLA", "resolution")
    assert reopened.state == "running" and reopened.elapsed_seconds == 1200
    assert any(g.reason.startswith("reopened") for g in reopened.segments)
    assert any(g.reason == "stopped: resolved" and not g.counted for g in reopened.segments)


def test_an_ola_starts_when_the_ticket_reaches_its_group_alongside_the_sla(applied: Desk) -> None:
    t = f.log(applied, urgency="high", service="Email", group="Service Desk")
    clock = when(applied)
    clock.advance(timedelta(minutes=10))
    f.update(applied, t.ref, group="Network")  # 09:40 UTC; the OLA runs round the clock
    assert sorted(clock_rows(applied), key=lambda r: (r[1], r[2])) == [
        (t.ref, "Email SLA", "resolution", "ok", utc(25, 9, 30)),
        (t.ref, "Email SLA", "response", "ok", utc(24, 10, 0)),
        (t.ref, "Network OLA", "resolution", "ok", utc(24, 15, 40)),
        (t.ref, "Network OLA", "response", "ok", utc(24, 10, 10)),
    ]
    ola = clock_of(applied, t.ref, "Network OLA", "resolution")
    assert ola.kind == "OLA" and ola.elapsed_seconds == 0
    clock.advance(timedelta(minutes=15))
    f.update(applied, t.ref, assignee="nick")  # responds for both
    assert clock_of(applied, t.ref, "Network OLA", "response").elapsed_seconds == 15 * 60
    assert clock_of(applied, t.ref, "Email SLA", "response").elapsed_seconds == 25 * 60
    assert [r[1] for r in clock_rows(applied)] == ["Network OLA", "Email SLA"]


# -- the monitor --------------------------------------------------------------------------------


def test_monitor_filters_by_group_agreement_kind_and_time_left(applied: Desk) -> None:
    mail = f.log(applied, urgency="high", service="Email")
    net = f.log(applied, service="Printing", group="Network")  # P3 under the OLA only
    assert {r[0] for r in clock_rows(applied, group="Network")} == {net.ref}
    assert {r[0] for r in clock_rows(applied, agreement="Network OLA")} == {net.ref}
    assert {r[0] for r in clock_rows(applied, agreement="Email SLA")} == {mail.ref}
    assert {r[0] for r in clock_rows(applied, kind="ola")} == {net.ref}
    assert {r[0] for r in clock_rows(applied, kind="SLA")} == {mail.ref}
    assert clock_rows(applied, within_hours=1) == [
        (mail.ref, "Email SLA", "response", "ok", utc(24, 10, 0)),
        (net.ref, "Network OLA", "response", "ok", utc(24, 10, 30)),
    ]
    dues = [r[4] for r in clock_rows(applied)]
    assert dues == sorted(dues)  # type: ignore[type-var]
    assert clock_rows(applied, within_hours=0.25) == []


def test_monitor_bands_move_with_time_without_any_write(applied: Desk) -> None:
    t = f.log(applied, urgency="high", service="Email")
    clock = when(applied)

    def bands() -> dict[str, str]:
        return {r.metric: r.band for r in sla.monitor(applied)}

    assert bands() == {"response": "ok", "resolution": "ok"}
    clock.advance(timedelta(minutes=23))  # past 75 % of 30 minutes
    assert bands() == {"response": "at-risk", "resolution": "ok"}
    clock.advance(timedelta(minutes=8))  # 10:01 UTC: past due
    assert bands() == {"response": "breached", "resolution": "ok"}
    row = next(r for r in sla.monitor(applied) if r.metric == "response")
    assert row.time_left_seconds == -60 and row.time_left == "-1m"
    assert row.ref == t.ref


# -- explain ------------------------------------------------------------------------------------


def test_explain_says_why_each_stretch_counted_or_not(applied: Desk) -> None:
    t = f.log(applied, service="Email")  # P3: 27h
    when(applied).advance(timedelta(days=3, minutes=30))  # Fri 27 10:00 UTC = 18:00 Shanghai
    reading = clock_of(applied, t.ref, "Email SLA", "resolution")
    spans = [(g.start, g.end, g.counted, g.reason) for g in reading.segments if g.start != g.end]
    assert spans == [
        (utc(24, 9, 30), utc(24, 10), True, "counted"),
        (utc(24, 10), utc(25, 1), False, "outside business hours"),
        (utc(25, 1), utc(25, 4), True, "counted"),
        (utc(25, 4), utc(25, 5), False, "outside business hours"),  # lunch
        (utc(25, 5), utc(25, 10), True, "counted"),
        (utc(25, 10), utc(25, 16), False, "outside business hours"),
        (utc(25, 16), utc(26, 16), False, "holiday"),
        (utc(26, 16), utc(27, 1), False, "outside business hours"),
        (utc(27, 1), utc(27, 4), True, "counted"),
        (utc(27, 4), utc(27, 5), False, "outside business hours"),
        (utc(27, 5), utc(27, 10), True, "counted"),
    ]
    assert reading.elapsed_seconds == 16.5 * 3600 == sum(g.seconds for g in reading.segments if g.counted)
    assert reading.state == "running" and reading.remaining == "10h30m"
    response = clock_of(applied, t.ref, "Email SLA", "response")
    assert response.state == "breached" and response.breached_at == utc(25, 2, 30)
    assert any(g.reason.startswith("breached") for g in response.segments)


# -- escalations and re-applying ------------------------------------------------------------------


def test_reapplying_the_same_file_does_not_fire_escalations_again(applied: Desk) -> None:
    from deskterm.services.sla import sla_reports

    f.log(applied, urgency="high", service="Email")
    when(applied).advance(timedelta(minutes=23))  # the response clock is past warn_at
    fired = sla_reports.run_escalations(applied)
    assert [(x.agreement, x.metric, x.at, x.action) for x in fired] == [
        ("Email SLA", "response", "warn", "notify")
    ]
    sla_definitions.apply(applied, DEFINITIONS)
    assert sla_reports.run_escalations(applied) == []


def test_removing_an_agreement_whose_escalation_fired(applied: Desk) -> None:
    from deskterm.services.sla import sla_reports

    f.log(applied, service="Printing", group="Network")  # P3 under the OLA: warn after 48 minutes
    when(applied).advance(timedelta(minutes=50))
    assert [x.agreement for x in sla_reports.run_escalations(applied)] == ["Network OLA"]
    without_ola = DEFINITIONS.replace('groups = ["Network"]', 'groups = ["Service Desk"]').replace(
        'name = "Network OLA"', 'name = "Desk OLA"'
    )
    summary = sla_definitions.apply(applied, without_ola)
    assert summary.removed == ["agreement Network OLA"]
    assert clock_rows(applied) == []
