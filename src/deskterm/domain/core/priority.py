"""Priority from impact and urgency through the ITIL matrix (影响度 x 紧急度 -> 优先级).

The default matrix is the common ITIL one; a site may replace it in its config file.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from deskterm.domain.core.vocabulary import Level, Priority

DEFAULT_MATRIX: dict[Level, dict[Level, Priority]] = {
    Level.HIGH: {Level.HIGH: Priority.P1, Level.MEDIUM: Priority.P2, Level.LOW: Priority.P3},
    Level.MEDIUM: {Level.HIGH: Priority.P2, Level.MEDIUM: Priority.P3, Level.LOW: Priority.P4},
    Level.LOW: {Level.HIGH: Priority.P3, Level.MEDIUM: Priority.P4, Level.LOW: Priority.P5},
}


class MatrixError(ValueError):
    """A configured matrix that leaves a cell empty or names an unknown priority."""


@dataclass(frozen=True)
class PriorityMatrix:
    """rows are impact, columns urgency."""

    cells: Mapping[Level, Mapping[Level, Priority]] = field(default_factory=lambda: DEFAULT_MATRIX)

    def priority(self, impact: Level, urgency: Level) -> Priority:
        return self.cells[Level(impact)][Level(urgency)]

    @classmethod
    def from_config(cls, raw: Mapping[str, Mapping[str, str]]) -> "PriorityMatrix":
        """Build from ``{impact: {urgency: "P1"}}``; every one of the nine cells is required."""
        cells: dict[Level, dict[Level, Priority]] = {}
        for impact in Level:
            row = raw.get(impact.value)
            if row is None:
                raise MatrixError(f"priority matrix: the row for impact {impact.value!r} is missing")
            cells[impact] = {}
            for urgency in Level:
                value = row.get(urgency.value)
                try:
                    cells[impact][urgency] = Priority(str(value).upper())
                except ValueError:
                    raise MatrixError(
                        f"priority matrix: impact {impact.value} x urgency {urgency.value} "
                        f"is {value!r}; use one of P1, P2, P3, P4, P5"
                    ) from None
        return cls(cells)
