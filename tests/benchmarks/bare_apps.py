"""Baselines: the least a Textual app can be. Run as a script: ``python bare_apps.py static|fill``.

``static``: one Static, the start-up and memory baseline (``READY`` is what to wait for).
``fill``: one Static that fills the whole terminal with text, one full frame of that size
(``FILL_LAST`` ends its last line).
"""

import shutil
import sys

from textual.app import App, ComposeResult
from textual.widgets import Static

READY = "BENCH-BARE-READY"
FILL_LAST = "BENCH-FILL-END"


def fill_text(cols: int, rows: int) -> str:
    words = "the quick brown fox jumps over the lazy dog while agents log calls and route tickets "
    lines = []
    for y in range(rows):
        start = (y * 7) % len(words)
        line = f"{y + 1:02d} " + (words[start:] + words * 3)
        lines.append(line[:cols])
    lines[-1] = (lines[-1][: cols - len(FILL_LAST)] + FILL_LAST)[:cols]
    return "\n".join(lines)


class StaticApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(READY, markup=False)


class FillApp(App[None]):
    CSS = "Screen { overflow: hidden; } Static { width: 100%; height: 100%; }"

    def compose(self) -> ComposeResult:
        cols, rows = shutil.get_terminal_size()
        yield Static(fill_text(cols, rows), markup=False)


if __name__ == "__main__":
    kind = sys.argv[1] if len(sys.argv) > 1 else "static"
    (FillApp if kind == "fill" else StaticApp)().run()
