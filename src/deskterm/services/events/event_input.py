"""Reading the input of an ingest: deskterm's JSON lines or an Alertmanager webhook payload, each
line (or alert) an event or an error naming what is wrong with it."""

import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from deskterm.domain.core.bounds import MAX_DEPTH, depth
from deskterm.domain.events import alertmanager
from deskterm.domain.events.events import Event, EventError
from deskterm.services.core.errors import InvalidInput
from deskterm.services.events.event_batch import FORMATS

# -- reading the input -----------------------------------------------------------------------


def _json_problem(exc: json.JSONDecodeError) -> str:
    return f"not JSON ({exc.msg} at column {exc.colno})"


def _load_json(text: str) -> object:
    """One JSON document under the input bounds: UTF-8, nesting limited.

    Each problem is an :class:`EventError` of its line, so the good lines are still kept.
    """
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        raise EventError("not UTF-8 text; send events as UTF-8")
    try:
        raw = json.loads(text)
    except RecursionError:
        raise EventError(f"nested more than {MAX_DEPTH} levels deep") from None
    if depth(raw) > MAX_DEPTH:
        raise EventError(f"nested more than {MAX_DEPTH} levels deep")
    return raw  # text no database can store (NUL) is refused per event, by make_event


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
        raw = _load_json(text)
    except json.JSONDecodeError as exc:
        raise EventError(_json_problem(exc)) from None
    if not isinstance(raw, dict):
        raise EventError("an event is a JSON object with source, node, check, severity and message")
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
        whole = _load_json(text)
    except EventError as exc:
        yield 1, exc
        return
    except json.JSONDecodeError as exc:
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        try:
            _load_json(lines[first])
        except EventError:
            pass
        except json.JSONDecodeError:  # one document, broken: one error where it breaks
            yield exc.lineno, EventError(_json_problem(exc))
            return
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                payload = _load_json(line)
            except EventError as line_err:
                yield number, line_err
                continue
            except json.JSONDecodeError as line_exc:
                yield number, EventError(_json_problem(line_exc))
                continue
            yield from _payload(number, payload, now)
        return
    for payload in whole if isinstance(whole, list) else [whole]:
        yield from _payload(1, payload, now)
