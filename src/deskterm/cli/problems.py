"""``deskterm problem raise | show | list | link | unlink | update | known-error`` and
``deskterm kedb search | show | list | apply | retire | activate``."""

import argparse
import sys

from deskterm.cli.app import CliApp, add_format, enum_list, enum_value, handler
from deskterm.cli.output import emit, write_fields, write_table
from deskterm.domain.core.vocabulary import Channel, Level, ResolutionCode
from deskterm.domain.problems.problem import KnownErrorStatus, ProblemStatus
from deskterm.services.core.commands import validate
from deskterm.services.core.views import AuditView
from deskterm.services.problems import kedb, problem_reads, problems
from deskterm.services.problems.kedb import KnownErrorView
from deskterm.services.problems.problem_views import (
    ProblemView,
    RaiseProblem,
    RecordKnownError,
    UpdateProblem,
)

ROW_COLUMNS = (
    "ref",
    "priority",
    "status",
    "title",
    "service",
    "ci",
    "group",
    "incidents",
    "open_incidents",
    "known_error",
    "fixing_change",
    "opened_at",
)
LINKED_COLUMNS = ("ref", "priority", "status", "pending_reason", "caller", "title")
HIT_COLUMNS = ("ref", "score", "title", "services", "cis", "problem", "workaround")
KE_LIST_COLUMNS = ("ref", "title", "services", "cis", "problem", "keywords")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    prb = sub.add_parser("problem", help="problem management: raise, link incidents, record known errors")
    psub = prb.add_subparsers(dest="problem_command", required=True, metavar="COMMAND")

    rs = psub.add_parser("raise", help="raise a problem from incidents or proactively; prints it")
    rs.add_argument("--title", required=True)
    rs.add_argument("--incident", action="append", default=[], help="incident ref (repeat or comma-separate)")
    rs.add_argument("--service")
    rs.add_argument("--ci")
    rs.add_argument("--impact", default="medium", help="high, medium or low (default medium)")
    rs.add_argument("--urgency", default="medium", help="high, medium or low (default medium)")
    rs.add_argument("--group", help="the owner group doing the root cause analysis")
    rs.add_argument("--assign", help="the problem owner (agent login)")
    rs.add_argument("--description", default="")
    rs.add_argument("--no-pending", action="store_true", help="leave linked incidents as they are")
    add_format(rs)
    handler(rs, _raise)

    ls = psub.add_parser("list", help="list problems, most urgent first")
    ls.add_argument("--status", action="append", help="status (repeat or comma-separate)")
    ls.add_argument("--open", action="store_true", help="only open problems (not resolved/closed)")
    ls.add_argument("--service")
    ls.add_argument("--search", help="words in the ref, title, service or CI")
    ls.add_argument("--limit", type=int, default=200)
    add_format(ls)
    handler(ls, _list)

    show = psub.add_parser("show", help="one problem with its incidents, known errors and history")
    show.add_argument("ref")
    add_format(show)
    handler(show, _show)

    link = psub.add_parser("link", help="link incidents; open ones go pending (reason problem)")
    link.add_argument("ref")
    link.add_argument("incidents", nargs="+", help="incident refs")
    link.add_argument("--no-pending", action="store_true", help="leave the incidents' status as it is")
    link.add_argument("--expect-version", type=int, help="the version you saw (problem show)")
    add_format(link)
    handler(link, _link)

    unlink = psub.add_parser("unlink", help="take an incident linked by mistake off a problem")
    unlink.add_argument("ref")
    unlink.add_argument("incident")
    add_format(unlink)
    handler(unlink, _unlink)

    up = psub.add_parser("update", help="change a problem; --status moves it through its lifecycle")
    up.add_argument("ref")
    up.add_argument("--status", help="new, investigating, known-error, resolved, closed")
    up.add_argument("--title")
    up.add_argument("--description")
    up.add_argument("--impact")
    up.add_argument("--urgency")
    up.add_argument("--service", help="service ('' clears)")
    up.add_argument("--ci", help="configuration item ('' clears)")
    up.add_argument("--group", help="owner group ('' clears)")
    up.add_argument("--assign", help="problem owner login ('' clears)")
    up.add_argument("--root-cause")
    up.add_argument("--workaround")
    up.add_argument("--resolution", help="how the cause was removed (or why it is closed unfixed)")
    up.add_argument("--fixing-change", help="the change that removes the cause, e.g. CHG-12 ('' clears)")
    up.add_argument(
        "--resolve-incidents",
        action="store_true",
        help="with --status resolved: resolve the open linked incidents with one resolution",
    )
    up.add_argument("--resolution-code", default="fixed", help="for the incidents (default fixed)")
    up.add_argument("--expect-version", type=int, help="the version you saw (problem show)")
    add_format(up)
    handler(up, _update)

    ke = psub.add_parser("known-error", help="record the problem's known error in the KEDB")
    ke.add_argument("ref", help="the problem")
    ke.add_argument("--symptom", required=True, help="what users see (the words they use)")
    ke.add_argument("--root-cause", help="default: the problem's root cause")
    ke.add_argument("--workaround", help="default: the problem's workaround")
    ke.add_argument("--title", help="default: the problem's title")
    ke.add_argument("--keywords", default="", help="keywords and error codes, comma separated")
    ke.add_argument("--service", action="append", default=[], help="default: the problem's service")
    ke.add_argument("--ci", action="append", default=[], help="default: the problem's CI")
    add_format(ke)
    handler(ke, _known_error)

    kb = sub.add_parser("kedb", help="the known error database: search, show, apply to an incident")
    ksub = kb.add_subparsers(dest="kedb_command", required=True, metavar="COMMAND")
    se = ksub.add_parser("search", help="known errors for some words, best first (Chinese too)")
    se.add_argument("words", nargs="+")
    se.add_argument("--service", help="rank this service's known errors higher")
    se.add_argument("--ci", help="rank this CI's known errors higher")
    se.add_argument("--limit", type=int, default=10)
    add_format(se)
    handler(se, _search)

    ks = ksub.add_parser("show", help="one known error")
    ks.add_argument("ref")
    add_format(ks)
    handler(ks, _ke_show)

    kl = ksub.add_parser("list", help="every active known error (--all: retired ones too)")
    kl.add_argument("--all", action="store_true")
    kl.add_argument("--service")
    kl.add_argument("--limit", type=int, default=200)
    add_format(kl)
    handler(kl, _ke_list)

    ap = ksub.add_parser("apply", help="apply a known error to an incident: link it, record the workaround")
    ap.add_argument("ref", help="the known error")
    ap.add_argument("incident")
    ap.add_argument("--notify", action="store_true", help="send the workaround to the caller (public update)")
    ap.add_argument("--channel", help="for --notify: email, phone, ...")
    ap.add_argument("--expect-version", type=int, help="the incident version you saw")
    add_format(ap)
    handler(ap, _apply)

    for name, status, text in (
        ("retire", KnownErrorStatus.RETIRED, "retire a known error whose cause is gone"),
        ("activate", KnownErrorStatus.ACTIVE, "make a retired known error searchable again"),
    ):
        st = ksub.add_parser(name, help=text)
        st.add_argument("ref")
        add_format(st)
        handler(st, _set_status, ke_status=status)


def _raise(app: CliApp) -> int:
    a = app.args
    cmd = validate(
        RaiseProblem,
        title=a.title,
        description=a.description,
        incidents=tuple(a.incident),
        service=a.service,
        ci=a.ci,
        impact=enum_value(Level, a.impact, "impact"),
        urgency=enum_value(Level, a.urgency, "urgency"),
        group=a.group,
        assignee=a.assign,
        pending=not a.no_pending,
    )
    _print_problem(problems.raise_problem(app.desk, cmd), app.fmt)
    return 0


def _list(app: CliApp) -> int:
    a = app.args
    rows = problem_reads.list_problems(
        app.desk,
        statuses=enum_list(ProblemStatus, a.status, "status"),
        open_only=a.open,
        service=a.service,
        text=a.search,
        limit=a.limit,
    )
    emit(rows, app.fmt, ROW_COLUMNS)
    return 0


def _show(app: CliApp) -> int:
    _print_problem(problem_reads.get_problem(app.desk, app.args.ref), app.fmt)
    return 0


def _link(app: CliApp) -> int:
    a = app.args
    view = problems.link_incidents(
        app.desk, a.ref, a.incidents, pending=not a.no_pending, expected_version=a.expect_version
    )
    _print_problem(view, app.fmt)
    return 0


def _unlink(app: CliApp) -> int:
    _print_problem(problems.unlink_incident(app.desk, app.args.ref, app.args.incident), app.fmt)
    return 0


def _update(app: CliApp) -> int:
    a = app.args
    cmd = validate(
        UpdateProblem,
        ref=a.ref,
        expected_version=a.expect_version,
        status=enum_value(ProblemStatus, a.status, "status"),
        title=a.title,
        description=a.description,
        impact=enum_value(Level, a.impact, "impact"),
        urgency=enum_value(Level, a.urgency, "urgency"),
        service=a.service,
        ci=a.ci,
        group=a.group,
        assignee=a.assign,
        root_cause=a.root_cause,
        workaround=a.workaround,
        resolution=a.resolution,
        fixing_change=a.fixing_change,
        resolve_incidents=a.resolve_incidents,
        resolution_code=enum_value(ResolutionCode, a.resolution_code, "resolution code"),
    )
    _print_problem(problems.update_problem(app.desk, cmd), app.fmt)
    return 0


def _known_error(app: CliApp) -> int:
    a = app.args
    cmd = validate(
        RecordKnownError,
        problem=a.ref,
        title=a.title,
        symptom=a.symptom,
        root_cause=a.root_cause,
        workaround=a.workaround,
        keywords=a.keywords,
        services=tuple(a.service),
        cis=tuple(a.ci),
    )
    ref = problems.record_known_error(app.desk, cmd)
    _print_ke(kedb.get_known_error(app.desk, ref), app.fmt)
    return 0


def _search(app: CliApp) -> int:
    a = app.args
    hits = kedb.search(app.desk, " ".join(a.words), service=a.service, ci=a.ci, limit=a.limit)
    emit(hits, app.fmt, HIT_COLUMNS)
    return 0


def _ke_show(app: CliApp) -> int:
    _print_ke(kedb.get_known_error(app.desk, app.args.ref), app.fmt)
    return 0


def _ke_list(app: CliApp) -> int:
    a = app.args
    emit(
        kedb.list_known_errors(app.desk, include_retired=a.all, service=a.service, limit=a.limit),
        app.fmt,
        KE_LIST_COLUMNS,
    )
    return 0


def _apply(app: CliApp) -> int:
    a = app.args
    done = kedb.apply_known_error(
        app.desk,
        a.ref,
        a.incident,
        notify_caller=a.notify,
        channel=enum_value(Channel, a.channel, "channel"),
        expected_version=a.expect_version,
    )
    if app.fmt == "table":
        said = f"{done.known_error} applied to {done.ticket}: workaround recorded"
        if done.problem:
            said += f", linked to {done.problem}"
        if done.notified:
            said += ", caller updated"
        sys.stdout.write(said + "\n")
    else:
        emit(done, app.fmt, list(type(done).model_fields))
    return 0


def _set_status(app: CliApp) -> int:
    _print_ke(kedb.set_status(app.desk, app.args.ref, app.args.ke_status), app.fmt)
    return 0


def _print_problem(view: ProblemView, fmt: str) -> None:
    if fmt != "table":
        emit(
            view, fmt, [f for f in ProblemView.model_fields if f not in ("linked", "history", "allowed_next")]
        )
        return
    write_fields(
        [
            ("ref", f"{view.ref}  version {view.version}"),
            ("title", view.title),
            ("status", f"{view.status.symbol} {view.status.value} (next: "
             f"{', '.join(s.value for s in view.allowed_next) or 'none, final'})"),
            ("priority", f"{view.priority.value} (impact {view.impact.value}, urgency {view.urgency.value})"),
            ("service", view.service),
            ("ci", view.ci),
            ("group", view.group),
            ("owner", view.assignee),
            ("opened", view.opened_at),
            ("resolved", view.resolved_at),
            ("closed", view.closed_at),
            ("root cause", view.root_cause),
            ("workaround", view.workaround),
            ("resolution", view.resolution),
            ("known error", ", ".join(view.known_errors) or None),
            ("fixing change", view.fixing_change),
            ("description", view.description),
        ]
    )  # fmt: skip
    if view.linked:
        sys.stdout.write(f"\nINCIDENTS ({view.open_incidents} open of {view.incidents})\n")
        emit(view.linked, "table", LINKED_COLUMNS)
    if view.history:
        _history(view.history)


def _print_ke(view: KnownErrorView, fmt: str) -> None:
    if fmt != "table":
        emit(view, fmt, [f for f in KnownErrorView.model_fields if f != "history"])
        return
    write_fields(
        [
            ("ref", f"{view.ref}  {view.status.value}  version {view.version}"),
            ("title", view.title),
            ("symptom", view.symptom),
            ("root cause", view.root_cause),
            ("workaround", view.workaround),
            ("keywords", view.keywords),
            ("services", view.services),
            ("cis", view.cis),
            ("problem", f"{view.problem} ({view.problem_status.value})" if view.problem_status else None),
            ("incidents", view.incidents),
            ("created", f"{view.created_at:%Y-%m-%d %H:%M} by {view.created_by}"),
        ]
    )
    if view.history:
        _history(view.history)


def _history(history: list[AuditView]) -> None:
    sys.stdout.write("\nHISTORY\n")
    write_table(
        [
            [f"{h.at:%Y-%m-%d %H:%M}", h.actor, h.field, h.old or "", h.new or "", str(h.version or "")]
            for h in history
        ],
        ("at", "actor", "field", "old", "new", "version"),
        sys.stdout,
    )
