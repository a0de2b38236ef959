"""The service catalogue and the CMS: services, CIs, and typed relationships between CIs."""

import pytest
from sqlalchemy import select

from deskterm.domain.core.vocabulary import CIRelation, CIStatus, Criticality, LifecycleStatus
from deskterm.services.catalogue import catalogue
from deskterm.services.core.commands import AddCI, AddService, validate
from deskterm.services.core.context import Desk
from deskterm.services.core.errors import InvalidInput, NotFound
from deskterm.services.core.views import RelationView
from deskterm.store.models import AuditEntry
from tests.services import factories as f


@pytest.fixture
def cmdb(desk: Desk) -> Desk:
    """Email and Payroll with their CIs; mail-01 delivers both."""
    f.group(desk, "Network")
    f.agent(desk, "bob", groups=("Network",))
    f.service(desk, "Email", owner="bob", support_group="Network", criticality="high")
    f.service(desk, "Payroll")
    f.ci(desk, "mail-01", "server", services=["Email", "Payroll"], owner_group="Network")
    f.ci(desk, "mail-db", "database", services=["Email"])
    f.ci(desk, "db-host-1", "server")
    f.ci(desk, "san-a", "storage")
    return desk


def rel(source: str, relation: CIRelation, target: str) -> RelationView:
    return RelationView(source=source, relation=relation, target=target)


def test_add_service_with_defaults(desk: Desk) -> None:
    svc = f.service(desk, "  Email\n service ")
    assert svc.name == "Email service"
    assert (svc.owner, svc.support_group, svc.cis) == (None, None, [])
    assert svc.criticality is Criticality.MEDIUM
    assert svc.lifecycle_status is LifecycleStatus.OPERATIONAL
    assert (svc.business_description, svc.technical_description) == (None, None)
    assert catalogue.list_services(desk) == [svc]


def test_add_service_with_everything(desk: Desk) -> None:
    f.group(desk, "Apps")
    f.agent(desk, "erin", groups=("Apps",))
    svc = f.service(
        desk,
        "Payroll",
        owner="ERIN",
        support_group="apps",
        criticality="critical",
        lifecycle_status="tested",
        business_description="Pays people\non time",
        technical_description="SAP",
    )
    assert (svc.owner, svc.support_group, svc.criticality, svc.lifecycle_status) == (
        "erin",
        "Apps",
        Criticality.CRITICAL,
        LifecycleStatus.TESTED,
    )
    assert svc.business_description == "Pays people\non time"
    assert catalogue.list_services(desk) == [svc]


def test_list_services_is_sorted_by_name_and_shows_cis(cmdb: Desk) -> None:
    f.service(cmdb, "Archive")
    services = catalogue.list_services(cmdb)
    assert [s.name for s in services] == ["Archive", "Email", "Payroll"]
    by_name = {s.name: s for s in services}
    assert by_name["Email"].cis == ["mail-01", "mail-db"]
    assert by_name["Payroll"].cis == ["mail-01"]
    assert (by_name["Email"].owner, by_name["Email"].support_group) == ("bob", "Network")
    assert by_name["Email"].criticality is Criticality.HIGH


@pytest.mark.parametrize("name", ["Email", "email", " EMAIL "])
def test_duplicate_service_name_is_refused(cmdb: Desk, name: str) -> None:
    with pytest.raises(InvalidInput) as err:
        f.service(cmdb, name)
    assert err.value.exit_code == 4
    assert "exists already; pick another name" in err.value.message
    assert [s.name for s in catalogue.list_services(cmdb)] == ["Email", "Payroll"]


@pytest.mark.parametrize(
    ("kw", "error", "words"),
    [
        ({"owner": "nobody"}, NotFound, "no agent has the login 'nobody'"),
        ({"support_group": "Netwerk"}, NotFound, "did you mean Network"),
        ({"criticality": "extreme"}, InvalidInput, "criticality"),
        ({"lifecycle_status": "dreamt"}, InvalidInput, "lifecycle status"),
    ],
)
def test_bad_service_details_are_refused(
    cmdb: Desk, kw: dict[str, str], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        f.service(cmdb, "Intranet", **kw)
    assert "Intranet" not in [s.name for s in catalogue.list_services(cmdb)]


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_service_name_must_be_given_and_short(name: str) -> None:
    with pytest.raises(InvalidInput, match=r"^name: "):
        validate(AddService, name=name)


def test_add_ci_with_services(cmdb: Desk) -> None:
    item = f.ci(cmdb, "web-01", "vm", services=["Payroll", "email"], owner_group="Network")
    assert (item.name, item.ci_type, item.status, item.owner_group) == (
        "web-01",
        "vm",
        CIStatus.ACTIVE,
        "Network",
    )
    assert item.services == ["Email", "Payroll"]
    assert item.relations == []
    assert catalogue.show_ci(cmdb, "WEB-01") == item
    by_name = {s.name: s for s in catalogue.list_services(cmdb)}
    assert by_name["Email"].cis == ["mail-01", "mail-db", "web-01"]
    with cmdb.reading() as s:
        audited = s.execute(
            select(AuditEntry.field, AuditEntry.new)
            .where(AuditEntry.record_kind == "ci", AuditEntry.record_ref == "web-01")
            .order_by(AuditEntry.id)
        ).all()
    assert tuple(audited[0]) == ("created", "web-01")
    assert sorted(tuple(a) for a in audited[1:]) == [("service", "Email"), ("service", "Payroll")]


def test_add_ci_refuses_duplicates_and_unknown_services(cmdb: Desk) -> None:
    with pytest.raises(InvalidInput, match="a CI named 'MAIL-01' exists already"):
        f.ci(cmdb, "MAIL-01")
    with pytest.raises(NotFound, match="no service is named 'Payrol'; did you mean Payroll"):
        f.ci(cmdb, "web-02", services=["Email", "Payrol"])
    with pytest.raises(NotFound, match="no group is named"):
        f.ci(cmdb, "web-02", owner_group="Nobody")
    assert "web-02" not in [c.name for c in catalogue.list_cis(cmdb)]
    with pytest.raises(InvalidInput, match="ci type"):
        validate(AddCI, name="web-03", ci_type=" ")


@pytest.mark.parametrize("relation", list(CIRelation))
def test_relate_cis_with_each_relation_type(cmdb: Desk, relation: CIRelation) -> None:
    view = catalogue.relate_cis(cmdb, "mail-db", relation, "db-host-1")
    assert view.name == "mail-db"
    assert view.relations == [rel("mail-db", relation, "db-host-1")]
    with pytest.raises(InvalidInput) as err:
        catalogue.relate_cis(cmdb, "MAIL-DB", relation, "db-host-1")
    assert err.value.message == f"mail-db {relation.value} db-host-1 is recorded already"
    # The refusal left the desk usable and the relation recorded once.
    assert catalogue.show_ci(cmdb, "mail-db").relations == [rel("mail-db", relation, "db-host-1")]


def test_one_pair_may_hold_several_relation_types_and_both_directions(cmdb: Desk) -> None:
    catalogue.relate_cis(cmdb, "mail-db", CIRelation.RUNS_ON, "db-host-1")
    catalogue.relate_cis(cmdb, "mail-db", CIRelation.DEPENDS_ON, "db-host-1")
    catalogue.relate_cis(cmdb, "db-host-1", CIRelation.DEPENDS_ON, "mail-db")
    assert catalogue.show_ci(cmdb, "mail-db").relations == [
        rel("mail-db", CIRelation.RUNS_ON, "db-host-1"),
        rel("mail-db", CIRelation.DEPENDS_ON, "db-host-1"),
        rel("db-host-1", CIRelation.DEPENDS_ON, "mail-db"),
    ]


def test_self_relation_is_refused(cmdb: Desk) -> None:
    with pytest.raises(InvalidInput, match="mail-db cannot be related to itself"):
        catalogue.relate_cis(cmdb, "mail-db", CIRelation.DEPENDS_ON, "MAIL-DB")
    assert catalogue.show_ci(cmdb, "mail-db").relations == []


def test_relating_an_unknown_ci_is_not_found(cmdb: Desk) -> None:
    with pytest.raises(NotFound, match="no configuration item is named 'mail-dbb'; did you mean mail-db"):
        catalogue.relate_cis(cmdb, "mail-dbb", CIRelation.RUNS_ON, "db-host-1")
    with pytest.raises(NotFound):
        catalogue.relate_cis(cmdb, "mail-db", CIRelation.RUNS_ON, "db-host-9")
    with pytest.raises(NotFound):
        catalogue.show_ci(cmdb, "nothing")


def test_show_ci_lists_relations_in_both_directions(cmdb: Desk) -> None:
    catalogue.relate_cis(cmdb, "mail-db", CIRelation.RUNS_ON, "db-host-1")
    catalogue.relate_cis(cmdb, "db-host-1", CIRelation.DEPENDS_ON, "san-a")
    catalogue.relate_cis(cmdb, "mail-01", CIRelation.DEPENDS_ON, "mail-db")
    catalogue.relate_cis(cmdb, "san-a", CIRelation.PART_OF, "mail-01")
    host = catalogue.show_ci(cmdb, "db-host-1")
    assert host.relations == [
        rel("mail-db", CIRelation.RUNS_ON, "db-host-1"),
        rel("db-host-1", CIRelation.DEPENDS_ON, "san-a"),
    ]
    db = catalogue.show_ci(cmdb, "mail-db")
    assert db.relations == [
        rel("mail-db", CIRelation.RUNS_ON, "db-host-1"),
        rel("mail-01", CIRelation.DEPENDS_ON, "mail-db"),
    ]
    assert db.services == ["Email"]
    assert catalogue.show_ci(cmdb, "mail-01").relations == [
        rel("mail-01", CIRelation.DEPENDS_ON, "mail-db"),
        rel("san-a", CIRelation.PART_OF, "mail-01"),
    ]


def test_list_cis_all_and_by_service(cmdb: Desk) -> None:
    assert [c.name for c in catalogue.list_cis(cmdb)] == ["db-host-1", "mail-01", "mail-db", "san-a"]
    assert [c.name for c in catalogue.list_cis(cmdb, service="email")] == ["mail-01", "mail-db"]
    payroll = catalogue.list_cis(cmdb, service="Payroll")
    assert [(c.name, c.services, c.owner_group) for c in payroll] == [
        ("mail-01", ["Email", "Payroll"], "Network")
    ]
    f.service(cmdb, "Intranet")
    assert catalogue.list_cis(cmdb, service="Intranet") == []
    with pytest.raises(NotFound, match="did you mean Payroll"):
        catalogue.list_cis(cmdb, service="Payrol")


def test_catalogue_names_in_chinese(desk: Desk) -> None:
    f.service(desk, "邮箱服务")
    f.ci(desk, "邮件服务器", "服务器", services=["邮箱服务"])
    f.ci(desk, "存储阵列", "存储")
    catalogue.relate_cis(desk, "邮件服务器", CIRelation.DEPENDS_ON, "存储阵列")
    assert [c.name for c in catalogue.list_cis(desk, service="邮箱服务")] == ["邮件服务器"]
    assert catalogue.show_ci(desk, "存储阵列").relations == [
        rel("邮件服务器", CIRelation.DEPENDS_ON, "存储阵列")
    ]
