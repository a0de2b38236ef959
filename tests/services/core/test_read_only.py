"""A desk opened read-only (``sla wall --read-only``, the wallboard ``serve web`` spawns): it
reads, and refuses every write before a transaction begins, even for the desk's admin; it
writes nothing at all (no enrolment, no migration, no audit row for the refusal)."""

import pytest
from sqlalchemy import create_engine, inspect, select

from deskterm.config import Settings
from deskterm.domain.core.clock import FixedClock
from deskterm.domain.core.permissions import Action
from deskterm.services.core import access
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import DatabaseUnavailable, NotPermitted
from deskterm.services.core.identity import OsIdentity
from deskterm.services.events import events
from deskterm.services.sla import sla
from deskterm.services.tickets import tickets
from deskterm.store.models import Agent
from tests.conftest import FROZEN, IDENTITY
from tests.services import factories as f

EVENT = '{"source": "mon", "node": "web-01", "check": "ping", "severity": "critical"}'


def _read_only(url: str, identity: OsIdentity = IDENTITY) -> Desk:
    return Desk.open(Settings(db=url), clock=FixedClock(FROZEN), identity=identity, read_only=True)


def test_the_admin_reads_but_every_write_is_refused_and_nothing_is_written(desk: Desk) -> None:
    f.contact(desk)
    ticket = f.log(desk)
    before = f.audit_count(desk)
    viewer = _read_only(desk.settings.db)
    try:
        assert [t.ref for t in tickets.list_tickets(viewer)] == [ticket.ref]
        assert sla.band_counts(viewer).breached >= 0
        for write in (
            lambda: f.log(viewer),
            lambda: f.note(viewer, ticket.ref),
            lambda: f.service(viewer, "Email"),
            lambda: events.ingest(viewer, [EVENT]),
            lambda: access.check(viewer, Action.READ),
        ):
            with pytest.raises(NotPermitted) as refused:
                write()
            assert "read-only" in refused.value.message and refused.value.exit_code == 7
    finally:
        viewer.close()
    assert f.audit_count(desk) == before
    assert [t.ref for t in tickets.list_tickets(desk)] == [ticket.ref]


def test_an_unknown_account_is_not_enrolled_by_a_read_only_desk(desk: Desk) -> None:
    f.contact(desk)  # alice owns the desk
    stranger = OsIdentity(uid=5151, login="noc", display_name="NOC screen")
    viewer = _read_only(desk.settings.db, stranger)
    try:
        assert sla.band_counts(viewer).ok == 0  # reading needs no agent on a personal desk
        with pytest.raises(NotPermitted):
            viewer.whoami()
    finally:
        viewer.close()
    with desk.reading() as s:
        assert s.scalar(select(Agent.id).where(Agent.os_uid == 5151)) is None


def test_a_read_only_desk_never_migrates(empty_db_url: str) -> None:
    with pytest.raises(DatabaseUnavailable) as refused:
        _read_only(empty_db_url)
    assert "read-only" in refused.value.message
    engine = create_engine(empty_db_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
