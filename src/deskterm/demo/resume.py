"""The demo as a resumable plan: a killed ``deskterm demo`` is completed by the next one.

The demo is made in steps, each its own transaction (all of a step or none of it): the ticket
desk, the SLA definitions, then changes, problems, events and handovers. A demo desk is one
whose callers are at the demo's mail domain; on such a desk, each step whose rows are missing
is run again, so ``demo`` (or ``demo --if-empty``) after a crash completes the desk instead of
refusing it, and never touches a desk that holds anyone else's data.
"""

from collections.abc import Callable
from importlib import resources

from sqlalchemy import func, select

from deskterm.demo import changes as demo_changes
from deskterm.demo import events as demo_events
from deskterm.demo import handover as demo_handover
from deskterm.demo import problems as demo_problems
from deskterm.demo.plan import DOMAIN
from deskterm.services.core.context import Desk
from deskterm.services.sla import sla_definitions
from deskterm.store.models import Agreement, Change, Contact, Handover, Problem
from deskterm.store.models import Event as EventRecord

# (what the step adds, the table whose rows show it ran, how to run it)
_OPERATIONS: tuple[tuple[str, type, Callable[..., dict[str, int]]], ...] = (
    ("changes", Change, demo_changes.seed),
    ("problems", Problem, demo_problems.seed),
    ("events", EventRecord, demo_events.seed),
    ("handovers", Handover, demo_handover.seed),
)


def is_demo_desk(desk: Desk) -> bool:
    """True when the desk's callers were made by the demo (their e-mails are at its domain)."""
    with desk.reading() as s:
        total = s.scalar(select(func.count()).select_from(Contact)) or 0
        ours = s.scalar(select(func.count()).where(Contact.email.like(f"%@{DOMAIN}"))) or 0
        return total > 0 and ours * 2 > total


def missing_steps(desk: Desk) -> list[str]:
    """The demo steps a (partial) demo desk still lacks, in order."""
    with desk.reading() as s:
        steps = []
        if s.scalar(select(Agreement.id).limit(1)) is None:
            steps.append("sla")
        for name, model, _ in _OPERATIONS:
            if s.scalar(select(model.id).limit(1)) is None:  # type: ignore[attr-defined]
                steps.append(name)
        return steps


def apply_demo_sla(desk: Desk) -> None:
    definitions = resources.files("deskterm.demo").joinpath("sla.toml").read_text(encoding="utf-8")
    sla_definitions.apply(desk, definitions, "the demo's SLA definitions")


def complete(desk: Desk, *, seed: int = 7, steps: list[str] | None = None) -> dict[str, int]:
    """Run the given (or every missing) step after the ticket desk; returns what each added."""
    todo = missing_steps(desk) if steps is None else steps
    counts: dict[str, int] = {}
    if "sla" in todo:
        apply_demo_sla(desk)
    for name, _, run in _OPERATIONS:
        if name in todo:
            counts.update(run(desk, seed=seed))
    return counts
