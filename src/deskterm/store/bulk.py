"""Bulk updates by primary key at driver speed.

SQLAlchemy's executemany builds a parameter dictionary per row through the compiler, which costs
more than the database's own work for a narrow update of many rows (the SLA recompute writes
every clock). Here the statement is compiled once and each column's bind processor is applied
directly, so the same SQL and the same stored values reach the driver with less Python per row.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam, update


def update_by_key(
    conn: Connection,
    table: Table,
    key: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    constants: Mapping[str, Any] | None = None,
) -> None:
    """``UPDATE table SET columns... WHERE key = ?`` once per row; each row is ``(key, *columns)``.
    ``constants`` are the same for every row (for example when it was computed)."""
    if not rows:
        return
    constants = dict(constants or {})
    names = [f"v_{c}" for c in columns]
    values: dict[str, Any] = {c: bindparam(n) for c, n in zip(columns, names, strict=True)}
    values.update({c: bindparam(f"c_{c}") for c in constants})
    stmt = update(table).where(table.c[key] == bindparam("k_key")).values(values)
    compiled = stmt.compile(dialect=conn.dialect)
    dialect = conn.dialect

    def processor(column: str) -> Any:
        return table.c[column].type._cached_bind_processor(dialect)  # what SQLAlchemy itself applies

    procs = [processor(key), *(processor(c) for c in columns)]
    fixed = {f"c_{c}": (p(v) if (p := processor(c)) else v) for c, v in constants.items()}
    order = ["k_key", *names]

    def cells(row: Sequence[Any]) -> dict[str, Any]:
        out = dict(fixed)
        for name, proc, value in zip(order, procs, row, strict=True):
            out[name] = proc(value) if proc is not None and value is not None else value
        return out

    processed = [cells(row) for row in rows]
    positions = compiled.positiontup  # qmark / format paramstyles take tuples in the statement's order
    params = processed if positions is None else [tuple(r[n] for n in positions) for r in processed]
    conn.exec_driver_sql(str(compiled), params)
