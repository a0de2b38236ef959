"""Reading the input of an ingest: deskterm's JSON lines or an Alertmanager webhook payload, each
line (or alert) an event or an error naming what is wrong with it."""

import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from deskterm.domain.events import alertmanager
from deskterm.domain.events.events import Event, EventError
from deskterm.services.core.errors import InvalidInput
from deskterm.services.events.event_batch import FORMATS

# -- reading the input -----------------------------------------------------------------------


def _json_problem(exc: json.JSONDecodeError) -> str:
    return f"not JSON ({exc.msg} at column {exc.colno})"


def parse_lines(lines: Iterable[str], fmt: str, now: datetime) -> Iterator[tuple[int, Event | EventError]]:
    """``(line number, event or the reason it is malformed)`` for every event in the input."""
    if fmt == "deskterm":
        for number, line in enumerate(lines, 1):
            text = line.strip()
            if not text:
                continue
            try:
                yield number, _deskterm_event(text, now)
            except EventError as exc:
                yield number, exc
        return
    if fmt != "alertmanager":
        raise InvalidInput(f"input format {fmt!r} is not known; use one of {', '.join(FORMATS)}")
    yield from _alertmanager(list(lines), now)


def _deskterm_event(text: str, now: datetime) -> Event:
    from deskterm.domain.events.events import make_event

    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EventError(_json_problem(exc)) from None
    return make_event(raw, now)


def _payload(number: int, payload: object, now: datetime) -> Iterator[tuple[int, Event | EventError]]:
    try:
        items = alertmanager.parse_payload(payload, now)
    except EventError as exc:
        yield number, exc
        return
    for item in items:
        yield number, item


def _alertmanager(lines: list[str], now: datetime) -> Iterator[tuple[int, Event | EventError]]:
    """One webhook payload (pretty-printed or not), or one payload per line."""
    text = "\n".join(line.rstrip("\r\n") for line in lines)
    if not text.strip():
        return
    try:
        whole = json.loads(text)
    except json.JSONDecodeError as exc:
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        try:
            json.loads(lines[first])
        except json.JSONDecodeError:  # one document, broken: one error where it breaks
            yield exc.lineno, EventError(_json_problem(exc))
            return
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                payload = json.loads(line)
            except json.JSONDecodeError as line_exc:
                yield number, EventError(_json_problem(line_exc))
                continue
            yield from _payload(number, payload, now)
        return
    for payload in whole if isinstance(whole, list) else [whole]:
        yield from _payload(1, payload, now)
