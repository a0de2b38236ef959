"""Issue 14, item 9: a caller's e-mail is unique (case-insensitive) and names one caller."""

import pytest

from tests.cli.test_cli import Cli


@pytest.fixture
def cli(db_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(db_url, capsys)


def test_a_duplicate_email_is_a_conflict_naming_the_existing_contact(cli: Cli) -> None:
    assert cli("contact", "add", "Ann Lee", "--email", "ann@example.com")[0] == 0
    code, _, err = cli("contact", "add", "Ann Other", "--email", "ANN@Example.com")
    assert code == 5 and "Ann Lee (#1)" in err and err.count("\n") == 1, err
    assert len(cli.json("contact", "list")) == 1


def test_an_exact_email_or_phone_wins_over_callers_with_that_name(cli: Cli) -> None:
    assert (
        cli("contact", "add", "help@example.com", "--phone", "+1 555 0100")[0] == 0
    )  # a name like an e-mail
    assert cli("contact", "add", "Bob", "--email", "help@example.com")[0] == 0
    assert cli("contact", "add", "+1 555 0199", "--email", "x@example.com")[0] == 0
    code, _, err = cli(
        "incident",
        "log",
        "--title",
        "t",
        "--caller",
        "help@example.com",
        "--impact",
        "low",
        "--urgency",
        "low",
    )
    assert code == 0, err
    (ticket,) = cli.json("ticket", "list")
    assert ticket["caller"] == "Bob"


def test_the_migration_keys_existing_contacts_and_keeps_duplicates(db_url: str) -> None:
    from sqlalchemy import create_engine, text

    from deskterm.config import Settings
    from deskterm.services.core import schema

    settings = Settings(db=db_url)
    schema.downgrade(settings, "0007")
    engine = create_engine(db_url)
    with engine.begin() as conn:
        for name, email in (("Ann", "Ann@Example.com"), ("Ann again", "ann@example.com "), ("Bob", None)):
            conn.execute(
                text("insert into contacts (name, email, vip, created_at) values (:n, :e, false, :t)"),
                {"n": name, "e": email, "t": "2026-01-01 00:00:00+00:00"},
            )
    assert schema.upgrade(settings).up_to_date
    with engine.connect() as conn:
        rows = conn.execute(text("select name, email_key from contacts order by id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("Ann", "ann@example.com"), ("Ann again", None), ("Bob", None)]
