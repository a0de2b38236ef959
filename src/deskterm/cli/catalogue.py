"""``deskterm service ...`` and ``deskterm ci ...``: the catalogue and the CMS."""

import argparse

from deskterm.cli.app import CliApp, add_format, enum_value, handler
from deskterm.cli.output import emit
from deskterm.domain.core.vocabulary import CIRelation, Criticality, LifecycleStatus
from deskterm.services.catalogue import catalogue
from deskterm.services.core.commands import AddCI, AddService, validate

SERVICE_COLUMNS = ("name", "criticality", "lifecycle_status", "owner", "support_group", "cis")
CI_COLUMNS = ("name", "ci_type", "status", "owner_group", "services")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    svc = sub.add_parser("service", help="the service catalogue")
    ssub = svc.add_subparsers(dest="service_command", required=True, metavar="COMMAND")
    add = ssub.add_parser("add", help="add a service to the catalogue")
    add.add_argument("name")
    add.add_argument("--owner", help="login of the service owner (accountable agent)")
    add.add_argument("--group", help="the support group that delivers it")
    add.add_argument("--criticality", default="medium", help="critical, high, medium or low")
    add.add_argument("--lifecycle", default="operational", help="portfolio status, e.g. operational")
    add.add_argument("--description", help="business description, in the customer's words")
    add.add_argument("--technical", help="technical description")
    add_format(add)
    handler(add, _service_add)
    ls = ssub.add_parser("list", help="list services")
    add_format(ls)
    handler(ls, _service_list)

    ci = sub.add_parser("ci", help="configuration items and their relationships")
    csub = ci.add_subparsers(dest="ci_command", required=True, metavar="COMMAND")
    cadd = csub.add_parser("add", help="add a configuration item")
    cadd.add_argument("name")
    cadd.add_argument("--type", required=True, dest="ci_type", help="e.g. server, database, app")
    cadd.add_argument("--service", action="append", default=[], help="a service it delivers (repeat)")
    cadd.add_argument("--group", help="owner group")
    add_format(cadd)
    handler(cadd, _ci_add)
    cls = csub.add_parser("list", help="list configuration items")
    cls.add_argument("--service", help="only the CIs of this service")
    add_format(cls)
    handler(cls, _ci_list)
    show = csub.add_parser("show", help="one CI with its relationships")
    show.add_argument("name")
    add_format(show)
    handler(show, _ci_show)
    rel = csub.add_parser("relate", help="record: CI depends-on|runs-on|part-of CI")
    rel.add_argument("source")
    rel.add_argument("relation", help="depends-on, runs-on or part-of")
    rel.add_argument("target")
    add_format(rel)
    handler(rel, _ci_relate)


def _service_add(app: CliApp) -> int:
    a = app.args
    cmd = validate(
        AddService,
        name=a.name,
        owner=a.owner,
        support_group=a.group,
        criticality=enum_value(Criticality, a.criticality, "criticality"),
        lifecycle_status=enum_value(LifecycleStatus, a.lifecycle, "lifecycle status"),
        business_description=a.description,
        technical_description=a.technical,
    )
    emit(catalogue.add_service(app.desk, cmd), app.fmt, SERVICE_COLUMNS)
    return 0


def _service_list(app: CliApp) -> int:
    emit(catalogue.list_services(app.desk), app.fmt, SERVICE_COLUMNS)
    return 0


def _ci_add(app: CliApp) -> int:
    a = app.args
    cmd = validate(AddCI, name=a.name, ci_type=a.ci_type, services=a.service, owner_group=a.group)
    emit(catalogue.add_ci(app.desk, cmd), app.fmt, CI_COLUMNS)
    return 0


def _ci_list(app: CliApp) -> int:
    emit(catalogue.list_cis(app.desk, app.args.service), app.fmt, CI_COLUMNS)
    return 0


def _ci_show(app: CliApp) -> int:
    view = catalogue.show_ci(app.desk, app.args.name)
    if app.fmt == "table":
        emit(view, "table", CI_COLUMNS)
        if view.relations:
            emit(view.relations, "table", ("source", "relation", "target"))
    else:
        emit(view, app.fmt, CI_COLUMNS)
    return 0


def _ci_relate(app: CliApp) -> int:
    a = app.args
    relation = enum_value(CIRelation, a.relation, "relation")
    assert relation is not None
    view = catalogue.relate_cis(app.desk, a.source, relation, a.target)
    if app.fmt == "table":
        emit(view.relations, "table", ("source", "relation", "target"))
    else:
        emit(view, app.fmt, CI_COLUMNS)
    return 0
