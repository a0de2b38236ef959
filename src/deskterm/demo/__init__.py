"""The demo desk: seed() and its generators; only the CLI and the tests import it.

``seed`` is what a demo desk is: the organisation, the catalogue and N tickets with their
history (``tickets``), the demo SLA definitions (``sla.toml``), then, unless asked not to, the
operational capabilities (``operations``: changes, problems, events, handovers).
"""

from collections.abc import Callable
from importlib import resources

from deskterm.demo.tickets import DemoSummary, desk_is_empty, generate_demo
from deskterm.services.core.context import Desk
from deskterm.services.sla import sla_definitions

__all__ = ["DemoSummary", "desk_is_empty", "generate_demo", "seed", "sla_definitions_text"]


def sla_definitions_text() -> str:
    """The demo's SLA definitions (calendars, agreements, escalation rules) as TOML."""
    return resources.files(__name__).joinpath("sla.toml").read_text(encoding="utf-8")


def seed(
    desk: Desk,
    *,
    tickets: int = 2000,
    seed: int = 7,
    progress: Callable[[int, int], None] | None = None,
    operations: bool = True,
) -> dict[str, int | float]:
    """Fill an empty desk with the demo desk; returns what was written, one count per kind
    (``DemoSummary``'s fields, then ``changes``, ``problems``, ``known_errors``, ``events``,
    ``handovers`` when ``operations``). The same seed on the same clock gives the same desk."""
    from deskterm.demo import resume  # the steps after the tickets, each its own transaction

    summary = generate_demo(desk, tickets=tickets, seed=seed, progress=progress)
    counts: dict[str, int | float] = dict(summary.model_dump())
    if operations:
        counts.update(resume.complete(desk, seed=seed))  # a killed demo is completed by the next
    else:
        sla_definitions.apply(desk, sla_definitions_text(), "the demo's SLA definitions")
    return counts
