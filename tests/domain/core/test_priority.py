"""Priority from impact x urgency: the ITIL matrix, cell by cell, and configured matrices."""

import pytest

from deskterm.domain.core.priority import DEFAULT_MATRIX, MatrixError, PriorityMatrix
from deskterm.domain.core.vocabulary import Level, Priority

H, M, L = Level.HIGH, Level.MEDIUM, Level.LOW

# Rows are impact, columns urgency: the common ITIL table.
ITIL_TABLE = [
    (H, H, Priority.P1),
    (H, M, Priority.P2),
    (H, L, Priority.P3),
    (M, H, Priority.P2),
    (M, M, Priority.P3),
    (M, L, Priority.P4),
    (L, H, Priority.P3),
    (L, M, Priority.P4),
    (L, L, Priority.P5),
]

ALL_LEVELS = ["high", "medium", "low"]


def full_config(**overrides: str) -> dict[str, dict[str, str]]:
    """A complete config matrix (all P3) with ``impact_urgency="Pn"`` overrides."""
    raw = {impact: dict.fromkeys(ALL_LEVELS, "P3") for impact in ALL_LEVELS}
    for key, value in overrides.items():
        impact, urgency = key.split("_")
        raw[impact][urgency] = value
    return raw


@pytest.mark.parametrize(("impact", "urgency", "expected"), ITIL_TABLE)
def test_default_matrix_cell(impact: Level, urgency: Level, expected: Priority) -> None:
    assert PriorityMatrix().priority(impact, urgency) is expected


@pytest.mark.parametrize(("impact", "urgency", "expected"), ITIL_TABLE)
def test_default_matrix_constant_matches_itil_table(
    impact: Level, urgency: Level, expected: Priority
) -> None:
    assert DEFAULT_MATRIX[impact][urgency] is expected


def test_default_matrix_has_exactly_nine_cells() -> None:
    assert set(DEFAULT_MATRIX) == set(Level)
    for row in DEFAULT_MATRIX.values():
        assert set(row) == set(Level)


@pytest.mark.parametrize(("impact", "urgency", "expected"), ITIL_TABLE)
def test_priority_accepts_plain_strings(impact: Level, urgency: Level, expected: Priority) -> None:
    """The CLI passes what the user typed: ``high`` works as well as ``Level.HIGH``."""
    assert PriorityMatrix().priority(impact.value, urgency.value) is expected


def test_priority_refuses_unknown_level() -> None:
    with pytest.raises(ValueError):
        PriorityMatrix().priority("critical", "high")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        PriorityMatrix().priority("high", "urgent")  # type: ignore[arg-type]


def test_higher_impact_or_urgency_never_lowers_priority() -> None:
    """Moving up either axis never yields a less urgent priority (lower rank is more urgent)."""
    matrix = PriorityMatrix()
    order = [L, M, H]
    for i, impact in enumerate(order):
        for j, urgency in enumerate(order):
            rank = matrix.priority(impact, urgency).rank
            if i + 1 < len(order):
                assert matrix.priority(order[i + 1], urgency).rank <= rank
            if j + 1 < len(order):
                assert matrix.priority(impact, order[j + 1]).rank <= rank


def test_default_matrix_is_symmetric() -> None:
    matrix = PriorityMatrix()
    for impact in Level:
        for urgency in Level:
            assert matrix.priority(impact, urgency) is matrix.priority(urgency, impact)


def test_from_config_with_default_values_equals_default() -> None:
    raw = {i.value: {u.value: DEFAULT_MATRIX[i][u].value for u in Level} for i in Level}
    matrix = PriorityMatrix.from_config(raw)
    for impact, urgency, expected in ITIL_TABLE:
        assert matrix.priority(impact, urgency) is expected


def test_from_config_custom_matrix_is_used_cell_by_cell() -> None:
    # A stricter site: anything of high impact is P1, low impact never beats P4.
    raw = {
        "high": {"high": "P1", "medium": "P1", "low": "P1"},
        "medium": {"high": "P1", "medium": "P2", "low": "P3"},
        "low": {"high": "P4", "medium": "P5", "low": "P5"},
    }
    matrix = PriorityMatrix.from_config(raw)
    for impact in Level:
        for urgency in Level:
            got = matrix.priority(impact, urgency)
            assert isinstance(got, Priority)
            assert got.value == raw[impact.value][urgency.value]


@pytest.mark.parametrize("impact", ALL_LEVELS)
@pytest.mark.parametrize("urgency", ALL_LEVELS)
def test_from_config_each_cell_is_independent(impact: str, urgency: str) -> None:
    matrix = PriorityMatrix.from_config(full_config(**{f"{impact}_{urgency}": "P1"}))
    for i in Level:
        for u in Level:
            expected = Priority.P1 if (i.value, u.value) == (impact, urgency) else Priority.P3
            assert matrix.priority(i, u) is expected


@pytest.mark.parametrize("spelling", ["p2", "P2"])
def test_from_config_accepts_lowercase_priorities(spelling: str) -> None:
    matrix = PriorityMatrix.from_config(full_config(high_high=spelling))
    assert matrix.priority(H, H) is Priority.P2


@pytest.mark.parametrize("impact", ALL_LEVELS)
def test_from_config_refuses_missing_row_naming_it(impact: str) -> None:
    raw = full_config()
    del raw[impact]
    with pytest.raises(MatrixError, match=rf"row for impact '{impact}' is missing"):
        PriorityMatrix.from_config(raw)


@pytest.mark.parametrize("impact", ALL_LEVELS)
@pytest.mark.parametrize("urgency", ALL_LEVELS)
def test_from_config_refuses_missing_cell_naming_it(impact: str, urgency: str) -> None:
    raw = full_config()
    del raw[impact][urgency]
    with pytest.raises(MatrixError) as excinfo:
        PriorityMatrix.from_config(raw)
    message = str(excinfo.value)
    assert f"impact {impact} x urgency {urgency}" in message
    assert "P1, P2, P3, P4, P5" in message


@pytest.mark.parametrize("impact", ALL_LEVELS)
@pytest.mark.parametrize("urgency", ALL_LEVELS)
def test_from_config_refuses_unknown_priority_naming_cell_and_value(impact: str, urgency: str) -> None:
    raw = full_config(**{f"{impact}_{urgency}": "P9"})
    with pytest.raises(MatrixError) as excinfo:
        PriorityMatrix.from_config(raw)
    message = str(excinfo.value)
    assert f"impact {impact} x urgency {urgency}" in message
    assert "'P9'" in message
    assert "use one of P1, P2, P3, P4, P5" in message


@pytest.mark.parametrize("bad", ["", "P0", "P6", "1", "high", "P 1", "urgent"])
def test_from_config_refuses_bad_priority_values(bad: str) -> None:
    with pytest.raises(MatrixError, match="impact medium x urgency low"):
        PriorityMatrix.from_config(full_config(medium_low=bad))


def test_from_config_refuses_empty_config() -> None:
    with pytest.raises(MatrixError, match="row for impact 'high' is missing"):
        PriorityMatrix.from_config({})


def test_matrix_error_is_a_value_error() -> None:
    """Callers that catch ValueError for bad config also catch a bad matrix."""
    assert issubclass(MatrixError, ValueError)
