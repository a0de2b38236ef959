"""Form lookups: the caller's own address or phone beats names that merely look alike; agents
are found by login, name or group (both databases)."""

from deskterm.domain.core.vocabulary import Tier
from deskterm.services.core import search
from deskterm.services.core.context import Desk
from tests.services import factories as f


def test_an_exact_address_or_its_local_part_wins(desk: Desk) -> None:
    f.contact(desk, "梁芳", email="fang.liang@corp.example")
    f.contact(desk, "李芳", email="fang.li@corp.example", phone="+86 10 5555 0101")
    assert search.callers(desk, "fang.li")[0].label.startswith("李芳")
    assert search.callers(desk, "fang.li@corp.example")[0].label.startswith("李芳")
    assert search.callers(desk, "梁芳")[0].label.startswith("梁芳")


def test_agents_by_login_name_or_group(desk: Desk) -> None:
    f.group(desk, "Network", tier=Tier.T2)
    f.agent(desk, "zhao.qiang", groups=("Network",))
    f.agent(desk, "bob")
    by_group = search.agents(desk, "Network")
    assert by_group and by_group[0].key == "zhao.qiang"
    assert "(Network)" in by_group[0].label
    assert search.agents(desk, "bob")[0].key == "bob"
