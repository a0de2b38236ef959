"""``deskterm change ...``: the RFC lifecycle from scripts (raise, update, show, list, the CAB's
votes, schedule, review, close); the period commands (calendar, KPIs, windows) are in
:mod:`deskterm.cli.change_calendar` and ``deskterm cab`` in :mod:`deskterm.cli.cab`.

Dates are ISO 8601 (see :func:`deskterm.cli.change_calendar.parse_when`).
"""

import argparse
import sys
from typing import Any

from deskterm.cli.app import CliApp, add_format, enum_list, enum_value, handler
from deskterm.cli.change_calendar import DATE_HELP, parse_when, register_periods
from deskterm.cli.output import emit, write_fields, write_table
from deskterm.domain.changes.change import ChangeOutcome, ChangeState, ChangeType, VoteDecision
from deskterm.domain.core.text import neutralise
from deskterm.domain.core.vocabulary import Level
from deskterm.services.changes import changes
from deskterm.services.changes.change_views import ChangeDetail, RaiseChange, UpdateChange
from deskterm.services.core.commands import validate
from deskterm.services.core.errors import InvalidInput

SUMMARY_COLUMNS = (
    "ref",
    "type",
    "priority",
    "state",
    "planned_start",
    "planned_end",
    "authorised",
    "collision_count",
    "implementer",
    "title",
)

# option -> (RaiseChange field, help)
TEXT_OPTIONS = (
    ("--title", "title", "a few words: what changes"),
    ("--description", "description", "more detail"),
    ("--raised-by", "raised_by", "7 Rs: who raised it (default: you)"),
    ("--reason", "reason", "7 Rs: why"),
    ("--return", "expected_return", "7 Rs: the expected benefit"),
    ("--risks", "risks", "7 Rs: the risks"),
    ("--resources", "resources", "7 Rs: the resources needed"),
    ("--responsible", "responsible", "7 Rs: who builds, tests and implements (one text)"),
    ("--plan", "implementation_plan", "the implementation plan"),
    ("--backout", "backout_plan", "the backout plan"),
    ("--test", "test_plan", "the test plan"),
    ("--template", "template", "the pre-approved template (standard changes)"),
    ("--implementer", "implementer", "agent login doing the work in the window"),
)
LEVEL_OPTIONS = (
    ("--impact", "impact"),
    ("--urgency", "urgency"),
    ("--business-risk", "business_risk"),
    ("--financial", "financial"),
    ("--scope", "scope"),
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("change", help="change management: RFCs, CAB votes, the forward schedule")
    cs = p.add_subparsers(dest="change_command", required=True, metavar="COMMAND")

    r = cs.add_parser("raise", help="raise an RFC (saved as a draft; --submit sends it on)")
    _rfc_options(r, creating=True)
    r.add_argument("--submit", action="store_true", help="submit it at once")
    add_format(r)
    handler(r, _raise)

    up = cs.add_parser("update", help="edit an RFC in draft or assessment")
    up.add_argument("ref")
    _rfc_options(up, creating=False)
    up.add_argument("--expect-version", type=int, help="the version you saw (change show)")
    add_format(up)
    handler(up, _update)

    sh = cs.add_parser("show", help="one change: 7 Rs, plans, votes, collisions, timeline")
    sh.add_argument("ref")
    add_format(sh)
    handler(sh, _show)

    ls = cs.add_parser("list", help="changes, oldest first")
    ls.add_argument("--state", action="append", help="only these states (repeat or comma-separate)")
    ls.add_argument("--open", action="store_true", help="only open ones (not closed, rejected or cancelled)")
    ls.add_argument("--type", action="append", help="standard, normal or emergency")
    ls.add_argument("--text", help="words of the title, or a ref")
    add_format(ls)
    handler(ls, _list)

    for name, fn, text in (
        ("submit", _submit, "leave draft (the 7 Rs and plans must be filled) and go to the CAB"),
        ("implement", _implement, "start implementing a scheduled change"),
    ):
        x = cs.add_parser(name, help=text)
        x.add_argument("ref")
        add_format(x)
        handler(x, fn)

    vo = cs.add_parser("vote", help="a CAB member's vote")
    vo.add_argument("ref")
    vo.add_argument("decision", help="approve, reject or abstain")
    vo.add_argument("--comment", default="")
    add_format(vo)
    handler(vo, _vote)

    de = cs.add_parser("decide", help="the change manager's final word")
    de.add_argument("ref")
    de.add_argument("decision", choices=("approve", "reject"))
    de.add_argument("--comment", default="")
    add_format(de)
    handler(de, _decide)

    sc = cs.add_parser("schedule", help="set or move the planned window (collisions are rechecked)")
    sc.add_argument("ref")
    sc.add_argument("--start", required=True, help=DATE_HELP)
    sc.add_argument("--end", required=True, help=DATE_HELP)
    add_format(sc)
    handler(sc, _schedule)

    rv = cs.add_parser("review", help="the post-implementation review")
    rv.add_argument("ref")
    rv.add_argument("--outcome", required=True, help=_choices(ChangeOutcome))
    rv.add_argument("--lessons", required=True)
    rv.add_argument("--benefits-realised", choices=("yes", "no"))
    rv.add_argument("--within-cost", choices=("yes", "no"))
    add_format(rv)
    handler(rv, _review)

    cl = cs.add_parser("close", help="close an implemented change with its outcome")
    cl.add_argument("ref")
    cl.add_argument("--outcome", help=f"{_choices(ChangeOutcome)} (default: the review's)")
    add_format(cl)
    handler(cl, _close)

    for name, fn, text in (
        ("cancel", _cancel, "withdraw a change that has not started"),
        ("reject", _reject, "the change manager turns a change down"),
    ):
        x = cs.add_parser(name, help=text)
        x.add_argument("ref")
        x.add_argument("--reason", required=True)
        add_format(x)
        handler(x, fn)

    mv = cs.add_parser("move", help="move along the workflow, as on the board")
    mv.add_argument("ref")
    mv.add_argument("state", help=_choices(ChangeState))
    add_format(mv)
    handler(mv, _move)

    ln = cs.add_parser("link", help="record an incident as caused by the change")
    ln.add_argument("ref")
    ln.add_argument("incident")
    add_format(ln)
    handler(ln, _link)

    register_periods(cs)


def _choices(kind: type[ChangeOutcome] | type[ChangeState]) -> str:
    return ", ".join(m.value for m in kind)


def _rfc_options(p: argparse.ArgumentParser, *, creating: bool) -> None:
    p.add_argument("--type", help="standard, normal (default) or emergency")
    for flag, _, text in TEXT_OPTIONS:
        p.add_argument(flag, help=text, required=creating and flag == "--title")
    for flag, _ in LEVEL_OPTIONS:
        p.add_argument(flag, help="low, medium or high")
    p.add_argument("--ci", action="append", help="an affected CI (repeat)")
    p.add_argument("--service", action="append", help="an affected service (repeat)")
    p.add_argument("--relationship", action="append", help="7 Rs: a related change (repeat), or none")
    if creating:
        p.add_argument("--start", help=f"planned start: {DATE_HELP}")
        p.add_argument("--end", help=f"planned end: {DATE_HELP}")


def _fields(args: argparse.Namespace, *, creating: bool) -> dict[str, object]:
    data: dict[str, object] = {}
    if args.type is not None:
        data["type"] = enum_value(ChangeType, args.type, "--type")
    for flag, field, _ in TEXT_OPTIONS:
        value = getattr(args, flag[2:].replace("-", "_"))
        if value is not None:
            data[field] = value
    for flag, field in LEVEL_OPTIONS:
        value = getattr(args, field)
        if value is not None:
            data[field] = enum_value(Level, value, flag)
    for flag, field in (("ci", "cis"), ("service", "services"), ("relationship", "relationships")):
        values = getattr(args, flag)
        if values is not None:
            data[field] = [v.strip() for raw in values for v in raw.split(",") if v.strip()]
    if creating and (args.start is not None or args.end is not None):
        if args.start is None or args.end is None:
            raise InvalidInput("a planned window needs both --start and --end")
        data["planned_start"] = parse_when(args.start, "--start")
        data["planned_end"] = parse_when(args.end, "--end")
    return data


def _print(view: ChangeDetail, fmt: str) -> None:
    if fmt != "table":
        emit(
            view, fmt, [f for f in ChangeDetail.model_fields if f not in ("timeline", "votes", "collisions")]
        )
        return
    write_fields([*_plan_fields(view), *_decision_fields(view)])
    _print_sections(view)


def _plan_fields(view: ChangeDetail) -> list[tuple[str, Any]]:
    """What the RFC asks for: the change, its window, the 7 Rs and the plans."""
    when = (
        f"{view.planned_start:%Y-%m-%d %H:%M} - {view.planned_end:%Y-%m-%d %H:%M} UTC"
        if view.planned_start and view.planned_end
        else None
    )
    return [
        ("ref", f"{view.ref}  {view.type.value}  version {view.version}"),
        ("title", view.title),
        ("state", view.state.value + (f" ({view.outcome.value})" if view.outcome else "")),
        ("priority", f"{view.priority.value} (impact {view.impact.value}, urgency {view.urgency.value})"),
        (
            "risk",
            f"{view.risk.value} (business {view.business_risk.value}, financial "
            f"{view.financial.value}, scope {view.scope.value})",
        ),
        ("approval", view.approval_level.value + (" - authorised" if view.authorised else "")),
        ("window", when),
        ("implementer", view.implementer),
        ("CIs", view.cis),
        ("services", view.services),
        ("outage", view.outage_services),
        ("raised by", view.raised_by),
        ("reason", view.reason),
        ("return", view.expected_return),
        ("risks", view.risks),
        ("resources", view.resources),
        ("responsible", view.responsible),
        ("relationship", view.relationships or ("none" if view.no_relationship else None)),
        ("template", view.template),
        ("plan", view.implementation_plan),
        ("backout", view.backout_plan),
        ("test", view.test_plan),
    ]


def _decision_fields(view: ChangeDetail) -> list[tuple[str, Any]]:
    """What became of it: what is missing, the CAB, the decision, incidents and the review."""
    return [
        ("missing", view.missing or None),
        ("cab", f"{view.cab} ({view.cab_rule}, manager {view.cab_manager})" if view.cab else None),
        ("recommendation", view.cab_outcome),
        ("decided by", f"{view.decided_by}: {view.decision_comment or ''}" if view.decided_by else None),
        ("incidents", view.incidents),
        (
            "review",
            f"{view.review.outcome.value} by {view.review.reviewer}: {view.review.lessons}"
            if view.review
            else ("required" if view.review_required else None),
        ),
        ("description", view.description),
    ]


def _print_sections(view: ChangeDetail) -> None:
    """The collisions, votes and timeline under the fields, each only when there is one."""
    out = sys.stdout
    if view.collisions:
        out.write(f"\nCOLLISIONS ({len(view.collisions)}, warnings: the CAB decides)\n")
        for c in view.collisions:
            out.write(f"  ! {c.kind.value}: {neutralise(c.explanation)}\n")
    if view.votes:
        out.write("\nVOTES\n")
        write_table(
            [[f"{v.at:%Y-%m-%d %H:%M}", v.voter, v.decision.value, v.comment] for v in view.votes],
            ("at", "voter", "decision", "comment"),
            out,
        )
    if view.timeline:
        out.write("\nTIMELINE\n")
        write_table(
            [[f"{t.at:%Y-%m-%d %H:%M}", t.actor, t.field, t.old or "", t.new or ""] for t in view.timeline],
            ("at", "actor", "field", "old", "new"),
            out,
        )


def _raise(app: CliApp) -> int:
    cmd = validate(RaiseChange, **_fields(app.args, creating=True))
    view = changes.raise_change(app.desk, cmd)
    if app.args.submit:
        view = changes.submit(app.desk, view.ref)
    _print(view, app.fmt)
    return 0


def _update(app: CliApp) -> int:
    data = _fields(app.args, creating=False)
    if not data:
        raise InvalidInput("name at least one field to change, e.g. --reason TEXT")
    cmd = validate(UpdateChange, **data)
    _print(
        changes.update_change(app.desk, app.args.ref, cmd, expected_version=app.args.expect_version), app.fmt
    )
    return 0


def _show(app: CliApp) -> int:
    _print(changes.get_change(app.desk, app.args.ref), app.fmt)
    return 0


def _list(app: CliApp) -> int:
    rows = changes.list_changes(
        app.desk,
        states=enum_list(ChangeState, app.args.state, "--state")
        or ([st for st in ChangeState if st.is_open] if app.args.open else None),
        types=enum_list(ChangeType, app.args.type, "--type") or None,
        text=app.args.text,
    )
    emit(rows, app.fmt, SUMMARY_COLUMNS)
    return 0


def _submit(app: CliApp) -> int:
    _print(changes.submit(app.desk, app.args.ref), app.fmt)
    return 0


def _implement(app: CliApp) -> int:
    _print(changes.implement(app.desk, app.args.ref), app.fmt)
    return 0


def _vote(app: CliApp) -> int:
    decision = enum_value(VoteDecision, app.args.decision, "the vote")
    assert decision is not None
    _print(changes.vote(app.desk, app.args.ref, decision, app.args.comment), app.fmt)
    return 0


def _decide(app: CliApp) -> int:
    approve = app.args.decision == "approve"
    _print(changes.decide(app.desk, app.args.ref, approve, app.args.comment), app.fmt)
    return 0


def _schedule(app: CliApp) -> int:
    start = parse_when(app.args.start, "--start")
    end = parse_when(app.args.end, "--end")
    _print(changes.schedule(app.desk, app.args.ref, start, end), app.fmt)
    return 0


def yes_no(value: str | None) -> bool | None:
    return None if value is None else value == "yes"


def _review(app: CliApp) -> int:
    outcome = enum_value(ChangeOutcome, app.args.outcome, "--outcome")
    assert outcome is not None
    view = changes.review(
        app.desk,
        app.args.ref,
        outcome,
        app.args.lessons,
        benefits_realised=yes_no(app.args.benefits_realised),
        within_cost=yes_no(app.args.within_cost),
    )
    _print(view, app.fmt)
    return 0


def _close(app: CliApp) -> int:
    outcome = enum_value(ChangeOutcome, app.args.outcome, "--outcome")
    _print(changes.close(app.desk, app.args.ref, outcome), app.fmt)
    return 0


def _cancel(app: CliApp) -> int:
    _print(changes.cancel(app.desk, app.args.ref, app.args.reason), app.fmt)
    return 0


def _reject(app: CliApp) -> int:
    _print(changes.reject(app.desk, app.args.ref, app.args.reason), app.fmt)
    return 0


def _move(app: CliApp) -> int:
    state = enum_value(ChangeState, app.args.state, "the state")
    assert state is not None
    _print(changes.move(app.desk, app.args.ref, state), app.fmt)
    return 0


def _link(app: CliApp) -> int:
    _print(changes.link_incident(app.desk, app.args.ref, app.args.incident), app.fmt)
    return 0
