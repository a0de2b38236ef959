"""The incident detail screen by keys: every action, conflicts, and hostile text."""

import html
import re

from deskterm.domain.text import cell_width
from deskterm.services import tickets
from deskterm.services.commands import LogIncident
from deskterm.services.context import Desk
from deskterm.tui.app import DeskApp
from deskterm.tui.screens.ticket import TicketScreen
from tests.tui.conftest import settle

TEXT = re.compile(r'<text[^>]*?x="([\d.]+)"[^>]*clip-path="url\(#[^"]*-line-(\d+)\)"[^>]*>(.*?)</text>', re.S)
CELL = 12.2  # width of one terminal cell in Textual's SVG export


def screen_lines(app: DeskApp) -> list[str]:
    """What is on the terminal, line by line, as a person reads it (wide characters count 2)."""
    rows: dict[int, list[str]] = {}
    for x, number, chunk in TEXT.findall(app.export_screenshot()):
        row = rows.setdefault(int(number), [])
        col = round(float(x) / CELL)
        text = html.unescape(chunk).replace("\xa0", " ").replace("\n", "")
        row.extend(" " * (col - len(row)))
        row[col:] = []
        for ch in text:
            row.append(ch)
            if cell_width(ch) == 2:
                row.append("")
    return ["".join(rows.get(i, [])).rstrip() for i in range(max(rows, default=-1) + 1)]


def screen_text(app: DeskApp) -> str:
    return "\n".join(screen_lines(app))


def log(desk: Desk, title: str, **extra: str) -> str:
    fields = {"caller": "#1", "impact": "medium", "urgency": "medium", "group": "Service Desk", **extra}
    return tickets.log_incident(desk, LogIncident(title=title, **fields)).ref


async def open_by_ref(pilot, ref: str) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("colon", *ref, "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, TicketScreen)
    assert pilot.app.screen.ref == ref


async def test_explore(app: DeskApp) -> None:
    ref = log(app.desk, "Printer on floor 3 jams")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_by_ref(pilot, ref)
        print(screen_text(app))
        await pilot.press("a")
        await settle(pilot)
        print(screen_text(app))
        print(app.screen.focused)
        assert False
