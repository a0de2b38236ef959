"""Printing records: ``--format table|json|csv``.

One output policy for every format: no C0/C1 control, escape sequence, bidi or zero-width
character from data reaches the terminal. Table and CSV show them as visible symbols (as the
TUI does; newlines and tabs inside a CSV cell are kept, quoted); JSON writes them as \\uXXXX
escapes, so a JSON reader gets the exact text. Table output aligns wide characters. CSV is
UTF-8 with a BOM, and a cell starting with = + - @ (or a tab or carriage return) gets a
leading apostrophe so spreadsheets show it instead of running it. Headers go through the same
policy, and :class:`SafeStream` applies it to everything else a command prints.
"""

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TextIO

from pydantic import BaseModel

from deskterm.domain.core.text import cell_width, escape_json, fit, neutralise

FORMATS = ("table", "json", "csv")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """One value as plain text for tables and CSV."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    return str(value)


def dumps_json(data: Any) -> str:
    """JSON text under the output policy: unsafe characters escaped, the data unchanged."""
    return escape_json(json.dumps(data, ensure_ascii=False, indent=2))


def csv_safe(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _dump(record: BaseModel | dict[str, Any]) -> dict[str, Any]:
    return record.model_dump(mode="json") if isinstance(record, BaseModel) else record


def _row(record: BaseModel | dict[str, Any], columns: Sequence[str]) -> list[Any]:
    if isinstance(record, BaseModel):
        return [getattr(record, c, None) for c in columns]
    return [record.get(c) for c in columns]


def emit(
    records: Sequence[BaseModel | dict[str, Any]] | BaseModel | dict[str, Any],
    fmt: str,
    columns: Sequence[str],
    *,
    out: TextIO | None = None,
) -> None:
    """Print one record (an object in JSON) or a list of them (an array)."""
    out = out or sys.stdout
    single = not isinstance(records, Sequence)
    items: list[BaseModel | dict[str, Any]] = [records] if single else list(records)  # type: ignore[list-item]
    if fmt == "json":
        data: Any = _dump(items[0]) if single else [_dump(r) for r in items]
        out.write(dumps_json(data) + "\n")
    elif fmt == "csv":
        write_csv([[cell(v) for v in _row(r, columns)] for r in items], columns, out)
    else:
        write_table([[cell(v) for v in _row(r, columns)] for r in items], columns, out)


def csv_text(rows: Iterable[list[str]], header: Sequence[str]) -> Iterator[str]:
    """CSV under the output policy, a row at a time: the BOM and header, then each row."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    yield "\ufeff" + buf.getvalue()
    for row in rows:
        buf.seek(0)
        buf.truncate()
        writer.writerow([csv_safe(neutralise(v, keep_newlines=True)) for v in row])
        yield buf.getvalue()


def write_safe(chunks: Iterable[str], out: TextIO, *, every: int = 2000) -> None:
    """Write text already under the output policy (escaped JSON, neutralised CSV or table
    cells), as UTF-8 bytes where the stream has them: a long stream is not neutralised twice,
    and is written in pieces of ``every`` chunks, never held whole."""
    binary = getattr(out, "buffer", None)
    out.flush()
    pending: list[str] = []
    for chunk in chunks:
        pending.append(chunk)
        if len(pending) >= every:
            _put("".join(pending), out, binary)
            pending.clear()
    _put("".join(pending), out, binary)


def _put(data: str, out: TextIO, binary: Any) -> None:
    if binary is not None:
        binary.write(data.encode("utf-8"))
        binary.flush()
    else:
        out.write(data)


def write_csv(rows: Iterable[list[str]], header: Sequence[str], out: TextIO) -> None:
    write_safe(csv_text(rows, header), out)


def json_line(data: Any) -> str:
    """One JSON document on one line (JSON Lines) under the output policy."""
    return escape_json(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def table_text(rows: Iterable[list[str]], header: Sequence[str], widths: Sequence[int]) -> Iterator[str]:
    """A table with fixed column widths, a line at a time (for output too long to measure)."""
    titles = [neutralise(h.replace("_", " ").upper()) for h in header]
    yield "  ".join(fit(t, w) for t, w in zip(titles, widths, strict=True)).rstrip() + "\n"
    for row in rows:
        yield "  ".join(fit(neutralise(v), w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n"


def write_table(rows: list[list[str]], header: Sequence[str], out: TextIO, max_width: int = 60) -> None:
    shown = [[neutralise(v) for v in row] for row in rows]
    titles = [neutralise(h.replace("_", " ").upper()) for h in header]
    widths = [
        min(max_width, max([cell_width(titles[i])] + [cell_width(r[i]) for r in shown]))
        for i in range(len(header))
    ]
    out.write("".join(table_text(shown, header, widths)))


def write_fields(pairs: Sequence[tuple[str, Any]], out: TextIO | None = None) -> None:
    """A record as ``field: value`` lines, untrusted text neutralised (newlines kept)."""
    out = out or sys.stdout
    width = max((cell_width(k) for k, _ in pairs), default=0)
    for key, value in pairs:
        text = neutralise(cell(value), keep_newlines=True)
        first, *rest = text.split("\n") or [""]
        out.write(f"{fit(neutralise(key), width)}  {first}\n")
        for line in rest:
            out.write(f"{' ' * width}  {line}\n")


class SafeStream(io.TextIOBase):
    """A text stream that applies the output policy to whatever is written through it.

    Every command's stdout goes through one, so a header, a summary line or a message built
    from data or arguments cannot carry a control character either: newlines and tabs pass,
    anything else unsafe becomes a visible symbol. Bytes written to ``buffer`` (CSV, already
    neutralised cell by cell) pass untouched.
    """

    def __init__(self, inner: TextIO) -> None:
        super().__init__()
        self._inner = inner

    @property
    def buffer(self) -> Any:
        return getattr(self._inner, "buffer", None)

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._inner, "encoding", None) or "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._inner.write(neutralise(text, keep_newlines=True))
        return len(text)

    def flush(self) -> None:
        self._inner.flush()

    def isatty(self) -> bool:
        return self._inner.isatty()

    def fileno(self) -> int:
        return self._inner.fileno()


def one_line(message: str) -> str:
    """An error message as one line of safe text (a newline from data becomes visible too)."""
    return neutralise(message)
