"""``deskterm report NAME``: every report in every format, filters, exit codes, CSV safety."""

import csv
import io

import pytest

from tests.cli.test_cli import Cli
from tests.conftest import open_desk
from tests.services import factories as f
from tests.services import reports_fixture

HOSTILE = '=HYPERLINK("http://evil","x")'


@pytest.fixture
def cli(db_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    desk = open_desk(db_url)
    try:
        reports_fixture.build(desk, title=HOSTILE)
        f.service(desk, "@SUM(A1)\x1b[2J")
        f.update(desk, "INC-1", service="@SUM(A1)\x1b[2J")
    finally:
        desk.close()
    return Cli(db_url, capsys)


PERIOD = ("--from", "2026-11-23", "--to", "2026-11-24")
NAMES = ("mttr", "escalation", "handling", "cost", "fcr", "reopen", "backlog", "volume", "csat")


@pytest.mark.parametrize("name", NAMES)
def test_every_report_prints_in_every_format(cli: Cli, name: str) -> None:
    code, table, err = cli("report", name, *PERIOD)
    assert code == 0, err
    assert table.splitlines()[0].endswith(
        "by "
        + {
            "mttr": "priority",
            "escalation": "group",
            "handling": "agent",
            "cost": "agent",
            "fcr": "group",
            "reopen": "priority",
            "backlog": "priority",
            "volume": "channel",
            "csat": "group",
        }[name]
    )
    assert "total" in table
    data = cli.json("report", name, *PERIOD)
    assert isinstance(data, dict) and data["name"] == name and data["total"]["key"] == "total"
    code, md, _ = cli("report", name, *PERIOD, "--format", "md")
    assert code == 0 and md.startswith("# ") and "|---|" in md
    code, out, _ = cli("report", name, *PERIOD, "--format", "csv")
    assert code == 0 and out.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff"))))
    assert rows[-1][0] == "total"


def test_figures_and_filters_through_the_cli(cli: Cli) -> None:
    data = cli.json("report", "cost", *PERIOD)
    assert isinstance(data, dict) and data["total"]["cost"] == "75.00"
    data = cli.json("report", "mttr", *PERIOD, "--group", "Service Desk", "--by", "none")
    assert (
        isinstance(data, dict)
        and data["total"]["tickets"] == 2
        and data["filters"]["group"] == "Service Desk"
    )
    code, out, _ = cli("report", "mttr", *PERIOD, "--priority", "P1")
    assert code == 0 and "; priority P1" in out.splitlines()[0]


def test_csv_and_table_neutralise_hostile_names(cli: Cli) -> None:
    code, out, _ = cli("report", "mttr", *PERIOD, "--by", "service", "--format", "csv")
    assert code == 0
    keys = [r[0] for r in csv.reader(io.StringIO(out.lstrip("\ufeff")))]
    assert "'@SUM(A1)␛[2J" in keys  # a formula start gets an apostrophe; ESC is shown, not sent
    code, table, _ = cli("report", "mttr", *PERIOD, "--by", "service")
    assert "\x1b" not in table and "@SUM(A1)␛[2J" in table
    code, md, _ = cli("report", "mttr", *PERIOD, "--by", "service", "--format", "md")
    assert "\x1b" not in md


def test_csat_list_csv_neutralises_a_hostile_title(cli: Cli) -> None:
    code, out, _ = cli("csat", "list", "--format", "csv")
    assert code == 0
    rows = {r["ref"]: r for r in csv.DictReader(io.StringIO(out.lstrip("\ufeff")))}
    assert rows["INC-1"]["title"] == "'" + HOSTILE


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("report", "speed", *PERIOD), 2, "invalid choice"),
        (("report", "mttr", "--from", "23/11/2026", "--to", "2026-11-24"), 4, "YYYY-MM-DD"),
        (("report", "mttr", "--from", "2026-11-24", "--to", "2026-11-23"), 4, "before --from"),
        (("report", "mttr", *PERIOD, "--priority", "P7"), 4, "P1 to P5"),
        (("report", "mttr", *PERIOD, "--agent", "nobody"), 3, "no agent"),
        (("report", "mttr", "--from", "2026-11-23"), 2, "required"),
    ],
)
def test_bad_requests_exit_with_the_right_code(
    cli: Cli, args: tuple[str, ...], code: int, words: str
) -> None:
    got, _, err = cli(*args)
    assert got == code and words in err
