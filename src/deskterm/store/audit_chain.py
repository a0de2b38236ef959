"""The tamper-evident audit trail: each audit row carries sha256(previous hash + the row).

Why a chain: an auditor must be able to tell that history was not edited. Changing a row's
content breaks its own hash; deleting a row breaks the next row's link; a row inserted by SQL
has no hash (or a wrong one). Only the tail cannot be proved without an outside anchor: a
backup manifest records the chain head for that.

Order: the chain runs by ``id``. Ids must therefore be handed out in the order the rows are
sealed, under concurrent writers on both databases:

- SQLite: every deskterm write transaction begins IMMEDIATE, so one writer at a time holds the
  database; the previous row is final when we read it.
- PostgreSQL: sequence values are not commit-ordered, so the first INSERT into the audit table
  in a transaction first takes a transaction-scoped advisory lock (released at commit or
  rollback). The id is drawn from the sequence after the lock is held, so ids follow lock order.

Sealing happens in the writing transaction itself (the row and its hash commit together): the
engine hook notes the last row before this transaction's first audit INSERT, and the session's
``before_commit`` hook chains every row after it. Every path that inserts audit rows through a
deskterm engine (ORM unit of work or Core bulk insert) is covered without touching services.
"""

import hashlib
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, event, func, select
from sqlalchemy.sql.dml import Insert

from deskterm.store.bulk import update_by_key
from deskterm.store.models.audit import AuditEntry

GENESIS = "0" * 64
AUDIT_LOCK_KEY = 0x61756474  # "audt": PostgreSQL advisory lock id for appending to the chain
_PENDING = "deskterm_audit_after"  # Connection.info: (last id, last hash) before our inserts
_TABLE = AuditEntry.__table__
_COLUMNS = (
    _TABLE.c.id,
    _TABLE.c.at,
    _TABLE.c.actor_id,
    _TABLE.c.record_kind,
    _TABLE.c.record_id,
    _TABLE.c.record_ref,
    _TABLE.c.field,
    _TABLE.c.old,
    _TABLE.c.new,
    _TABLE.c.version,
)
BATCH = 20_000
#: The hashed columns by name, in the canonical order (what an export must give a verifier).
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in _COLUMNS)


def canonical(row: Sequence[Any]) -> str:
    """One row (in ``_COLUMNS`` order) as stable text, the same on SQLite and PostgreSQL.

    Each cell is typed and text is length-prefixed (``s5:hello``), so no content can imitate
    a boundary; ``~`` is NULL, ``i`` an integer, ``t`` an aware UTC time to the microsecond.
    Cheap on purpose: a 100k-ticket demo desk seals over a million rows."""
    cells: list[str] = []
    for value in row:
        if value is None:
            cells.append("~")
        elif isinstance(value, datetime):
            cells.append("t" + timestamp(value))
        elif isinstance(value, int):
            cells.append(f"i{value}")
        else:
            text = str(value)
            cells.append(f"s{len(text)}:{text}")
    return "|".join(cells)


def timestamp(value: datetime) -> str:
    """A time as the chain hashes it: ISO 8601 in UTC to the microsecond, ``+00:00`` offset."""
    return value.isoformat(timespec="microseconds")


def link(previous: str, row: Sequence[Any]) -> str:
    """The hash of ``row`` chained to the hash of the row before it."""
    return hashlib.sha256(f"{previous}\n{canonical(row)}".encode()).hexdigest()


def _tail(conn: Connection) -> tuple[int, str]:
    """The last row's id and hash (GENESIS for an empty trail or an unsealed last row)."""
    newest = select(_TABLE.c.id, _TABLE.c.chain_hash).order_by(_TABLE.c.id.desc()).limit(1)
    last = conn.execute(newest).first()
    if last is None:
        return 0, GENESIS
    return int(last[0]), last[1] or GENESIS


def _before_execute(conn: Connection, clause: Any, *_args: Any, **_kw: Any) -> None:
    """Before this transaction's first audit INSERT: lock (PostgreSQL) and note the tail."""
    if not isinstance(clause, Insert) or clause.table is not _TABLE or _PENDING in conn.info:
        return
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({AUDIT_LOCK_KEY})")
    conn.info[_PENDING] = _tail(conn)


def _forget(conn: Connection) -> None:
    conn.info.pop(_PENDING, None)


def seal_pending(conn: Connection) -> int:
    """Chain every row this transaction appended; returns how many were sealed."""
    pending = conn.info.pop(_PENDING, None)
    if pending is None:
        return 0
    after, previous = pending
    return _chain_from(conn, after, previous)


def _batch(conn: Connection, after: int, *columns: Any) -> Sequence[Row[Any]]:
    return conn.execute(select(*columns).where(_TABLE.c.id > after).order_by(_TABLE.c.id).limit(BATCH)).all()


def _chain_from(conn: Connection, after: int, previous: str) -> int:
    sealed = 0
    while True:
        rows = _batch(conn, after, *_COLUMNS)
        if not rows:
            return sealed
        hashes: list[tuple[int, str]] = []
        for row in rows:
            previous = link(previous, tuple(row))
            hashes.append((row[0], previous))
        update_by_key(conn, _TABLE, "id", ("chain_hash",), hashes)  # a demo desk seals a million
        sealed += len(rows)
        after = int(rows[-1][0])


def install(engine: Engine) -> None:
    """Watch ``engine`` for audit INSERTs (called once per engine by the engine factory)."""
    event.listen(engine, "before_execute", _before_execute)
    event.listen(engine, "rollback", _forget)
    event.listen(engine, "commit", seal_pending)


def backfill(conn: Connection) -> int:
    """Chain the whole trail from the first row (the migration's back-fill)."""
    return _chain_from(conn, 0, GENESIS)


def rows_in_order(conn: Connection, after: int = 0) -> Iterator[tuple[Row[Any], str | None]]:
    """Every audit row after id ``after`` with its stored hash, by id, in batches (the trail
    can be millions): each row is ``_COLUMNS`` then ``chain_hash``."""
    while True:
        rows = _batch(conn, after, *_COLUMNS, _TABLE.c.chain_hash)
        if not rows:
            return
        for row in rows:
            yield row, row[-1]
        after = int(rows[-1][0])


def verify(conn: Connection) -> list[tuple[int, str]]:
    """Walk the chain; each finding is (row id, one sentence). Empty means intact.

    After a broken link the walk resynchronises on the stored hash, so one edited row is
    reported once rather than making every later row look broken."""
    findings: list[tuple[int, str]] = []
    previous, previous_id = GENESIS, None
    for row, stored in rows_in_order(conn):
        content = tuple(row)[: len(_COLUMNS)]
        row_id = int(content[0])
        if stored is None:
            findings.append(
                (row_id, f"audit row {row_id} has no chain hash: it was written outside deskterm")
            )
            continue
        expected = link(previous, content)
        if stored != expected:
            after = f"row {previous_id}" if previous_id is not None else "the start of the trail"
            first_gap = (previous_id or 0) + 1
            gap = (
                f" (ids {first_gap}-{row_id - 1} are missing)"
                if row_id - 1 > first_gap
                else f" (id {first_gap} is missing)"
                if row_id - 1 == first_gap
                else ""
            )
            findings.append(
                (
                    row_id,
                    f"audit row {row_id} does not match its hash chained to {after}: "
                    f"row {row_id} was changed, or a row before it was removed{gap}",
                )
            )
        previous, previous_id = stored, row_id
    return findings


def head(conn: Connection) -> tuple[int, str]:
    """The chain head (last id, its hash): recorded in backup manifests as an outside anchor."""
    return _tail(conn)


def first_at_or_after(conn: Connection, since: datetime) -> int | None:
    """The id of the first row written at or after ``since``: where a partial export starts.
    Rows of concurrent transactions may carry times slightly out of id order, so an export
    runs on from this id, never by time alone (the chain must stay contiguous)."""
    found = conn.execute(select(func.min(_TABLE.c.id)).where(_TABLE.c.at >= since)).scalar()
    return None if found is None else int(found)


def chained_to(conn: Connection, row_id: int) -> str:
    """The hash row ``row_id`` is chained to: the last stored hash before it (GENESIS first)."""
    before = (
        select(_TABLE.c.chain_hash)
        .where(_TABLE.c.id < row_id, _TABLE.c.chain_hash.is_not(None))
        .order_by(_TABLE.c.id.desc())
        .limit(1)
    )
    return conn.execute(before).scalar() or GENESIS
