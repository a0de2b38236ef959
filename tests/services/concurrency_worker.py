"""One deskterm process for the concurrency tests: ``python concurrency_worker.py JSON``.

It opens its own desk on the given database as its own OS identity, signals that it is ready,
waits for the go file so that every worker starts at once, does its share of the work and
prints a JSON report on stdout. Every exception other than the expected ``Conflict`` is
caught and reported, so the test sees it instead of a lost process.
"""

import json
import random
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from deskterm.config import Settings
from deskterm.services.core.commands import AddNote, LogIncident, UpdateTicket, validate
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import Conflict
from deskterm.services.core.identity import OsIdentity
from deskterm.services.people import people
from deskterm.services.tickets import tickets


def _wait_for_go(job: dict[str, Any]) -> None:
    Path(job["ready"]).touch()
    go = Path(job["go"])
    deadline = time.monotonic() + 60
    while not go.exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the go file never appeared")
        time.sleep(0.005)


def _ticket_work(desk: Desk, job: dict[str, Any], report: dict[str, Any]) -> None:
    me, ref = job["worker"], job["ref"]
    ops = ["note"] * job["notes"] + ["update"] * job["updates"]
    random.Random(me).shuffle(ops)
    n_note = n_update = 0
    for op in ops:
        try:
            if op == "note":
                n_note += 1
                body = f"note {me}-{n_note}"
                tickets.add_note(desk, validate(AddNote, ref=ref, body=body, public=n_note % 5 == 0))
                report["notes"].append(body)
            else:
                n_update += 1
                title = f"title {me}-{n_update}"
                seen = tickets.get_ticket(desk, ref).version
                try:
                    view = tickets.update_ticket(
                        desk,
                        validate(
                            UpdateTicket,
                            ref=ref,
                            expected_version=seen,
                            title=title,
                            description=f"by worker {me}, update {n_update}",
                        ),
                    )
                except Conflict as exc:
                    report["conflicts"].append(
                        {
                            "exit_code": exc.exit_code,
                            "message": exc.message,
                            "seen": exc.details["seen_version"],
                            "current": exc.details["current_version"],
                            "changes": exc.details["changes"],
                        }
                    )
                else:
                    report["updated"].append({"title": title, "seen": seen, "version": view.version})
        except Exception as exc:
            report["errors"].append(f"{op}: {type(exc).__name__}: {exc}\n{traceback.format_exc()}")


def _log_work(desk: Desk, job: dict[str, Any], report: dict[str, Any]) -> None:
    for i in range(job["count"]):
        kind = "request" if i % 2 else "incident"
        try:
            cmd = validate(
                LogIncident,
                title=f"worker {job['worker']} call {i}",
                caller=job["caller"],
                impact="low",
                urgency="high",
                kind=kind,
            )
            report["logged"].append(tickets.log_incident(desk, cmd).ref)
        except Exception as exc:
            report["errors"].append(f"log: {type(exc).__name__}: {exc}\n{traceback.format_exc()}")


def _take_work(desk: Desk, job: dict[str, Any], report: dict[str, Any]) -> None:
    from deskterm.services.core.errors import NotFound
    from deskterm.services.tickets.queue import take_next

    for _ in range(job["count"]):
        try:
            report["taken"].append(take_next(desk).ref)
        except NotFound:
            report["empty"] = report.get("empty", 0) + 1
        except Exception as exc:
            report["errors"].append(f"take: {type(exc).__name__}: {exc}\n{traceback.format_exc()}")


def main() -> None:
    job = json.loads(sys.argv[1])
    report: dict[str, Any] = {
        "worker": job["worker"],
        "notes": [],
        "updated": [],
        "conflicts": [],
        "logged": [],
        "taken": [],
        "login": None,
        "errors": [],
    }
    identity = OsIdentity(uid=job["uid"], login=job["login"], display_name=f"Worker {job['worker']}")
    desk = None
    try:
        desk = Desk.open(Settings(db=job["url"]), identity=identity)
        _wait_for_go(job)
        if job["mode"] == "tickets":
            _ticket_work(desk, job, report)
        elif job["mode"] == "log":
            _log_work(desk, job, report)
        elif job["mode"] == "take":
            _take_work(desk, job, report)
        elif job["mode"] == "enrol":
            report["login"] = people.whoami(desk).login
        else:
            raise ValueError(f"unknown mode {job['mode']!r}")
    except Exception as exc:
        report["errors"].append(f"setup: {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    finally:
        if desk is not None:
            desk.close()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
