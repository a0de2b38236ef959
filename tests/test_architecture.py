"""The layering is a failing test, not a convention."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


@pytest.mark.parametrize(
    "module",
    [
        "deskterm.cli.main",
        "deskterm.services.tickets.tickets",
        "deskterm.demo.tickets",
        "deskterm.domain.tickets.incident",
    ],
)
def test_cli_services_and_domain_do_not_load_textual(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"{module} imports {out.strip()}"


def test_the_domain_loads_no_sqlalchemy() -> None:
    code = (
        "import sys, deskterm.domain.tickets.incident, deskterm.domain.core.priority, "
        "deskterm.domain.core.text, deskterm.domain.core.refs; "
        "print(sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'alembic'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
