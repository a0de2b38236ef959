"""Issue 14, item 3, as it was seen: four ``deskterm`` processes running the same command at
the same instant. Escalations are fired once and every process exits 0; creating the same
record gives exit 0 once and exit 5 (one sentence, no SQL) for the others (the CIs and CABs of
the report here; every other kind races in tests/services/core/test_hardening_races.py). Both
databases."""

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from deskterm.domain.core.clock import FixedClock
from deskterm.domain.core.vocabulary import Tier
from deskterm.services.core.identity import current_identity
from deskterm.services.sla import sla_definitions
from deskterm.store.models import EscalationFiring
from tests.conftest import open_desk
from tests.services import factories as f

WORKER = Path(__file__).with_name("race_worker.py")
REPO = Path(__file__).resolve().parents[2]
N = 4
ESCALATIONS = """
[[agreement]]
name = "Mail SLA"
services = ["Email"]

[agreement.targets]
P2 = { response = "30m", resolution = "4h" }

[[escalation]]
at = "breach"
action = "notify"
notify = "group-lead"

[[escalation]]
at = "breach"
metric = "resolution"
action = "mark-major"
"""


def race_cli(tmp_path: Path, url: str, *args: str) -> list[tuple[int, str, str]]:
    """Start N processes of ``deskterm --db URL ARGS``, release them together: (code, out, err)."""
    go = tmp_path / "go"
    go.unlink(missing_ok=True)
    ready = [tmp_path / f"ready-{i}" for i in range(N)]
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(r), str(go), "--db", url, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for r in ready
    ]
    deadline = time.monotonic() + 60
    while not all(r.exists() for r in ready) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        results.append((p.returncode, out, err))
    for r in ready:
        r.unlink(missing_ok=True)
    return results


def test_four_escalate_processes_fire_once_and_all_exit_0(db_url: str, tmp_path: Path) -> None:
    # The tickets were logged ten hours ago (the processes run on the real clock).
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0) - timedelta(hours=10))
    desk = open_desk(db_url, clock, identity=current_identity())
    me = desk.whoami().login
    f.contact(desk, "Wang Wei", email="wang@example.com")
    f.service(desk, "Email")
    f.group(desk, "Service Desk", tier=Tier.T1, members=(me,))
    sla_definitions.apply(desk, ESCALATIONS)
    for i in range(3):
        f.log(desk, title=f"mail {i}", service="Email", impact="high", urgency="medium", group="Service Desk")
    desk.close()
    results = race_cli(tmp_path, db_url, "sla", "escalate", "--format", "json")
    assert [code for code, _, _ in results] == [0] * N, results
    assert all(err == "" for _, _, err in results), results
    fired = [row for _, out, _ in results for row in json.loads(out)]
    desk = open_desk(db_url, identity=current_identity())
    try:
        with desk.reading() as s:
            firings = s.scalar(select(func.count()).select_from(EscalationFiring))
    finally:
        desk.close()
    # 3 tickets x (notify on response and on resolution, mark-major), each fired by one process
    assert firings == len(fired) == 9


@pytest.mark.parametrize(
    "args",
    [
        ("ci", "add", "pay-01", "--type", "server"),
        ("cab", "add", "Weekly CAB", "--manager", "{me}", "--member", "{me}"),
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_four_processes_creating_one_record_exit_0_once_and_5_otherwise(
    db_url: str, tmp_path: Path, args: tuple[str, ...]
) -> None:
    desk = open_desk(db_url, identity=current_identity())
    me = desk.whoami().login
    desk.close()
    results = race_cli(tmp_path, db_url, *(a.format(me=me) for a in args))
    assert sorted(code for code, _, _ in results) == [0] + [5] * (N - 1), results
    for code, _, err in results:
        if code:
            assert err.count("\n") == 1 and "Traceback" not in err and "INSERT" not in err.upper(), err
