"""The Prometheus Alertmanager webhook payload (version 4) as events.

A payload carries a group of alerts, each ``firing`` or ``resolved``, with labels and
annotations. Labels map to the event: ``node`` from ``instance`` (its port cut off), else
``node``, ``nodename``, ``host`` or ``hostname``; ``check`` from ``alertname``; ``severity``
from ``severity`` (Prometheus' usual ``critical``, ``warning``, ``info``; a missing one is a
warning); ``source`` from a ``source`` label, else ``prometheus``. The message is the
``summary`` annotation (else ``description``, else ``message``). A resolved alert is a
recovery (severity ok) at ``endsAt``. Alertmanager's own fingerprint is kept, so the resolved
alert clears the firing one. The group's common labels fill what an alert leaves out.
"""

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from deskterm.domain.events.events import Event, EventError, Severity, make_event

SUPPORTED_VERSION = "4"
NODE_LABELS = ("instance", "node", "nodename", "host", "hostname")
MESSAGE_ANNOTATIONS = ("summary", "description", "message")
_PORT = re.compile(r"^(?:\[(?P<v6>[^\]]+)\]|(?P<host>[^:]+)):\d+$")
_ZERO_TIME = "0001-01-01T00:00:00Z"


def node_of(instance: str) -> str:
    """``web-01:9100`` -> ``web-01``; ``[::1]:9100`` -> ``::1``; anything else as given."""
    match = _PORT.match(instance.strip())
    if match is None:
        return instance.strip()
    return match.group("v6") or match.group("host")


def _first(values: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = values.get(name)
        if value not in (None, ""):
            return value
    return None


def alert_event(alert: Mapping[str, Any], common: Mapping[str, Any], now: datetime) -> Event:
    """One alert of a payload as an Event; the error names the missing label."""
    if not isinstance(alert, Mapping):
        raise EventError("an alert is a JSON object with status, labels and annotations")
    labels = {**common, **(alert.get("labels") or {})}
    annotations = alert.get("annotations") or {}
    if not isinstance(labels, Mapping) or not isinstance(annotations, Mapping):
        raise EventError("labels and annotations must be JSON objects")
    status = alert.get("status")
    if status not in ("firing", "resolved"):
        raise EventError(f"status {status!r} is not firing or resolved")
    node = _first(labels, NODE_LABELS)
    if node is None:
        raise EventError("the alert has no instance label (nor node, nodename, host or hostname)")
    if not labels.get("alertname"):
        raise EventError("the alert has no alertname label")
    if status == "resolved":
        severity: str = Severity.OK.value
        ends = alert.get("endsAt")
        when = ends if ends and ends != _ZERO_TIME else alert.get("startsAt")
    else:
        severity = str(labels.get("severity") or Severity.WARNING.value)
        when = alert.get("startsAt")
    return make_event(
        {
            "source": labels.get("source") or "prometheus",
            "node": node_of(str(node)),
            "check": labels["alertname"],
            "severity": severity,
            "message": _first(annotations, MESSAGE_ANNOTATIONS) or "",
            "time": when,
            "fingerprint": alert.get("fingerprint"),
        },
        now,
    )


def parse_payload(payload: object, now: datetime) -> list[Event | EventError]:
    """Every alert of one webhook payload, in order: an Event, or the error that alert has.

    A payload that is not one at all (not an object, no alerts, another version) raises.
    """
    if not isinstance(payload, Mapping):
        raise EventError("an Alertmanager payload is a JSON object with version, status and alerts")
    version = payload.get("version")
    if version is not None and str(version) != SUPPORTED_VERSION:
        raise EventError(f"payload version {version!r} is not supported; Alertmanager sends version 4")
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise EventError("the payload has no alerts list")
    common = payload.get("commonLabels") or {}
    if not isinstance(common, Mapping):
        raise EventError("commonLabels must be a JSON object")
    out: list[Event | EventError] = []
    for index, alert in enumerate(alerts, 1):
        try:
            out.append(alert_event(alert, common, now))
        except EventError as exc:
            out.append(EventError(f"alert {index}: {exc}"))
    return out
