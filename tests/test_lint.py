"""Types and lint are failing tests, not conventions: the README's test line runs them all.

Each tool runs as a subprocess with the configuration in pyproject.toml, from the project root,
and a failure shows its output. mypy keeps its cache in ``.mypy_cache``: a run after a small
change takes seconds.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.lint


def _check(*command: str | Path) -> None:
    result = subprocess.run(
        [str(part) for part in command], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, (
        f"{' '.join(str(p) for p in command)} failed:\n" + result.stdout[-6000:] + result.stderr[-2000:]
    )


def test_mypy_strict() -> None:
    _check(sys.executable, "-m", "mypy")


def test_ruff_check() -> None:
    _check(sys.executable, "-m", "ruff", "check", ".")


def test_ruff_format() -> None:
    _check(sys.executable, "-m", "ruff", "format", "--check", ".")


def test_import_linter_contracts_hold() -> None:
    _check(BIN / "lint-imports")
