"""SVG snapshots of the service level report (with its improvement plan) and the wallboard at
80x24 and 120x40. Look at a changed SVG before accepting it (--snapshot-update)."""

from datetime import date

import pytest

from deskterm.services.core.context import Desk
from deskterm.services.sla import sla_reports
from deskterm.tui.app import DeskApp
from deskterm.tui.sla.wall import WallApp
from tests.tui.conftest import settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def _report(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("colon", *"report", "enter")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_report(snap_compare, app: DeskApp, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    breach = sla_reports.report(app.desk, date(2026, 10, 26), date(2026, 11, 24)).breaches[0]
    sla_reports.add_sip(
        app.desk,
        f"Staff the early shift for {breach.agreement}",
        "emma.clarke",
        date(2026, 12, 15),
        ref=breach.ref,
    )
    assert snap_compare(app, terminal_size=size, run_before=_report)


@pytest.mark.parametrize("size", SIZES)
def test_wall(snap_compare, tui_desk: Desk, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(WallApp(tui_desk, poll=False), terminal_size=size, run_before=settle)
