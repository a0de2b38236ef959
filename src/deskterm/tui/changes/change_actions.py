"""The actions on a change, shared by the board and the detail: each is one service call,
asked first (a yes/no question or a form) where it matters, run in a worker.

``forward`` is the next step along the change's workflow: submit (draft), send to
authorisation or straight to the schedule (assessment; standard changes are pre-approved),
the change manager's decision (authorisation), implement (scheduled), the post-implementation
review (implementing) and close (review). ``back`` returns the change one state.
"""

from collections.abc import Callable
from typing import Any, Protocol

from deskterm.domain.changes.change import ChangeOutcome, ChangeState
from deskterm.services.changes import changes
from deskterm.services.changes.change_views import ChangeDetail, ChangeSummary
from deskterm.services.core.errors import DesktermError
from deskterm.tui.base.confirm import ConfirmDialog
from deskterm.tui.base.form import Field, FormDialog

Done = Callable[[str, str | None], None]
OUTCOMES = [(o.value, o.value) for o in ChangeOutcome]


class Host(Protocol):
    """The screen an action runs from: it has the app, runs workers and shows notices."""

    app: Any

    def run_worker(self, *args: Any, **kwargs: Any) -> Any: ...

    def notify(self, message: str, **kwargs: Any) -> None: ...


def state_words(view: ChangeDetail) -> str:
    return view.state.value + (f" ({view.outcome.value})" if view.outcome else "")


def collisions_note(view: ChangeDetail) -> str:
    if not view.collisions:
        return "no collisions"
    first = view.collisions[0].explanation
    more = f" (+{len(view.collisions) - 1} more)" if len(view.collisions) > 1 else ""
    return f"⚠ {len(view.collisions)} collision{'s' if len(view.collisions) > 1 else ''}: {first}{more}"


def run_change_action(host: Host, what: str, change: ChangeSummary, done: Done) -> None:
    """Open the dialog or question for ``what`` on ``change``; ``done`` gets the result line."""
    from deskterm.tui.changes.change_board import STATE_TITLE, step_back, step_forward
    from deskterm.tui.changes.change_review import close_dialog, review_dialog
    from deskterm.tui.changes.change_schedule import schedule_dialog
    from deskterm.tui.changes.change_vote import decide_dialog, vote_dialog

    app = host.app
    ref = change.ref

    def after_form(message: str | None) -> None:
        if message:
            done(message, ref)

    def ask(question: str, call: Callable[[], str]) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                now(call)

        app.push_screen(ConfirmDialog(question), answered)

    def now(call: Callable[[], str]) -> None:
        def work() -> None:
            try:
                message = call()
            except DesktermError as exc:
                app.call_from_thread(host.notify, exc.message, severity="error", timeout=10)
                return
            app.call_from_thread(done, message, ref)

        host.run_worker(work, thread=True, group="change-action")

    def form(dialog: FormDialog) -> None:
        app.push_screen(dialog, after_form)

    def desk() -> Any:
        return app.desk  # read at call time: the acting agent is whoever the app acts as now

    def submit() -> str:
        view = changes.submit(desk(), ref)
        return f"{ref} submitted: now {state_words(view)}"

    def move(to: ChangeState) -> Callable[[], str]:
        def call() -> str:
            view = changes.move(desk(), ref, to)
            return f"{ref} moved to {state_words(view)}"

        return call

    def implement() -> str:
        view = changes.implement(desk(), ref)
        return f"{ref} implementing; {collisions_note(view)}"

    def close() -> str:
        view = changes.close(desk(), ref)
        return f"{ref} closed: {state_words(view)}"

    match what:
        case "forward":
            state = change.state
            target = step_forward(change.type, state)
            if target is None:
                host.notify(f"{ref} is {state.value}: there is no next step on its workflow.", timeout=5)
            elif state is ChangeState.DRAFT:
                ask(f"Submit {ref} for assessment?", submit)
            elif state is ChangeState.ASSESSMENT:
                ask(f"Move {ref} to {STATE_TITLE[target].lower()}?", move(target))
            elif state is ChangeState.AUTHORISATION:
                form(decide_dialog(desk(), ref))
            elif state is ChangeState.SCHEDULED:
                ask(f"Start implementing {ref} now?", implement)
            elif state is ChangeState.IMPLEMENTING:
                form(review_dialog(desk(), ref))
            elif state is ChangeState.REVIEW:
                ask(f"Close {ref} with the outcome of its review?", close)
        case "back":
            target = step_back(change.type, change.state)
            if target is None:
                host.notify(f"{ref} is {change.state.value}: it cannot step back.", timeout=5)
            else:
                ask(f"Move {ref} back to {STATE_TITLE[target].lower()}?", move(target))
        case "submit":
            ask(f"Submit {ref} for assessment?", submit)
        case "vote":
            form(vote_dialog(desk(), ref))
        case "decide":
            form(decide_dialog(desk(), ref))
        case "schedule":
            form(schedule_dialog(desk(), change))
        case "implement":
            ask(f"Start implementing {ref} now?", implement)
        case "review":
            form(review_dialog(desk(), ref))
        case "close":
            form(close_dialog(desk(), ref))
        case "cancel" | "reject":
            form(reason_dialog(desk(), ref, what))
        case "link":
            form(link_dialog(desk(), ref))


def reason_dialog(desk: Any, ref: str, what: str) -> FormDialog:
    """Cancel (the raiser withdraws it) or reject (the change manager refuses it), with why."""

    def submit(values: dict[str, Any]) -> str:
        reason = str(values.get("reason") or "")
        view = (changes.cancel if what == "cancel" else changes.reject)(desk, ref, reason)
        return f"{ref} {state_words(view)}"

    verb = "Cancel" if what == "cancel" else "Reject"
    question = f"{verb} {ref}? This is final: the change cannot be taken up again."
    return FormDialog(
        f"{verb} {ref}",
        [Field("reason", "Why", "area")],
        submit,
        # asked once there is a reason: without one the service says why it is needed
        confirm=lambda values: question if str(values.get("reason") or "").strip() else None,
    )


def link_dialog(desk: Any, ref: str) -> FormDialog:
    """Link an incident as caused by this change (a disruption in the KPIs)."""

    def submit(values: dict[str, Any]) -> str:
        incident = str(values.get("incident") or "").strip()
        view = changes.link_incident(desk, ref, incident)
        return f"{ref}: caused {', '.join(view.incidents)}"

    return FormDialog(
        f"Incident caused by {ref}",
        [Field("incident", "Incident ref", placeholder="INC-42", aliases=("incident_ref", "ref"))],
        submit,
    )
