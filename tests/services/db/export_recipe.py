"""The README's stdlib-only verifier of an audit export, taken from the README itself.

Tests verify exports with this code and nothing of deskterm's, so the documented recipe is
the one that is tested: if the README's canonical form or recipe drifts from what deskterm
hashes, the export tests fail.
"""

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[3] / "README.md"


def recipe_source() -> str:
    """The Python block of the README section "Verifying an export"."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Verifying an export") :]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert "deskterm" not in code, "the recipe must not need deskterm"
    return code


def recipe() -> Callable[[Iterable[str], str | None], list[int]]:
    namespace: dict[str, Any] = {"__name__": "readme_recipe"}
    exec(compile(recipe_source(), "README.md (Verifying an export)", "exec"), namespace)
    verify: Callable[[Iterable[str], str | None], list[int]] = namespace["verify"]
    return verify
