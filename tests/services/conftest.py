"""Fixtures shared by the service tests of service level management."""

import pytest

from deskterm.domain.core.vocabulary import Tier
from deskterm.services.core.context import Desk
from deskterm.services.sla import sla_definitions
from tests.services import factories as f
from tests.services.sla_definitions_text import DEFINITIONS


@pytest.fixture
def sd(desk: Desk) -> Desk:
    """A desk with the Email service, two groups with one agent each and nothing applied yet."""
    f.contact(desk)
    f.service(desk, "Email")
    f.service(desk, "Printing")
    f.group(desk, "Service Desk", tier=Tier.T1)
    f.group(desk, "Network")
    f.agent(desk, "bob", groups=("Service Desk",))
    f.agent(desk, "nick", groups=("Network",))
    return desk


@pytest.fixture
def applied(sd: Desk) -> Desk:
    sla_definitions.apply(sd, DEFINITIONS)
    return sd
