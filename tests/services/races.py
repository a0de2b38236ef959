"""Release several desks on one database at the same instant and collect what each got.

Each desk has its own engine (as separate deskterm processes would) and the same OS identity
unless told otherwise; a barrier starts them together. An outcome is ``"ok"``, ``"exit N"`` for
an error the CLI maps to exit N, or the type and text of anything else (which breaks the
contract: the CLI would print "unexpected ...", exit 1).
"""

import threading
from collections.abc import Callable
from typing import Any

from deskterm.domain.core.clock import FixedClock
from deskterm.services.core.errors import DesktermError
from deskterm.services.core.identity import OsIdentity
from tests.conftest import IDENTITY, open_desk

N = 4


def race(
    url: str,
    action: Callable[..., Any],
    *,
    n: int = N,
    clock: FixedClock | None = None,
    identity: OsIdentity = IDENTITY,
) -> tuple[list[str], list[Any]]:
    """Run ``action(desk)`` on ``n`` desks at once: (sorted outcomes, results of the ok ones)."""
    desks = [open_desk(url, clock, identity) for _ in range(n)]
    for d in desks:
        d.actor_id  # noqa: B018  (enrolled before the race: the race is about the action)
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    results: list[Any] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results.append(action(desks[index]))
            outcomes.append("ok")
        except DesktermError as exc:
            outcomes.append(f"exit {exc.exit_code}")
        except Exception as exc:  # anything else breaks the contract
            outcomes.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for d in desks:
        d.close()
    return sorted(outcomes), results


def once_and_conflicts(n: int = N) -> list[str]:
    """What a create race must give: one record, exit 5 for every other desk."""
    return ["exit 5"] * (n - 1) + ["ok"]
