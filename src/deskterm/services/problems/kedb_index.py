"""The KEDB's in-memory search index, per database: what a search hit is, and forgetting the
index after a write (known errors are written by both the KEDB and the problem services)."""

import threading

from deskterm.domain.problems.kedb import KedbIndex
from deskterm.services.core.views import View

LOCK = threading.Lock()
CACHE: dict[str, tuple[tuple[object, ...], KedbIndex, dict[str, "KnownErrorHit"]]] = {}


class KnownErrorHit(View):
    """One search result: enough to judge it without opening it."""

    ref: str
    title: str
    symptom: str
    workaround: str
    keywords: str
    services: list[str]
    cis: list[str]
    problem: str | None
    score: float = 0.0
    matched: tuple[str, ...] = ()
    same_service: bool = False
    same_ci: bool = False


def forget_index() -> None:
    """After a write in this process: the next search rebuilds."""
    with LOCK:
        CACHE.clear()
