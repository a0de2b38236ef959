"""The service level clock, derived purely from a ticket's recorded history.

Nothing is ever ticked into the database: :func:`compute` replays the ticket's status, pending
reason and priority changes against an agreement's calendar and targets and reads the clock at
``now``. The same history and ``now`` always give the same reading.

What the clocks measure
-----------------------
Both clocks start when the ticket is logged (``opened_at``) and count business time of the
agreement's calendar only.

**Response** is met by the first time the desk acts for the caller: the first of

- the ticket leaving ``new`` (assigned, in progress, pending or resolved: someone took it), and
- ``responded_at``, which the service layer sets at the first public update sent to the caller.

A ticket logged in another status than ``new`` (e.g. resolved at first contact) is responded to
when it is logged. The response clock never pauses: while it runs, the ticket is ``new``.

**Resolution** runs while the ticket is open, except while it is ``pending`` with a reason that
the agreement's ``pause_on`` lists (a reason not listed keeps it running, and the explanation
says so). It stops at ``resolved`` or ``closed``, and a reopen (``resolved -> in-progress``)
restarts it where it stopped: business time accumulates over the whole life of the ticket.

The target and a change of priority
-----------------------------------
The target is that of the ticket's priority at ``now``. A priority change mid-life measures the
new target from the ticket's start against all the business time counted so far, keeping the
accumulated pause time (the clock is never re-anchored at the change). A clock whose target was
already used up when its priority went up breaches at the change; that holds for a stopped clock
too (a resolved ticket raised to a priority whose target it exceeded counts as breached), so the
service level report always measures a ticket against the target of the priority it ends with.

States
------
- ``BREACHED``: the clock ran past its due time while not stopped (or a priority change made the
  business time already used exceed the new target). Final: resolving, pausing or lowering the
  priority later does not undo it (``breached_at`` says when it happened).
- ``MET``: stopped (responded, resolved, closed) without breaching.
- ``WARNING``: running or paused with at least ``warn_at`` of the target used.
- ``PAUSED`` / ``RUNNING``: otherwise.

Due time
--------
``due_at`` is the instant at which the business time used reaches the target:

- running: projected from ``now`` (the clock keeps running);
- paused: ``None`` while the target is not yet used up (it moves for as long as the pause lasts,
  so a paused ticket never shows up as "breaching in the next hours"; ``remaining_seconds``
  still says how much is left);
- stopped: the due time it had at the stop (projected from the stop instant);
- already reached: the past instant at which it was reached.

A target running out exactly at closing time is due at closing time; it breaches as soon as the
clock runs past that instant, even if the office is closed then.

Cost: one pass over the changes; each stretch between changes costs a constant number of
calendar lookups, so a reading is O(changes) (O(changes + days spanned) with ``explain=True``,
which lists every counted and uncounted stretch day by day).
"""

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from deskterm.domain.core.vocabulary import PendingReason, Priority, TicketStatus
from deskterm.domain.sla.calendar import BusinessCalendar, Mark, SpanKind
from deskterm.domain.sla.history import TicketHistory
from deskterm.domain.sla.instants import from_micros, to_micros
from deskterm.domain.sla.terms import AgreementKind, AgreementTerms, ClockState, Metric, format_duration

_US = 1_000_000


# -- readings -------------------------------------------------------------------------------


class Segment(NamedTuple):
    """A stretch of the ticket's life and what it did to the clock.

    A zero-length segment (``start == end``) is a marker: an event at that instant such as a
    target change, a reopen, the warning threshold, the breach or the stop.
    """

    start: datetime
    end: datetime
    counted: bool
    reason: str

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def is_marker(self) -> bool:
        return self.start == self.end


class ClockReading(NamedTuple):
    """One clock (agreement x metric) of one ticket, read at one instant (immutable).

    Business-time figures are in seconds: ``elapsed`` counted, ``paused`` that would have counted
    but was paused, ``remaining`` of the target (negative once used up). ``paused`` tells whether
    the clock is paused at the reading; ``stopped_at`` when it stopped, if it is stopped.
    """

    agreement: str
    kind: AgreementKind
    metric: Metric
    priority: Priority
    target_seconds: int
    elapsed_seconds: float
    paused_seconds: float
    remaining_seconds: float
    due_at: datetime | None
    warning_at: datetime | None
    breached_at: datetime | None
    started_at: datetime
    stopped_at: datetime | None
    paused: bool
    state: ClockState
    segments: tuple[Segment, ...] = ()

    @property
    def fraction_used(self) -> float:
        return self.elapsed_seconds / self.target_seconds


_RUNNING, _PAUSED, _STOPPED = 0, 1, 2
_RESOLVED, _CLOSED, _PENDING = TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.PENDING


class Phase(NamedTuple):
    """A stretch of a clock's life with one mode and one priority: what :func:`measure` needs.

    Phases depend on the history, the metric and the agreement's ``pause_on`` only, never on
    the calendar or the targets, so a stored list of them lets every due time be recomputed
    after a calendar or target change without reading any history. ``end`` ``None`` means
    "until the reading" (the clock's current stretch). ``mode`` is 0 running, 1 paused, 2 stopped.
    """

    start: int
    end: int | None
    mode: int
    priority: Priority


class Measure(NamedTuple):
    """The figures of one clock at one instant (microseconds; instants since the epoch)."""

    priority: Priority
    target: int
    elapsed: int
    paused: int
    due: int | None
    warning: int | None
    breached_at: int | None
    stopped_at: int | None
    mode: int
    state: ClockState


def compute(
    history: TicketHistory, terms: AgreementTerms, metric: Metric, now: datetime, *, explain: bool = True
) -> ClockReading | None:
    """Read one clock at ``now``; ``None`` when ``terms`` set no target for the current priority.

    Only changes at or before ``now`` are taken into account, so a reading in the past is what
    the clock showed then. ``explain=False`` skips the segments (for bulk recomputation).
    The work is split in two: :func:`walk` turns the history into phases (no calendar), then
    :func:`measure` lays them on the calendar and the targets.
    """
    if metric.__class__ is not Metric:
        metric = Metric(metric)
    now_us = max(to_micros(now), history._opened)
    walked = walk(history, terms.pause_on, metric, now_us)
    m = measure(walked.phases, terms, metric, now_us)
    if m is None:
        return None
    segments: tuple[Segment, ...] = ()
    if explain:
        segments = _explain(terms, metric, walked, m, now_us)
    return _reading(history, terms, metric, m, segments)


def read_with_phases(
    history: TicketHistory, terms: AgreementTerms, metric: Metric, now: datetime
) -> tuple[ClockReading, list[Phase]] | None:
    """:func:`compute` without explanation, plus the phases it measured (to be stored, so that
    :func:`measure` can re-read the clock later without the history)."""
    now_us = max(to_micros(now), history._opened)
    walked = walk(history, terms.pause_on, metric, now_us)
    m = measure(walked.phases, terms, metric, now_us)
    if m is None:
        return None
    return _reading(history, terms, metric, m, ()), walked.phases


def _reading(
    history: TicketHistory, terms: AgreementTerms, metric: Metric, m: Measure, segments: tuple[Segment, ...]
) -> ClockReading:
    return ClockReading(
        terms.name,
        terms.kind,
        metric,
        m.priority,
        m.target // _US,
        m.elapsed / _US,
        m.paused / _US,
        (m.target - m.elapsed) / _US,
        None if m.due is None else from_micros(m.due),
        None if m.warning is None else from_micros(m.warning),
        None if m.breached_at is None else from_micros(m.breached_at),
        history._opened_utc,
        None if m.stopped_at is None else from_micros(m.stopped_at),
        m.mode == _PAUSED,
        m.state,
        segments,
    )


class Walked(NamedTuple):
    """:func:`walk`'s answer: the phases, plus what the explanation names (status and pending
    reason of each phase, how the response was made)."""

    phases: list[Phase]
    detail: list[tuple[TicketStatus, PendingReason | None]]
    response_how: str


def walk(history: TicketHistory, pause_on: frozenset[PendingReason], metric: Metric, now_us: int) -> Walked:
    """The clock's phases from the opening to ``now_us``: one per stretch between changes (and
    the response instant), in order, contiguous; the last one ends at ``now_us``."""
    opened = history._opened
    times = history._times
    changes = history.changes
    count = bisect_right(times, now_us)
    response_at: int | None = None
    response_how = ""
    is_response = metric is Metric.RESPONSE
    if is_response and history._response is not None and history._response[0] <= now_us:
        response_at, response_how = history._response

    status, reason, priority = history.status, history.pending_reason, history.priority
    phases: list[Phase] = []
    detail: list[tuple[TicketStatus, PendingReason | None]] = []
    t = opened
    i = 0
    while True:
        while i < count and times[i] <= t:
            change = changes[i]
            name = change.field
            if name == "status":
                status = change.new  # type: ignore[assignment]
            elif name == "priority":
                priority = change.new  # type: ignore[assignment]
            else:
                reason = change.new  # type: ignore[assignment]
            i += 1
        if is_response:
            mode = _STOPPED if response_at is not None and t >= response_at else _RUNNING
        elif status is _RESOLVED or status is _CLOSED:
            mode = _STOPPED
        elif status is _PENDING and reason in pause_on:
            mode = _PAUSED
        else:
            mode = _RUNNING
        end = times[i] if i < count else now_us
        if response_at is not None and t < response_at < end:
            end = response_at
        phases.append(Phase(t, end, mode, priority))
        detail.append((status, reason))
        # Stop at now, but only once the changes (and the response) at exactly now are applied.
        if end >= now_us and i >= count and (response_at is None or t >= response_at):
            break
        t = end
    return Walked(phases, detail, response_how)


def compact(phases: Iterable[Phase]) -> list[Phase]:
    """Phases for storage: neighbours alike in mode and priority merged (measuring them gives
    the same figures), and the last one open-ended so it runs on to any later reading."""
    out: list[Phase] = []
    for phase in phases:
        if out and out[-1].mode == phase.mode and out[-1].priority is phase.priority:
            out[-1] = out[-1]._replace(end=phase.end)
        else:
            out.append(phase)
    if out:
        out[-1] = out[-1]._replace(end=None)
    return out


def measure(phases: Sequence[Phase], terms: AgreementTerms, metric: Metric, now_us: int) -> Measure | None:
    """Lay the phases on the agreement's calendar and targets and read the clock at ``now_us``;
    ``None`` when no target is set for the last phase's priority. Each phase costs a constant
    number of calendar lookups, whatever its length."""
    cal = terms.calendar
    targets = terms._micros[metric]
    priority = phases[-1][3]
    target_us = targets.get(priority)
    if target_us is None:
        return None
    elapsed = paused = 0
    breached_at: int | None = None
    stop_mark: Mark | None = None
    running_from: list[tuple[Mark, int, int]] = []  # (start, elapsed at start, elapsed at end)
    mark_t: Mark | None = None
    mode = prev_mode = -1
    for t, end, mode, phase_priority in phases:
        if end is None or end > now_us:
            end = now_us
        if end < t:
            end = t
        if mark_t is None or mark_t[0] != t:
            mark_t = cal.mark(t)
        if mode == _STOPPED:
            if prev_mode != _STOPPED:
                stop_mark = mark_t
        else:
            stop_mark = None
        phase_target = targets.get(phase_priority)
        mark_end = cal.mark(end) if end != t else mark_t
        span = cal.between(mark_t, mark_end)
        if mode == _RUNNING:
            if breached_at is None and phase_target is not None:
                budget = phase_target - elapsed
                if budget < 0:
                    breached_at = t
                elif span >= budget and t < end:
                    runs_out = cal.advance(mark_t, budget)
                    if runs_out < end:
                        breached_at = runs_out
            running_from.append((mark_t, elapsed, elapsed + span))
            elapsed += span
        else:
            if mode == _PAUSED:
                paused += span
            if breached_at is None and phase_target is not None and elapsed > phase_target:
                breached_at = t
        mark_t = mark_end
        prev_mode = mode
    assert mark_t is not None

    def reached(level: int) -> int | None:
        """When the business time used reached ``level``, or will if the clock keeps running."""
        if elapsed >= level:
            for start, before, after in running_from:
                if after >= level:
                    return cal.advance(start, level - before)
        if mode == _RUNNING:
            return cal.advance(mark_t, level - elapsed)
        if stop_mark is not None:
            return cal.advance(stop_mark, level - elapsed)
        return None

    warn_us = round(target_us * terms.warn_at)
    due = reached(target_us)
    warning = reached(warn_us)
    if breached_at is not None:
        state = ClockState.BREACHED
    elif mode == _STOPPED:
        state = ClockState.MET
    elif elapsed >= warn_us:
        state = ClockState.WARNING
    elif mode == _PAUSED:
        state = ClockState.PAUSED
    else:
        state = ClockState.RUNNING
    stopped_at = None if stop_mark is None else stop_mark[0]
    return Measure(priority, target_us, elapsed, paused, due, warning, breached_at, stopped_at, mode, state)


def _explain(
    terms: AgreementTerms, metric: Metric, walked: Walked, m: Measure, now_us: int
) -> tuple[Segment, ...]:
    """The segments that explain a reading: each stretch counted or not and why, with markers."""
    markers: list[tuple[int, str]] = []
    prev_priority: Priority | None = None
    prev_mode = -1
    stop_status = TicketStatus.RESOLVED
    phases: list[tuple[int, int, int, TicketStatus, PendingReason | None]] = []
    for (t, end, mode, priority), (status, reason) in zip(walked.phases, walked.detail, strict=True):
        if prev_priority is not None and priority is not prev_priority:
            markers.append((t, _target_change(terms, metric, prev_priority, priority)))
        if prev_mode == _STOPPED and mode != _STOPPED:
            markers.append((t, "reopened: the clock runs again"))
        if mode == _STOPPED and prev_mode != _STOPPED:
            stop_status = status
        phases.append((t, now_us if end is None else end, mode, status, reason))
        prev_priority, prev_mode = priority, mode
    target = m.target // _US
    if m.warning is not None and m.elapsed >= round(m.target * terms.warn_at):
        percent = f"{terms.warn_at * 100:g}%"
        markers.append((m.warning, f"warning: {percent} of the {format_duration(target)} target used"))
    if m.breached_at is not None:
        markers.append((m.breached_at, "breached: the target was used up and the clock ran on"))
    if m.stopped_at is not None:
        if metric is Metric.RESPONSE:
            markers.append((m.stopped_at, f"stopped: responded ({walked.response_how})"))
        else:
            markers.append((m.stopped_at, f"stopped: {stop_status}"))
    until = now_us if m.stopped_at is None else m.stopped_at
    return _segments(terms.calendar, terms, phases, markers, until)


def due_for(history: TicketHistory, terms: AgreementTerms, metric: Metric, now: datetime) -> datetime | None:
    """Just the due time of :func:`compute` (no explanation is built)."""
    reading = compute(history, terms, metric, now, explain=False)
    return None if reading is None else reading.due_at


def readings(
    history: TicketHistory, terms: AgreementTerms, now: datetime, *, explain: bool = True
) -> tuple[ClockReading, ...]:
    """Every clock that ``terms`` sets for the ticket: response, then resolution."""
    found = (compute(history, terms, metric, now, explain=explain) for metric in Metric)
    return tuple(reading for reading in found if reading is not None)


# -- internals ------------------------------------------------------------------------------


def _target_change(terms: AgreementTerms, metric: Metric, old: Priority, new: Priority) -> str:
    before, after = terms.target(old, metric), terms.target(new, metric)
    if before == after:
        return f"priority changed: {old} -> {new} (target stays {format_duration(after)})"
    return (
        f"target changed: {old} -> {new} ({format_duration(before)} -> {format_duration(after)}), "
        "measured from the start"
    )


def _segments(
    cal: BusinessCalendar,
    terms: AgreementTerms,
    phases: list[tuple[int, int, int, TicketStatus, PendingReason | None]],
    markers: list[tuple[int, str]],
    until: int,
) -> tuple[Segment, ...]:
    raw: list[tuple[int, int, bool, str]] = []
    for start, end, mode, status, reason in phases:
        end = min(end, until)
        if start >= end:
            continue
        if mode == _PAUSED:
            raw.append((start, end, False, f"paused: pending ({reason})"))
        elif mode == _STOPPED:
            raw.append((start, end, False, f"stopped: {status}"))
        else:
            counted = "counted"
            if status is TicketStatus.PENDING:
                counted = f"counted: pending ({reason or 'no reason'}) does not pause {terms.name}"
            for s, e, kind in cal.timeline_micros(start, end):
                if kind is SpanKind.OPEN:
                    raw.append((s, e, True, counted))
                elif kind is SpanKind.HOLIDAY:
                    raw.append((s, e, False, "holiday"))
                else:
                    raw.append((s, e, False, "outside business hours"))
    merged: list[tuple[int, int, bool, str]] = []
    for piece in raw:
        if merged and merged[-1][1] == piece[0] and merged[-1][2:] == piece[2:]:
            merged[-1] = (merged[-1][0], piece[1], piece[2], piece[3])
        else:
            merged.append(piece)
    cuts = sorted({at for at, _ in markers})
    entries: list[tuple[int, int, int, int, bool, str]] = []  # (start, order, end, seq, counted, reason)
    for seq, (at, text) in enumerate(markers):
        entries.append((at, 0, at, seq, False, text))
    for start, end, is_counted, why in merged:
        for cut in cuts:
            if start < cut < end:
                entries.append((start, 1, cut, 0, is_counted, why))
                start = cut
        entries.append((start, 1, end, 0, is_counted, why))
    entries.sort(key=lambda entry: (entry[0], entry[1], entry[3]))
    return tuple(
        Segment(from_micros(start), from_micros(end), counted, reason)
        for start, _, end, _, counted, reason in entries
    )
