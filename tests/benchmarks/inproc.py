"""In-process measures and the facts the terminal measures wait for.

* what the queue must show (the refs of the first rows, counts for each filter prefix), asked of
  the same services the table uses;
* the SQL the services send, caught with SQLAlchemy's ``before_cursor_execute`` event, run again
  through the raw ``sqlite3`` module as the baseline;
* how many statements one filter keystroke costs, by pressing keys in the real app under Pilot
  (for counting only: Pilot waits in steps, so nothing here is timed with it).
"""

import asyncio
import sqlite3
import statistics
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from deskterm.config import Settings
from deskterm.services.core.context import Desk
from deskterm.services.tickets import queue, tickets

TABLE_LIMIT = 80  # QueueTable asks for max(PAGE, page_rows + 40) rows: 80 at 120x40


def open_desk(url: str) -> Desk:
    """The desk as the app opens it, with this OS account enrolled (so no later call enrols)."""
    desk = Desk.open(Settings(db=url))
    assert desk.actor_id
    return desk


def sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


@dataclass
class Expect:
    """What the queue of one desk must show: the All open view, sorted by priority."""

    total: int
    refs: list[str]
    filters: dict[str, tuple[int, str | None]] = field(default_factory=dict)  # prefix: (count, first)


def expect(url: str, texts: Sequence[str] = ()) -> Expect:
    desk = open_desk(url)
    try:
        q = queue.QueueQuery()
        page = queue.queue_page(desk, q, limit=TABLE_LIMIT)
        out = Expect(total=queue.queue_count(desk, q), refs=[r.ref for r in page.rows])
        for text in texts:
            fq = queue.QueueQuery(text=text)
            rows = queue.queue_page(desk, fq, limit=TABLE_LIMIT).rows
            out.filters[text] = (queue.queue_count(desk, fq), rows[0].ref if rows else None)
        return out
    finally:
        desk.close()


# -- statements --------------------------------------------------------------------------------


@dataclass
class Statement:
    sql: str
    params: Any
    thread: str

    @property
    def verb(self) -> str:
        return self.sql.lstrip().split(None, 1)[0].upper()


@contextmanager
def statements(desk: Desk) -> Iterator[list[Statement]]:
    """Every statement the driver is given while the block runs (from any thread)."""
    caught: list[Statement] = []

    def before(_conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        caught.append(Statement(sql, params, threading.current_thread().name))

    event.listen(desk.engine, "before_cursor_execute", before)
    try:
        yield caught
    finally:
        event.remove(desk.engine, "before_cursor_execute", before)


def queries(caught: Sequence[Statement]) -> list[Statement]:
    """The statements that read data (not BEGIN / COMMIT / ROLLBACK / PRAGMA)."""
    return [s for s in caught if s.verb not in ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")]


def raw_runner(conn: sqlite3.Connection, sqls: Sequence[Statement]) -> Callable[[], int]:
    """The same SQL with the same parameters through the raw driver; rows fetched like the ORM."""

    def run() -> int:
        n = 0
        for s in sqls:
            n += len(conn.execute(s.sql, s.params).fetchall())
        return n

    return run


def _time(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


# -- measure 5: the store's list queries vs the raw driver --------------------------------------


@dataclass
class StoreCase:
    name: str
    service_ms: list[float]  # one median per repetition
    raw_ms: list[float]
    sql: list[str]
    rows: int


def store_cases(desk: Desk) -> list[tuple[str, Callable[[], object]]]:
    q = queue.QueueQuery()
    deep = min(5000, queue.queue_count(desk, q) // 2)  # a keyset position well inside the queue
    key, seen = None, 0
    while seen < deep:
        page = queue.queue_page(desk, q, after=key, limit=min(1000, deep - seen))
        if not page.rows:
            break
        key, seen = page.rows[-1].key, seen + len(page.rows)
    return [
        ("queue_page, first window", lambda: queue.queue_page(desk, q, limit=TABLE_LIMIT)),
        (
            f"queue_page, window after row {seen}",
            lambda: queue.queue_page(desk, q, after=key, limit=TABLE_LIMIT),
        ),
        ("queue_page, last window", lambda: queue.queue_page(desk, q, last=True, limit=TABLE_LIMIT)),
        ("queue_count, all open", lambda: queue.queue_count(desk, q)),
        ("list_tickets --open (50, by priority)", lambda: tickets.list_tickets(desk, open_only=True)),
        (
            "list_tickets all, newest update first (50)",
            lambda: tickets.list_tickets(desk, sort="updated", descending=True),
        ),
    ]


def store_vs_raw(url: str, reps: int, inner: int = 7) -> list[StoreCase]:
    desk = open_desk(url)
    conn = sqlite3.connect(sqlite_path(url))
    try:
        out = []
        for name, fn in store_cases(desk):
            with statements(desk) as caught:
                fn()  # also warms SQLAlchemy's compiled cache, as a running desk would be
            sqls = queries(caught)
            raw = raw_runner(conn, sqls)
            rows = raw()
            service_ms, raw_ms = [], []
            for _ in range(reps):
                s_t, r_t = [], []
                for _ in range(inner):
                    s_t.append(_time(fn))
                    r_t.append(_time(raw))
                service_ms.append(statistics.median(s_t) * 1000)
                raw_ms.append(statistics.median(r_t) * 1000)
            out.append(StoreCase(name, service_ms, raw_ms, [s.sql for s in sqls], rows))
        return out
    finally:
        conn.close()
        desk.close()


# -- measure 4: the filter's SQL, raw; statements per keystroke --------------------------------


def filter_raw_ms(url: str, texts: Sequence[str], reps: int) -> list[float]:
    """Per keystroke: the page and the count the table asks for, through the raw driver."""
    desk = open_desk(url)
    conn = sqlite3.connect(sqlite_path(url))
    try:
        runners = []
        for text in texts:
            fq = queue.QueueQuery(text=text)
            with statements(desk) as caught:
                queue.queue_page(desk, fq, limit=TABLE_LIMIT)
                queue.queue_count(desk, fq)
            runners.append(raw_runner(conn, queries(caught)))
        return [_time(run) * 1000 for _ in range(reps) for run in runners]
    finally:
        conn.close()
        desk.close()


@dataclass
class KeystrokeSQL:
    key: str
    text: str  # the filter after the key
    verbs: list[str]


def keystroke_statements(url: str, keys: Sequence[tuple[str, str]], exp: Expect) -> list[KeystrokeSQL]:
    """Press ``keys`` (Textual key name, filter text after it) in the queue's filter of the real
    app (Pilot, 120x40, polling off) and catch the statements each one sends."""
    return asyncio.run(_keystroke_statements(url, keys, exp))


async def _keystroke_statements(url: str, keys: Sequence[tuple[str, str]], exp: Expect) -> list[KeystrokeSQL]:
    from deskterm.tui.app import DeskApp
    from deskterm.tui.tickets.queue_table import QueueTable

    desk = open_desk(url)
    app = DeskApp(desk, poll=False)
    out: list[KeystrokeSQL] = []

    async def settle(pilot: Any, table: QueueTable, text: str, total: int) -> None:
        deadline = time.monotonic() + 30
        while True:
            await app.workers.wait_for_complete()
            await pilot.pause()
            if (
                table.query_spec.text == text
                and table.total == total
                and not any(w.is_running for w in app.workers)
            ):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the queue did not load {text!r} ({table.total} rows, want {total})")
            await pilot.pause(0.05)

    try:
        async with app.run_test(size=(120, 40)) as pilot:
            table = app.screen.query_one(QueueTable)
            await settle(pilot, table, "", exp.total)
            await pilot.press("slash")
            await pilot.pause()
            for key, text in keys:
                with statements(desk) as caught:
                    await pilot.press(key)
                    await settle(pilot, table, text, exp.filters[text][0])
                out.append(KeystrokeSQL(key, text, [s.verb for s in caught]))
            await pilot.press("ctrl+q")
    finally:
        desk.close()
    return out


def sla_recompute(url: str, reps: int) -> tuple[list[float], int, int]:
    """Seconds for ``deskterm sla apply`` of the demo definitions with a changed calendar (a new
    holiday) and changed targets: it validates and writes the definitions, then re-measures every
    stored clock and each ticket's soonest due instant. Returns the samples, the open tickets and
    the clocks re-measured. Each run is rolled back, so every run does the whole work again."""
    from importlib import resources

    from sqlalchemy import func, select

    from deskterm.services.core.context import UnitOfWork
    from deskterm.services.sla import sla_definitions
    from deskterm.store.models import Ticket

    base = resources.files("deskterm.demo").joinpath("sla.toml").read_text(encoding="utf-8")
    changed = base.replace('"2027-01-01"]', '"2026-12-01", "2027-01-01"]', 1).replace(
        'P2 = { response = "30m", resolution = "8h" }', 'P2 = { response = "20m", resolution = "6h" }', 1
    )
    assert changed != base, "the demo definitions changed: update the benchmark's edit"
    desk = open_desk(url)
    times: list[float] = []
    clocks_count = 0
    try:
        with desk.reading() as s:
            open_count = int(
                s.scalar(select(func.count()).where(Ticket.status.not_in(["resolved", "closed"]))) or 0
            )
        for _ in range(reps):
            with desk._write() as session:
                uow = UnitOfWork(session=session, actor=desk._actor(session), now=desk.clock.now())
                started = time.perf_counter()
                summary = sla_definitions.apply_in(uow, changed, "bench.toml")
                session.flush()
                times.append(time.perf_counter() - started)
                session.rollback()
            assert summary.recomputed_from == "phases", summary
            clocks_count = summary.clocks
    finally:
        desk.close()
    return times, open_count, clocks_count
