"""``deskterm handover``: the shift digest for mail or chat, notes, sign-off, acknowledge,
list, show and search of stored handovers."""

import argparse
import sys
from datetime import datetime

from deskterm.cli.app import CliApp, add_format, handler
from deskterm.cli.output import emit
from deskterm.domain.core.text import neutralise, single_line
from deskterm.services.core.errors import InvalidInput
from deskterm.services.handover import handover
from deskterm.services.handover.handover import Digest

LIST_COLUMNS = (
    "id",
    "shift",
    "status",
    "outgoing",
    "signed_off_at",
    "acknowledged_by",
    "acknowledged_at",
    "note",
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("handover", help="shift handover: the digest, notes, sign-off and acknowledge")
    _digest_options(p)
    p.add_argument("--live", action="store_true", help="today's data even for a signed-off shift")
    handler(p, _digest)
    hsub = p.add_subparsers(dest="handover_command", metavar="COMMAND")
    so = hsub.add_parser("sign-off", help="the outgoing agent signs the shift off (its digest is kept)")
    so.add_argument("--note", help="the overall note for the incoming agent")
    so.add_argument("--shift", default="now", help="now (default), prev or DATE[:NAME]")
    so.add_argument("--format", choices=("md", "json", "text"), default="text")
    handler(so, _sign_off)
    ack = hsub.add_parser("ack", help="the incoming agent acknowledges the latest signed-off handover")
    ack.add_argument("id", nargs="?", type=int, help="a handover id (default: the latest waiting)")
    add_format(ack)
    handler(ack, _ack)
    nt = hsub.add_parser("note", help="write the overall note, or a note on one item with --ref")
    nt.add_argument("text", help="the note ('' removes an item's note)")
    nt.add_argument("--ref", help="the record the note is about, e.g. INC-12 or CHG-3")
    nt.add_argument("--shift", default="now", help="now (default), prev or DATE[:NAME]")
    add_format(nt)
    handler(nt, _note)
    ls = hsub.add_parser("list", help="stored handovers, newest first")
    ls.add_argument("--limit", type=int, default=50)
    add_format(ls)
    handler(ls, _list)
    sh = hsub.add_parser("show", help="one stored handover as it was handed over")
    sh.add_argument("id", type=int)
    sh.add_argument("--format", choices=("md", "json", "text"), default="text")
    handler(sh, _show)
    se = hsub.add_parser("search", help="handovers whose notes, refs, shift or agent match every word")
    se.add_argument("words", nargs="+")
    se.add_argument("--limit", type=int, default=50)
    add_format(se)
    handler(se, _search)


def _digest_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--shift", default="now", help="now (default), prev, next, DATE (its first shift) or DATE:NAME"
    )
    p.add_argument("--format", choices=("md", "json", "text"), default="text", help="default: text")


def _print(d: Digest, fmt: str) -> None:
    if fmt == "json":
        emit(d, "json", ())
    else:
        sys.stdout.write(render(d, markdown=fmt == "md"))


def _digest(app: CliApp) -> int:
    _print(handover.digest(app.desk, app.args.shift, live=app.args.live), app.fmt)
    return 0


def _sign_off(app: CliApp) -> int:
    _print(handover.sign_off(app.desk, app.args.note, app.args.shift), app.fmt)
    return 0


def _ack(app: CliApp) -> int:
    emit(
        handover.acknowledge(app.desk, app.args.id),
        app.fmt,
        ("id", "status", "outgoing", "acknowledged_by", "acknowledged_at"),
    )
    return 0


def _note(app: CliApp) -> int:
    a = app.args
    if a.ref:
        meta = handover.set_item_note(app.desk, a.ref, a.text, a.shift)
    else:
        if not a.text.strip():
            raise InvalidInput("give the note's text, e.g. deskterm handover note 'mail queue still slow'")
        meta = handover.set_note(app.desk, a.text, a.shift)
    emit(meta, app.fmt, ("id", "status"))
    return 0


def _list(app: CliApp) -> int:
    emit(handover.list_handovers(app.desk, limit=app.args.limit), app.fmt, LIST_COLUMNS)
    return 0


def _search(app: CliApp) -> int:
    emit(handover.search(app.desk, " ".join(app.args.words), limit=app.args.limit), app.fmt, LIST_COLUMNS)
    return 0


def _show(app: CliApp) -> int:
    _print(handover.show(app.desk, app.args.id), app.fmt)
    return 0


# -- rendering for mail and chat ------------------------------------------------------------


def _t(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M}" if at is not None else "-"


def _clean(text: str | None) -> str:
    return neutralise(single_line(text or ""))


def render(d: Digest, *, markdown: bool) -> str:
    """The digest as plain text or markdown: section by section, notes next to their items."""
    out: list[str] = []
    bullet = "- " if markdown else "  "

    def head(text: str, level: int = 2) -> None:
        if out:
            out.append("")
        out.append(("#" * level + " " + text) if markdown else text.upper() if level > 1 else text)

    def ref(r: str) -> str:
        return f"**{r}**" if markdown else r

    def item_note(r: str) -> None:
        if r in d.item_notes:
            out.append(f"{'  ' if markdown else '    '}> note: {_clean(d.item_notes[r])}")

    title = f"Shift handover {d.shift.key} ({_t(d.shift.start)} - {_t(d.shift.end)} UTC)"
    head(title, 1)
    h = d.handover
    if h is None:
        out.append("Not signed off yet (live data).")
    else:
        state = f"Status: {h.status}"
        if h.signed_off_at:
            state += f"; signed off by {_clean(h.outgoing)} at {_t(h.signed_off_at)}"
        if h.acknowledged_at:
            state += f"; acknowledged by {_clean(h.acknowledged_by)} at {_t(h.acknowledged_at)}"
        out.append(state + ("" if d.live is False else " (live data)"))
    out.append(f"Generated {_t(d.generated_at)} UTC; next shift {d.next_shift.key}.")
    if d.note:
        head("Note from the outgoing agent")
        out.extend(neutralise(line) for line in d.note.splitlines())

    f = d.flow
    head("Counts")
    out.append(
        f"{bullet}logged {f.logged}, resolved {f.resolved}, reopened {f.reopened}; backlog "
        f"{f.backlog_start} -> {f.backlog_end} ({f.backlog_delta:+d})"
    )

    def tickets(heading: str, lines: list[handover.TicketLine], updates: bool = False) -> None:
        head(f"{heading} ({len(lines)})")
        if not lines:
            out.append(f"{bullet}none")
        for t in lines:
            who = ", ".join(x for x in (_clean(t.group), _clean(t.assignee) or "unassigned") if x)
            major = " MAJOR" if t.major else ""
            out.append(f"{bullet}{ref(t.ref)} {t.priority}{major} {t.status}: {_clean(t.title)} [{who}]")
            if updates and t.last_update:
                out.append(
                    f"{'  ' if markdown else '    '}last update {_t(t.last_update_at)} "
                    f"{_clean(t.last_update_by)}: {_clean(t.last_update)}"
                )
            item_note(t.ref)

    tickets("Major incidents and P1/P2", d.majors, updates=True)

    def sla(heading: str, lines: list[handover.SlaLine]) -> None:
        head(f"{heading} ({len(lines)})")
        if not lines:
            out.append(f"{bullet}none")
        for s in lines:
            out.append(
                f"{bullet}{ref(s.ref)} {s.priority} {s.metric} ({_clean(s.agreement)}) due {_t(s.due_at)}: "
                f"{_clean(s.title)}"
            )
            item_note(s.ref)

    sla("SLA targets breached during the shift", d.sla_breached)
    sla("SLA targets due to breach by the end of the next shift", d.sla_due_next)
    tickets("Unassigned tickets", d.unassigned)
    head(f"Pending, by reason ({sum(len(v) for v in d.pending.values())})")
    if not d.pending:
        out.append(f"{bullet}none")
    for reason, lines in d.pending.items():
        out.append(f"{bullet}{reason}: " + ", ".join(t.ref for t in lines))
        for t in lines:
            item_note(t.ref)
    for heading, changes in (
        ("Changes implemented during the shift", d.changes_implemented),
        ("Changes scheduled in the next shift", d.changes_scheduled),
    ):
        if changes is None:
            continue
        head(f"{heading} ({len(changes)})")
        if not changes:
            out.append(f"{bullet}none")
        for c in changes:
            clash = f"; collides with {', '.join(c.collisions)}" if c.collisions else ""
            out.append(
                f"{bullet}{ref(c.ref)} {c.status} {_t(c.start)} - {_t(c.end)}: {_clean(c.title)}{clash}"
            )
            item_note(c.ref)
    for heading, problems in (
        ("New problems", d.problems_new),
        ("New known errors", d.known_errors_new),
    ):
        if problems is None:
            continue
        head(f"{heading} ({len(problems)})")
        if not problems:
            out.append(f"{bullet}none")
        for p in problems:
            out.append(f"{bullet}{ref(p.ref)} {p.status}: {_clean(p.title)}")
            item_note(p.ref)
    if d.event_storms is not None:
        head(f"Event storms ({len(d.event_storms)})")
        if not d.event_storms:
            out.append(f"{bullet}none")
        for e in d.event_storms:
            out.append(f"{bullet}{ref(e.ref)} {e.events} events, last {_t(e.last_at)}: {_clean(e.title)}")
            item_note(e.ref)
    shown = set(d.refs())
    others = [r for r in d.item_notes if r not in shown]
    if others:
        head("Other notes")
        for r in others:
            out.append(f"{bullet}{ref(r)}: {_clean(d.item_notes[r])}")
    return "\n".join(out) + "\n"
