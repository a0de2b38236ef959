"""Customer satisfaction surveys: due on resolution, recorded once per resolution, 1-5 only."""

from datetime import timedelta

import pytest

from deskterm.domain.core.clock import FixedClock
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import Conflict, InvalidInput, NotFound
from deskterm.services.reports import csat
from tests.conftest import FROZEN
from tests.services import factories as f


@pytest.fixture
def cd(desk: Desk) -> Desk:
    f.contact(desk, "Wang Wei", phone="+86 21 5555 0100")
    f.log(desk, "Printer jam")
    f.log(desk, "Mail is down")
    f.update(desk, "INC-1", status="resolved", resolution_code="fixed", resolution="tray")
    return desk


def test_a_survey_is_due_once_resolved_and_recorded_once(cd: Desk) -> None:
    due = csat.due(cd)
    assert [(d.ref, d.caller, d.phone) for d in due] == [("INC-1", "Wang Wei", "+86 21 5555 0100")]
    assert csat.is_due(cd, "inc1") and not csat.is_due(cd, "INC-2")
    answer = csat.record(cd, "inc-1", 4, "  quick  ", "Meeting")
    assert (answer.ref, answer.score, answer.comment, answer.channel, answer.recorded_by, answer.at) == (
        "INC-1",
        4,
        "quick",
        "meeting",
        "alice",
        FROZEN,
    )
    assert csat.due(cd) == [] and not csat.is_due(cd, "INC-1")
    with pytest.raises(Conflict, match="already answered"):
        csat.record(cd, "INC-1", 5)
    assert [a.ref for a in csat.answers(cd)] == ["INC-1"]
    assert f.audit_rows(cd, "INC-1")[-1][:3] == ("csat", None, "4/5 by meeting")


def test_a_reopened_and_resolved_again_ticket_is_due_again(cd: Desk) -> None:
    csat.record(cd, "INC-1", 2)
    clock = cd.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(hours=1))
    f.update(cd, "INC-1", status="in-progress")
    assert csat.due(cd) == []  # open again: nothing to ask yet
    clock.advance(timedelta(hours=1))
    f.update(cd, "INC-1", status="resolved", resolution_code="fixed", resolution="for good")
    assert [d.ref for d in csat.due(cd)] == ["INC-1"]
    csat.record(cd, "INC-1", 5, channel="online")
    assert [a.score for a in csat.answers(cd)] == [5, 2]


@pytest.mark.parametrize("score", [0, 6, -1, 10])
def test_out_of_range_scores_are_refused(cd: Desk, score: int) -> None:
    with pytest.raises(InvalidInput, match="from 1 to 5") as err:
        csat.record(cd, "INC-1", score)
    assert err.value.exit_code == 4
    assert csat.answers(cd) == []


def test_other_bad_input(cd: Desk) -> None:
    with pytest.raises(InvalidInput, match="once it is resolved"):
        csat.record(cd, "INC-2", 3)
    with pytest.raises(InvalidInput, match="phone, meeting, online"):
        csat.record(cd, "INC-1", 3, channel="fax")
    with pytest.raises(InvalidInput, match="shorten"):
        csat.record(cd, "INC-1", 3, "x" * 2001)
    with pytest.raises(NotFound):
        csat.record(cd, "INC-99", 3)
    assert csat.answers(cd) == []
