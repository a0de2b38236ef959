"""Printing records: ``--format table|json|csv``.

Table output neutralises untrusted text (no escape sequence reaches the terminal) and aligns
wide characters. CSV is UTF-8 with a BOM, and a cell starting with = + - @ (or a tab or
carriage return) gets a leading apostrophe so spreadsheets show it instead of running it.
"""

import csv
import io
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TextIO

from pydantic import BaseModel

from deskterm.domain.core.text import cell_width, fit, neutralise

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
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    elif fmt == "csv":
        write_csv([[cell(v) for v in _row(r, columns)] for r in items], columns, out)
    else:
        write_table([[cell(v) for v in _row(r, columns)] for r in items], columns, out)


def write_csv(rows: list[list[str]], header: Sequence[str], out: TextIO) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    data = "\ufeff" + buf.getvalue()
    binary = getattr(out, "buffer", None)
    if binary is not None:
        out.flush()
        binary.write(data.encode("utf-8"))
        binary.flush()
    else:
        out.write(data)


def write_table(rows: list[list[str]], header: Sequence[str], out: TextIO, max_width: int = 60) -> None:
    shown = [[neutralise(v) for v in row] for row in rows]
    titles = [h.replace("_", " ").upper() for h in header]
    widths = [
        min(max_width, max([cell_width(titles[i])] + [cell_width(r[i]) for r in shown]))
        for i in range(len(header))
    ]
    lines = ["  ".join(fit(t, w) for t, w in zip(titles, widths, strict=True)).rstrip()]
    for row in shown:
        lines.append("  ".join(fit(v, w) for v, w in zip(row, widths, strict=True)).rstrip())
    out.write("\n".join(lines) + "\n")


def write_fields(pairs: Sequence[tuple[str, Any]], out: TextIO | None = None) -> None:
    """A record as ``field: value`` lines, untrusted text neutralised (newlines kept)."""
    out = out or sys.stdout
    width = max((cell_width(k) for k, _ in pairs), default=0)
    for key, value in pairs:
        text = neutralise(cell(value), keep_newlines=True)
        first, *rest = text.split("\n") or [""]
        out.write(f"{fit(key, width)}  {first}\n")
        for line in rest:
            out.write(f"{' ' * width}  {line}\n")
