"""Event ingest end to end (issue 8: >= 10 000 events/s on 2 cores).

``ingest_benchmark(url)`` makes 100 000 realistic JSON lines (a few thousand nodes, most of them
no CI, repeating alerts, recoveries, a storm, exceptions on the CIs of a ``deskterm demo``
desk) and times ``services.events.ingest`` on them: JSON parsing, rules, de-duplication,
correlation, the incidents it opens and resolves, every write. Nothing is prepared ahead in
the desk. It writes into the desk at ``url``: give it a copy.

    python -m tests.benchmarks.ingest sqlite:////tmp/evbench-copy.sqlite
"""

import json
import random
import sys
import time
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from deskterm.config import Settings
from deskterm.services.core.context import Desk
from deskterm.services.events import event_rules
from deskterm.store.models import ConfigurationItem

CHECKS = (
    "cpu_load",
    "memory_used",
    "disk_free",
    "http_latency",
    "ping",
    "ntp_offset",
    "service_state",
    "backup_age",
    "cert_expiry",
    "log_errors",
    "swap_used",
    "interface_errors",
)
SOURCES = ("nagios", "zabbix", "prometheus", "syslog")
# (severity, weight): nodes that are no CI report noise, the CIs report the exceptions
NOISE = (("info", 40), ("warning", 30), ("minor", 10), ("ok", 20))
CI_MIX = (("critical", 15), ("major", 20), ("warning", 25), ("info", 15), ("ok", 25))
GOAL = 10_000.0
RULES = """
[settings]
correlation_window = "15m"

[[rule]]
name = "heartbeats are noise"
action = "drop"
check = "heartbeat"

[[rule]]
name = "point-of-sale tills are informational"
action = "informational"
node = "pos-*"

[[rule]]
name = "database disks are exceptions"
action = "exception"
node = "db-*"
check = "disk_free"
severities = ["minor"]

[[rule]]
name = "certificate warnings"
action = "warning"
message = "cert(ificate)? (expir|invalid)"
"""


def _pick(r: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return r.choices([s for s, _ in table], [w for _, w in table])[0]


def make_lines(ci_names: list[str], events_n: int, start: datetime, seed: int = 8) -> list[str]:
    """``events_n`` JSON lines over one hour: repeats of the same alerts, recoveries, a storm."""
    r = random.Random(seed)
    nodes = [f"{kind}-{i:04d}" for kind in ("web", "app", "db", "edge", "pos") for i in range(600)]
    weights = [1.0 / (1 + i % 97) for i in range(len(nodes))]  # some nodes are much noisier
    storm_at = events_n // 2
    lines: list[str] = []
    for i in range(events_n):
        at = start + timedelta(seconds=3600 * i / events_n)
        if storm_at <= i < storm_at + events_n // 20:  # a core switch dies: many nodes, one check
            if ci_names and r.random() < 0.2:
                node, severity = r.choice(ci_names), "critical"
            else:
                node, severity = r.choice(nodes[:400]), "warning"
            check, message = "ping", "host unreachable (core switch down)"
        elif r.random() < 0.12 and ci_names:
            node, check, severity = r.choice(ci_names), r.choice(CHECKS[:6]), _pick(r, CI_MIX)
            message = f"{check} on {node} is {severity}"
        elif r.random() < 0.03:
            node, check, severity, message = r.choice(nodes), "heartbeat", "info", "alive"
        else:
            node, check, severity = r.choices(nodes, weights)[0], r.choice(CHECKS), _pick(r, NOISE)
            message = f"{check} {severity}: value {r.randint(1, 100)}"
        event: dict[str, Any] = {
            "source": SOURCES[zlib.crc32(node.encode()) % len(SOURCES)],
            "node": node,
            "check": check,
            "severity": severity,
            "message": message,
            "time": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
        lines.append(json.dumps(event))
    return lines


def ingest_benchmark(url: str, events: int = 100_000) -> dict[str, Any]:
    """Time one ingest of ``events`` generated lines into the desk at ``url``."""
    from deskterm.services.events import events as service

    desk = Desk.open(Settings(db=url))
    try:
        with desk.reading() as s:
            ci_names = list(s.scalars(select(ConfigurationItem.name).order_by(ConfigurationItem.name)))
        start = desk.clock.now() - timedelta(hours=1)
        lines = make_lines(ci_names, events, start.astimezone(UTC))
        event_rules.apply(desk, RULES, "benchmark rules")  # a desk with rules, as a real one has
        began = time.perf_counter()
        summary = service.ingest(desk, lines)
        seconds = time.perf_counter() - began
    finally:
        desk.close()
    rate = events / seconds if seconds > 0 else 0.0
    return {
        "events": events,
        "seconds": round(seconds, 3),
        "events_per_second": round(rate, 1),
        "goal": GOAL,
        "pass": rate >= GOAL,
        "summary": summary.model_dump(exclude={"opened", "resolved", "errors"}),
    }


if __name__ == "__main__":
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    print(json.dumps(ingest_benchmark(sys.argv[1], count), indent=2))
