"""The layering is a failing test, not a convention (lint-imports runs in test_lint.py)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


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


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_no_import_cycles() -> None:
    """No two modules of deskterm import each other, directly or through others (lazy imports
    inside functions count too: a cycle is a sign that something lives in the wrong module)."""
    import grimp

    # imports under TYPE_CHECKING are for annotations only: they make no cycle at run time
    built = grimp.build_graph("deskterm", exclude_type_checking_imports=True)
    graph = {m: set(built.find_modules_directly_imported_by(m)) for m in built.modules}
    cycles = _cycles(graph)
    report = []
    for component in cycles:
        members = set(component)
        edges = [f"    {a} -> {b}" for a in component for b in sorted(graph[a] & members)]
        report.append(" <-> ".join(component) + "\n" + "\n".join(edges))
    assert not cycles, f"{len(cycles)} import cycle(s):\n" + "\n".join(report)
