"""Event management: ingest (filter, de-duplicate, correlate, open and resolve incidents), list, show.

Ingest works in batches (``BATCH`` events, one transaction each, never a commit per event):
the batch's active alerts are read with one query by fingerprint, the open incidents its
events may join with one query over the correlation window, then every event is applied in
memory (``domain.events``) and the result written with a few executemany statements. New
incidents are created like ``tickets.log_incident`` creates them (refs from the counter, audit
rows, SLA clocks), channel ``event``; a recovery resolves or notes them through
``tickets.apply_update`` / ``tickets.append_note``, so the ticket rules stay in one place.

Audit: the incidents' rows are audited as every ticket write is; for the events themselves the
audit trail records each link to an incident (the event row keeps count, first and last seen).
Two ingests running at once on PostgreSQL may meet on the same new fingerprint: the unique
active key refuses the second batch, which is then retried once with fresh state.
"""

import time
from collections.abc import Callable, Iterable

from deskterm.domain.core.permissions import Action
from deskterm.domain.events.events import Event, EventError, Significance
from deskterm.services.core import access
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput
from deskterm.services.events import event_rules
from deskterm.services.events.event_batch import (
    BATCH,
    CALLER,
    COUNTER,
    DEFER_BATCHES,
    FORMATS,
    MAX_ERRORS,
    MAX_WAIT_SECONDS,
    REVISION,
    IngestSummary,
    InputFormat,
    _Catalog,
    take_numbers,
)
from deskterm.services.events.event_ingest import _Ingest
from deskterm.services.events.event_input import parse_lines
from deskterm.services.events.event_reads import (
    EventRow,
    EventView,
    Facets,
    facets,
    get_event,
    list_events,
    revision,
    since_hours,
)
from deskterm.services.sla import clocks

# The public names of event management, wherever they are defined.
__all__ = [
    "BATCH",
    "CALLER",
    "COUNTER",
    "DEFER_BATCHES",
    "FORMATS",
    "MAX_ERRORS",
    "MAX_WAIT_SECONDS",
    "REVISION",
    "EventRow",
    "EventView",
    "Facets",
    "IngestSummary",
    "InputFormat",
    "facets",
    "get_event",
    "ingest",
    "list_events",
    "parse_lines",
    "revision",
    "since_hours",
    "take_numbers",
]


def ingest(
    desk: Desk,
    lines: Iterable[str],
    *,
    fmt: str = "deskterm",
    label: str = "",
    batch_size: int = BATCH,
    on_error: Callable[[str], None] | None = None,
) -> IngestSummary:
    """Read events from ``lines`` and apply them in batches; a malformed line is reported (with
    its number, through ``on_error`` and in the summary) and skipped, every other line is kept.

    A batch is written when it holds ``batch_size`` events, when an event arrives a second or
    more after the batch's first (so a slow pipe is not held back), and at the end."""
    if fmt not in FORMATS:
        raise InvalidInput(f"input format {fmt!r} is not known; use one of {', '.join(FORMATS)}")
    if not 1 <= batch_size <= 50_000:
        raise InvalidInput("the batch size must be between 1 and 50000 events")
    access.check(desk, Action.EVENT_INGEST)
    with desk.reading() as s:
        rules = event_rules.load(s)
        catalog = _Catalog.load(s)
        agreements = clocks.load_agreements(s)
    run = _Ingest(desk, rules, catalog, IngestSummary(), agreements=agreements)
    read = malformed = dropped = 0
    errors: list[str] = []
    batch: list[tuple[Event, Significance]] = []
    started = time.monotonic()
    prefix = f"{label}: " if label else ""
    for number, item in parse_lines(lines, fmt, desk.clock.now()):
        read += 1
        if isinstance(item, EventError):
            malformed += 1
            message = f"{prefix}line {number}: {item}"
            if len(errors) < MAX_ERRORS:
                errors.append(message)
            if on_error is not None:
                on_error(message)
            continue
        significance = rules.classify(item)
        if significance is None:
            dropped += 1
            continue
        if not batch:
            started = time.monotonic()
        batch.append((item, significance))
        if len(batch) >= batch_size or time.monotonic() - started >= MAX_WAIT_SECONDS:
            run.write(batch)
            batch = []
    if batch:
        run.write(batch)
    run.flush()
    return run.summary.merge(IngestSummary(read=read, malformed=malformed, dropped=dropped, errors=errors))
