"""Several real deskterm processes on one database at once, on SQLite and on PostgreSQL.

Each worker is a separate Python interpreter (``concurrency_worker.py``) with its own engine
and its own OS identity; all of them start together on a go signal. What must hold is what
agents would notice: no note lost, no update lost silently (each one either lands or is
refused with a Conflict), no ref given twice or skipped, and no "database is locked".
"""

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from deskterm.services.core.context import Desk
from deskterm.services.people import people
from deskterm.services.tickets import tickets
from deskterm.store.models import Agent, AuditEntry, Ticket
from tests.services import factories as f

WORKER = Path(__file__).with_name("concurrency_worker.py")
REPO = Path(__file__).resolve().parents[2]
N_WORKERS = 4


def run_workers(tmp_path: Path, jobs: list[dict[str, Any]], timeout: float = 90) -> list[dict[str, Any]]:
    """Start one process per job, release them together, and return their reports."""
    go = tmp_path / "go"
    procs = []
    for job in jobs:
        job = {**job, "ready": str(tmp_path / f"ready-{job['worker']}"), "go": str(go)}
        procs.append(
            subprocess.Popen(
                [sys.executable, str(WORKER), json.dumps(job)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=REPO,
            )
        )
    try:
        deadline = time.monotonic() + timeout
        while not all((tmp_path / f"ready-{job['worker']}").exists() for job in jobs):
            if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
                break  # a worker died while starting: its report (or stderr) says why
            time.sleep(0.01)
        go.touch()
        reports = []
        for p in procs:
            out, err = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
            assert p.returncode == 0, f"worker exited {p.returncode}: {err}"
            assert "database is locked" not in err, err
            reports.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for report in reports:
        assert report["errors"] == [], "\n".join(report["errors"])
    return reports


def job(url: str, worker: int, mode: str, **kw: Any) -> dict[str, Any]:
    return {"url": url, "worker": worker, "mode": mode, "uid": 6000 + worker, "login": f"w{worker}", **kw}


def test_notes_and_versioned_updates_from_many_processes(desk: Desk, db_url: str, tmp_path: Path) -> None:
    f.contact(desk, "Wang Wei", email="wang.wei@example.com")
    ticket = f.log(desk)
    notes, updates = 25, 10

    reports = run_workers(
        tmp_path,
        [job(db_url, w, "tickets", ref=ticket.ref, notes=notes, updates=updates) for w in range(N_WORKERS)],
    )

    after = tickets.get_ticket(desk, ticket.ref)
    # Every note is there, once, with its author.
    written = sorted(body for r in reports for body in r["notes"])
    assert len(written) == N_WORKERS * notes
    assert sorted(n.body for n in after.notes) == written
    for n in after.notes:
        assert n.author == "w" + n.body.split()[1].split("-")[0]

    # Every update either landed or was refused as a conflict; none vanished.
    landed = [u for r in reports for u in r["updated"]]
    conflicts = [c for r in reports for c in r["conflicts"]]
    assert len(landed) + len(conflicts) == N_WORKERS * updates
    assert landed, "no update at all succeeded"
    assert after.version == 1 + len(landed)
    assert sorted(u["version"] for u in landed) == list(range(2, after.version + 1))
    assert all(u["version"] == u["seen"] + 1 for u in landed)
    last = max(landed, key=lambda u: u["version"])
    assert after.title == last["title"]

    # Each landed update left its audit rows, at its version, by its worker.
    title_rows = {(h.new, h.version, h.actor) for h in after.history if h.field == "title"}
    assert title_rows == {
        (u["title"], u["version"], "w" + u["title"].split()[1].split("-")[0]) for u in landed
    }
    assert sum(1 for h in after.history if h.field == "description") == len(landed)

    # A conflict says what the agent missed and who did it.
    for c in conflicts:
        assert c["exit_code"] == 5
        assert c["current"] > c["seen"]
        assert c["changes"], c
        assert {ch["field"] for ch in c["changes"]} <= {"title", "description"}
        assert {ch["actor"] for ch in c["changes"]} <= {f"w{w}" for w in range(N_WORKERS)}
        assert "changed since you saw it" in c["message"]


def test_refs_from_concurrent_loggers_are_unique_and_contiguous(
    desk: Desk, db_url: str, tmp_path: Path
) -> None:
    f.contact(desk, "Wang Wei", email="wang.wei@example.com")
    per_worker = 10
    reports = run_workers(
        tmp_path,
        [job(db_url, w, "log", count=per_worker, caller="wang.wei@example.com") for w in range(N_WORKERS)],
    )
    logged = [ref for r in reports for ref in r["logged"]]
    assert len(logged) == len(set(logged)) == N_WORKERS * per_worker
    half = N_WORKERS * per_worker // 2
    assert sorted(logged, key=lambda ref: (ref[:3], int(ref[4:]))) == [
        *(f"INC-{n}" for n in range(1, half + 1)),
        *(f"REQ-{n}" for n in range(1, half + 1)),
    ]
    # Each process saw its own numbers go up, and the store agrees with what they were told.
    for r in reports:
        for prefix in ("INC", "REQ"):
            mine = [int(ref[4:]) for ref in r["logged"] if ref.startswith(prefix)]
            assert mine == sorted(mine)
    rows = tickets.list_tickets(desk, sort="ref", limit=1000)
    assert sorted(row.ref for row in rows) == sorted(logged)
    with desk.reading() as s:
        created = s.scalars(
            select(AuditEntry.new).where(AuditEntry.record_kind == "ticket", AuditEntry.field == "created")
        ).all()
        numbers = s.execute(select(Ticket.kind, Ticket.number)).all()
    assert sorted(created) == sorted(logged)
    assert len(set(numbers)) == len(numbers)


def test_simultaneous_first_use_enrols_each_account_once(desk: Desk, db_url: str, tmp_path: Path) -> None:
    people.whoami(desk)  # alice
    same_uid = [{**job(db_url, w, "enrol"), "uid": 7000, "login": "shared"} for w in range(2)]
    same_login = [{**job(db_url, w, "enrol"), "login": "shared"} for w in range(2, 2 + N_WORKERS)]
    reports = run_workers(tmp_path, same_uid + same_login)
    logins = {r["worker"]: r["login"] for r in reports}
    assert logins[0] == logins[1]
    others = [logins[w] for w in range(2, 2 + N_WORKERS)]
    assert len(set(others)) == N_WORKERS
    assert logins[0] not in others
    # Exactly one account got the plain login; the rest have their uid appended.
    everyone = [logins[0], *others]
    assert everyone.count("shared") == 1
    expected_suffixed = {f"shared-{6000 + w}" for w in range(2, 2 + N_WORKERS)} | {"shared-7000"}
    assert set(everyone) - {"shared"} <= expected_suffixed
    with desk.reading() as s:
        uids = s.execute(select(Agent.os_uid, Agent.login).order_by(Agent.os_uid)).all()
    assert sorted(uid for uid, _ in uids) == [4242, *(6000 + w for w in range(2, 2 + N_WORKERS)), 7000]
