"""The rest of the demo desk, on top of its tickets and service levels: changes and CABs,
problems and known errors, monitoring events, past shift handovers and satisfaction answers.

Each capability seeds itself (``demo_changes``, ``demo_problems``, ``demo_events``,
``demo_handover``) and only adds rows of its own, so the tickets stay exactly as the ticket demo
made them. The handover comes last: its digests read the other sections.
"""

from deskterm.demo import changes as demo_changes
from deskterm.demo import events as demo_events
from deskterm.demo import handover as demo_handover
from deskterm.demo import problems as demo_problems
from deskterm.services.core.context import Desk


def seed_operations(desk: Desk, *, seed: int = 7) -> dict[str, int]:
    """Seed every operational capability; returns the counts of what each added."""
    counts: dict[str, int] = {}
    for module in (demo_changes, demo_problems, demo_events, demo_handover):
        counts.update(module.seed(desk, seed=seed))
    return counts
