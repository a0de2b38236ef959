"""``deskterm incident log`` and ``deskterm ticket list | show | update | note``."""

import argparse
import sys

from deskterm.cli.app import CliApp, add_format, enum_list, enum_value, handler
from deskterm.cli.output import emit, write_fields, write_table
from deskterm.domain.core.text import neutralise
from deskterm.domain.core.vocabulary import (
    Channel,
    Level,
    PendingReason,
    Priority,
    ResolutionCode,
    TicketKind,
    TicketStatus,
)
from deskterm.services.core.commands import AddNote, LogIncident, UpdateTicket, validate
from deskterm.services.core.views import TicketView
from deskterm.services.tickets import tickets

ROW_COLUMNS = ("ref", "priority", "status", "title", "caller", "service", "group", "assignee", "opened_at")
NOTE_COLUMNS = ("id", "author", "visibility", "channel", "minutes", "created_at", "body")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    inc = sub.add_parser("incident", help="log incidents and service requests")
    isub = inc.add_subparsers(dest="incident_command", required=True, metavar="COMMAND")
    log = isub.add_parser("log", help="log a call; prints the new ticket")
    log.add_argument("--title", required=True)
    log.add_argument("--caller", required=True, help="caller's name, email, phone or #id")
    log.add_argument("--impact", required=True, help="high, medium or low")
    log.add_argument("--urgency", required=True, help="high, medium or low")
    log.add_argument("--service")
    log.add_argument("--ci")
    log.add_argument("--channel", default="phone", help="phone, email, walk-in, self-service, event")
    log.add_argument("--description", default="")
    log.add_argument("--category")
    log.add_argument("--group", help="assignment group (default: none, first line takes it)")
    log.add_argument("--request", action="store_true", help="a service request (REQ) not an incident")
    add_format(log)
    handler(log, _log)

    tk = sub.add_parser("ticket", help="list, show, update and note tickets")
    tsub = tk.add_subparsers(dest="ticket_command", required=True, metavar="COMMAND")
    ls = tsub.add_parser("list", help="list tickets, most urgent first")
    ls.add_argument("--status", action="append", help="status (repeat or comma-separate)")
    ls.add_argument("--open", action="store_true", help="only open tickets (not resolved/closed)")
    ls.add_argument("--assignee", help="agent login")
    ls.add_argument("--unassigned", action="store_true")
    ls.add_argument("--group")
    ls.add_argument("--priority", action="append", help="P1..P5 (repeat or comma-separate)")
    ls.add_argument("--kind", help="incident or request")
    ls.add_argument("--major", action="store_true", help="only major incidents")
    ls.add_argument("--search", help="words in the ref, title, caller or service")
    ls.add_argument("--sort", default="priority", help="priority, opened, updated, ref, title, ...")
    ls.add_argument("--desc", action="store_true", help="sort descending")
    ls.add_argument("--limit", type=int, default=50)
    add_format(ls)
    handler(ls, _list)

    show = tsub.add_parser("show", help="one ticket with its notes, history and version")
    show.add_argument("ref")
    add_format(show)
    handler(show, _show)

    up = tsub.add_parser("update", help="change a ticket; --expect-version refuses stale edits")
    up.add_argument("ref")
    up.add_argument("--status")
    up.add_argument("--reason", help="pending reason: customer, supplier, problem, change")
    up.add_argument("--assign", help="agent login ('' to unassign)")
    up.add_argument("--group")
    up.add_argument("--impact")
    up.add_argument("--urgency")
    up.add_argument("--resolution-code")
    up.add_argument("--resolution")
    up.add_argument("--title")
    up.add_argument("--service")
    up.add_argument("--ci")
    up.add_argument("--category")
    up.add_argument("--workaround")
    up.add_argument("--parent", help="parent ticket ref ('' to detach)")
    major = up.add_mutually_exclusive_group()
    major.add_argument("--major", dest="major", action="store_true", default=None)
    major.add_argument("--not-major", dest="major", action="store_false")
    up.add_argument("--expect-version", type=int, help="the version you saw (ticket show)")
    add_format(up)
    handler(up, _update)

    note = tsub.add_parser("note", help="add a worklog note or a public update to the caller")
    note.add_argument("ref")
    note.add_argument("text", help="the note ('-' reads it from standard input)")
    note.add_argument("--public", action="store_true", help="a customer notification")
    note.add_argument("--channel", help="for --public: email, phone, ...")
    note.add_argument("--minutes", type=int, default=0, help="time spent")
    add_format(note)
    handler(note, _note)


def _log(app: CliApp) -> int:
    a = app.args
    cmd = validate(
        LogIncident,
        title=a.title,
        caller=a.caller,
        impact=enum_value(Level, a.impact, "impact"),
        urgency=enum_value(Level, a.urgency, "urgency"),
        kind=TicketKind.REQUEST if a.request else TicketKind.INCIDENT,
        channel=enum_value(Channel, a.channel, "channel"),
        description=a.description,
        category=a.category,
        service=a.service,
        ci=a.ci,
        group=a.group,
    )
    view = tickets.log_incident(app.desk, cmd)
    _print_ticket(view, app.fmt)
    return 0


def _list(app: CliApp) -> int:
    a = app.args
    rows = tickets.list_tickets(
        app.desk,
        statuses=enum_list(TicketStatus, a.status, "status"),
        open_only=a.open,
        assignee=a.assignee,
        unassigned=a.unassigned,
        group=a.group,
        priorities=enum_list(Priority, a.priority, "priority"),
        kind=enum_value(TicketKind, a.kind, "kind"),
        major=True if a.major else None,
        text=a.search,
        sort=a.sort,
        descending=a.desc,
        limit=a.limit,
    )
    emit(rows, app.fmt, ROW_COLUMNS)
    return 0


def _show(app: CliApp) -> int:
    _print_ticket(tickets.get_ticket(app.desk, app.args.ref), app.fmt)
    return 0


def _print_ticket(view: TicketView, fmt: str) -> None:
    if fmt != "table":
        emit(view, fmt, [f for f in TicketView.model_fields if f not in ("notes", "history")])
        return
    status = view.status.value + (f" ({view.pending_reason.value})" if view.pending_reason else "")
    write_fields(
        [
            ("ref", f"{view.ref}  {view.kind.value}  version {view.version}"),
            ("title", view.title),
            ("priority", f"{view.priority.value} (impact {view.impact.value}, urgency {view.urgency.value})"),
            ("status", status),
            ("major", view.major),
            ("caller", f"{view.caller} <{view.caller_email or view.caller_phone or '-'}>"),
            ("channel", view.channel),
            ("service", view.service),
            ("ci", view.ci),
            ("category", view.category),
            ("group", f"{view.group or '-'} (tier {view.tier.value})"),
            ("assignee", view.assignee),
            ("parent", view.parent),
            ("children", view.children),
            ("opened", view.opened_at),
            ("updated", view.updated_at),
            ("resolved", view.resolved_at),
            (
                "resolution",
                f"{view.resolution_code.value}: {view.resolution}" if view.resolution_code else None,
            ),
            ("workaround", view.workaround),
            ("description", view.description),
        ]
    )
    if view.notes:
        sys.stdout.write("\nNOTES\n")
        for n in view.notes:
            head = f"{n.created_at:%Y-%m-%d %H:%M} {n.author} {n.visibility.value}"
            if n.channel:
                head += f" via {n.channel.value}"
            if n.minutes:
                head += f", {n.minutes} min"
            sys.stdout.write(neutralise(head) + "\n")
            for line in neutralise(n.body, keep_newlines=True).splitlines():
                sys.stdout.write(f"    {line}\n")
    if view.history:
        sys.stdout.write("\nHISTORY\n")
        write_table(
            [
                [f"{h.at:%Y-%m-%d %H:%M}", h.actor, h.field, h.old or "", h.new or "", str(h.version or "")]
                for h in view.history
            ],
            ("at", "actor", "field", "old", "new", "version"),
            sys.stdout,
        )


def _update(app: CliApp) -> int:
    a = app.args
    cmd = validate(
        UpdateTicket,
        ref=a.ref,
        expected_version=a.expect_version,
        status=enum_value(TicketStatus, a.status, "status"),
        reason=enum_value(PendingReason, a.reason, "pending reason"),
        assignee=a.assign,
        group=a.group,
        impact=enum_value(Level, a.impact, "impact"),
        urgency=enum_value(Level, a.urgency, "urgency"),
        resolution_code=enum_value(ResolutionCode, a.resolution_code, "resolution code"),
        resolution=a.resolution,
        title=a.title,
        service=a.service,
        ci=a.ci,
        category=a.category,
        workaround=a.workaround,
        parent=a.parent,
        major=a.major,
    )
    _print_ticket(tickets.update_ticket(app.desk, cmd), app.fmt)
    return 0


def _note(app: CliApp) -> int:
    a = app.args
    text = sys.stdin.read() if a.text == "-" else a.text
    cmd = validate(
        AddNote,
        ref=a.ref,
        body=text,
        public=a.public,
        channel=enum_value(Channel, a.channel, "channel"),
        minutes=a.minutes,
    )
    emit(tickets.add_note(app.desk, cmd), app.fmt, NOTE_COLUMNS)
    return 0
