"""The actions of the incident detail screen, each a dialog with validation.

Every write carries the version the agent is looking at, so a change made meanwhile by
someone else comes back as a conflict that names what changed; nothing is overwritten.
"""

from collections.abc import Callable
from typing import Any

from deskterm.domain.core.vocabulary import Channel, PendingReason, ResolutionCode
from deskterm.services.core import search
from deskterm.services.core.commands import AddNote, UpdateTicket, validate
from deskterm.services.core.errors import InvalidInput
from deskterm.services.core.views import TicketView
from deskterm.services.tickets import escalation, tickets
from deskterm.tui.base.form import Field, FormDialog

REASONS = [(r.value, r.value) for r in PendingReason]
CODES = [(c.value, c.value) for c in ResolutionCode]
CHANNELS = [(c.value, c.value) for c in Channel if c is not Channel.EVENT]


def _options(suggestions: list[search.Suggestion]) -> list[tuple[str, str]]:
    return [(s.label, s.key) for s in suggestions]


def _minutes(value: str) -> int:
    text = (value or "0").strip() or "0"
    try:
        return int(text)
    except ValueError:
        raise InvalidInput("minutes spent must be a whole number", field="minutes") from None


def run_action(screen: Any, what: str, view: TicketView) -> None:
    """Open the dialog for ``what`` (or act at once when nothing needs asking)."""
    desk = screen.app.desk
    ref, version = view.ref, view.version

    def update(**fields: Any) -> Callable[[dict[str, Any]], str]:
        def submit(values: dict[str, Any]) -> str:
            data = {**fields, **{k: v for k, v in values.items() if k not in ("minutes",)}}
            tickets.update_ticket(desk, validate(UpdateTicket, ref=ref, expected_version=version, **data))
            return f"{ref} updated"

        return submit

    def ask(
        title: str,
        fields: list[Field],
        submit: Callable[[dict[str, Any]], str],
        question: str = "",
    ) -> None:
        confirm = (lambda _values: question) if question else None
        screen.app.push_screen(FormDialog(title, fields, submit, confirm=confirm), _done(screen))

    def confirm(question: str, submit: Callable[[dict[str, Any]], str]) -> None:
        """Irreversible actions say what will happen and wait for ``y``."""
        from deskterm.tui.base.confirm import ConfirmDialog

        screen.app.push_screen(ConfirmDialog(question), lambda yes: now(submit) if yes else None)

    def now(submit: Callable[[dict[str, Any]], str]) -> None:
        def work() -> None:
            from deskterm.services.core.errors import DesktermError

            try:
                message = submit({})
            except DesktermError as exc:
                screen.app.call_from_thread(
                    screen.notify, exc.message, severity="error", timeout=8, markup=False
                )
                screen.app.call_from_thread(screen.load)
                return
            screen.app.call_from_thread(screen.action_done, message)

        screen.run_worker(work, thread=True, group="ticket-action")

    def take(_: dict[str, Any]) -> str:
        me = desk.whoami().login  # in the worker: no database call on the UI thread
        return update(assignee=me)({})

    match what:
        case "take":
            now(take)
        case "assign":
            ask(
                f"Assign {ref}",
                [
                    Field(
                        "group",
                        "Group",
                        "select",
                        value=view.group or "",
                        load=lambda: _options(search.groups(desk)),
                    ),
                    Field(
                        "assignee",
                        "Agent (login, name or group; arrows + enter pick; empty leaves it unassigned)",
                        "lookup",
                        value=view.assignee or "",
                        find=lambda text: search.agents(desk, text),
                    ),
                ],
                update(),
            )
        case "escalate":
            tier = int(view.tier.value)
            ask(
                f"Functional escalation of {ref} to a higher-tier group",
                [
                    Field(
                        "group",
                        "To group",
                        "select",
                        load=lambda: _options(search.groups(desk, min_tier=min(3, tier + 1))),
                    ),
                    Field("reason", "Why", "area"),
                ],
                lambda v: escalation.escalate_functional(desk, ref, v["group"] or "", v["reason"], version),
            )
        case "hierarchic":
            ask(
                f"Hierarchic escalation of {ref} (to the group lead or the service owner)",
                [Field("reason", "Why management must know", "area")],
                lambda v: escalation.escalate_hierarchic(desk, ref, v["reason"]),
            )
        case "note" | "public":
            public = what == "public"
            fields = [Field("body", "Update to the caller" if public else "Internal note", "area")]
            if public:
                default = "email" if view.caller_email else "phone"
                fields.append(Field("channel", "Channel", "select", CHANNELS, value=default))
            fields.append(Field("minutes", "Minutes spent", "int", value="0"))

            def add(v: dict[str, Any]) -> str:
                tickets.add_note(
                    desk,
                    validate(
                        AddNote,
                        ref=ref,
                        body=v["body"],
                        public=public,
                        channel=v.get("channel") if public else None,
                        minutes=_minutes(v["minutes"]),
                    ),
                )
                return "caller updated" if public else "note added"

            ask(f"{'Public update' if public else 'Note'} on {ref}", fields, add)
        case "pending":
            ask(
                f"Set {ref} pending",
                [Field("reason", "Waiting for", "select", REASONS)],
                update(status="pending"),
            )
        case "resume":
            now(update(status="in-progress"))
        case "resolve":
            children = ", ".join(view.children)
            ask(
                f"Resolve {ref}" + (f" and its children {children}" if view.children else ""),
                [
                    Field("resolution_code", "Resolution code", "select", CODES, value="fixed"),
                    Field("resolution", "What was done", "area"),
                ],
                update(status="resolved"),
                question=(
                    f"Resolve {ref} and its {len(view.children)} child incident(s) {children} together?"
                    if view.children
                    else ""
                ),
            )
        case "close":
            confirm(
                f"Close {ref}? A closed ticket is final: it cannot be reopened or changed afterwards.",
                update(status="closed"),
            )
        case "reopen":
            now(update(status="in-progress"))
        case "major":
            if view.major:
                now(update(major=False))
            else:
                confirm(
                    f"Mark {ref} as a major incident? The major incident procedure starts: "
                    "the service owner is escalated to and it shows on every agent's Major view.",
                    update(major=True),
                )
        case "children":
            ask(
                f"Make {ref} the parent of other incidents",
                [Field("children", "Refs, separated by spaces or commas", placeholder="INC-12 INC-13")],
                lambda v: tickets.link_children(desk, ref, v["children"]),
            )


def _done(screen: Any) -> Callable[[str | None], None]:
    def finished(message: str | None) -> None:
        if message:
            screen.action_done(message)
        else:  # cancelled, perhaps after a conflict: show the ticket as it is now
            screen.load()

    return finished
