"""What the problem screens share: state and priority as text, local times, the impact and
urgency choices, and whether typed text is a problem or known error ref."""

from typing import Any

from rich.text import Text

from deskterm.domain.core.refs import RefError, RefKind, parse_ref
from deskterm.domain.core.vocabulary import Level
from deskterm.domain.problems.problem import ProblemStatus
from deskterm.services.core import search

LEVELS = [(lvl.value, lvl.value) for lvl in Level]
WIDE = 100


def state(status: ProblemStatus) -> Text:
    style = {"new": "bold", "investigating": "", "known-error": "bold", "resolved": "dim", "closed": "dim"}
    return Text(f"{status.symbol} {status.value}", style[status.value])


def priority_text(value: str) -> Text:
    return Text(value, "bold reverse" if value in ("P1", "P2") else "bold")


def local(at: Any) -> str:
    return f"{at.astimezone():%m-%d %H:%M}" if at is not None else "-"


def is_problem_ref(text: str) -> bool:
    try:
        return parse_ref(text).kind in (RefKind.PRB, RefKind.KE)
    except RefError:
        return False


def _options(found: list[search.Suggestion]) -> list[tuple[str, str]]:
    return [(s.label, s.key) for s in found]
