"""Idempotent actions when several desks run them at the same instant.

Two desks that add the same rows at once (the same definitions applied, the same member added,
the same escalation fired) both read "not there yet"; the database's unique constraint lets the
first commit and refuses the other (``ConcurrentInsert``). For an action whose second run is a
no-op, the refused desk simply runs again: it now reads what the first committed and does
nothing, so the effect happens once and every desk succeeds (exit 0), as if they had run one
after the other. Creates are not retried: a duplicate stays exit 5.
"""

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from deskterm.services.core.errors import ConcurrentInsert

T = TypeVar("T")
P = ParamSpec("P")
RACE_ATTEMPTS = 5  # each retry sees more of what the others committed; 4 racing desks need 4


def once(action: Callable[[], T], attempts: int = RACE_ATTEMPTS) -> T:
    """Run ``action`` (one unit of work); run it again when another desk's identical write won
    a unique constraint. After ``attempts`` the conflict is the caller's (exit 5)."""
    for _ in range(attempts - 1):
        try:
            return action()
        except ConcurrentInsert:
            continue
    return action()


def retried(action: Callable[P, T]) -> Callable[P, T]:
    """``action`` (a service function of one unit of work) run through :func:`once`."""

    @functools.wraps(action)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return once(lambda: action(*args, **kwargs))

    return run
