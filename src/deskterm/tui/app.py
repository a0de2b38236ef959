"""The Textual application: modes, global keys, the live pulse, and navigation. Wiring only."""

import contextlib
import signal
import weakref
from collections.abc import Callable
from typing import Any, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import Screen
from textual.worker import Worker

from deskterm.services.core.context import Desk
from deskterm.services.core.errors import DesktermError
from deskterm.services.tickets import queue
from deskterm.tui.base.command_line import COMMANDS, CommandLine
from deskterm.tui.base.desk_app import DeskAppBase
from deskterm.tui.base.help import HelpScreen
from deskterm.tui.base.messages import DeskChanged
from deskterm.tui.base.render import for_screen
from deskterm.tui.base.typeahead import KeyOrder
from deskterm.tui.commands import AgentProvider, DeskCommandsProvider, TicketProvider
from deskterm.tui.sla.sla_monitor import SlaMonitorScreen
from deskterm.tui.tickets.queue import QueueScreen
from deskterm.tui.widgets.status_line import StatusLine

POLL_SECONDS = 1.0
MAX_PUSHED = 6  # record screens above a main screen: jumping through refs never grows the stack past this


def _change_board() -> Screen[Any]:
    from deskterm.tui.changes.change_board import ChangeBoardScreen

    return ChangeBoardScreen()


def _problems() -> Screen[Any]:
    from deskterm.tui.problems.problems import ProblemsScreen

    return ProblemsScreen()


def _event_console() -> Screen[Any]:
    from deskterm.tui.events.event_console import EventConsoleScreen

    return EventConsoleScreen()


def _handover() -> Screen[Any]:
    from deskterm.tui.handover.handover import HandoverScreen

    return HandoverScreen()


class DeskApp(DeskAppBase):
    TITLE = "deskterm"
    CSS_PATH: ClassVar = [
        "app.tcss",
        "tickets/queue.tcss",
        "base/dialogs.tcss",
        "tickets/ticket.tcss",
        "sla/sla.tcss",
        "sla/sla_report.tcss",
        "handover/handover.tcss",
        "problems/problems.tcss",
        "changes/changes.tcss",
        "events/events.tcss",
        "people/admin.tcss",
    ]
    MODES: ClassVar = {
        "queue": QueueScreen,
        "sla": SlaMonitorScreen,
        # The other screens load when first shown, so that start-up pays for the queue only.
        "changes": _change_board,
        "problems": _problems,
        "events": _event_console,
        "handover": _handover,
    }
    DEFAULT_MODE = "queue"
    COMMANDS: ClassVar = {TicketProvider, DeskCommandsProvider, AgentProvider}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1,alt+1", "mode('queue')", "Queue", show=False, id="app.mode.queue"),
        Binding("2,alt+2", "mode('sla')", "SLA", show=False, id="app.mode.sla"),
        Binding("3,alt+3", "mode('changes')", "Changes", show=False, id="app.mode.changes"),
        Binding("4,alt+4", "mode('problems')", "Problems", show=False, id="app.mode.problems"),
        Binding("5,alt+5", "mode('events')", "Events", show=False, id="app.mode.events"),
        Binding("6,alt+6", "mode('handover')", "Handover", show=False, id="app.mode.handover"),
        Binding("colon", "command_line", "Command", show=False, id="app.command_line"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+q", "quit_desk", "Quit", show=False, id="app.quit", priority=True),
    ]

    def __init__(self, desk: Desk, *, poll: bool = True) -> None:
        super().__init__(desk)
        self._poll_enabled = poll
        self._polling: Worker[None] | None = None
        self._poll_again = False
        self._nav_keys: weakref.WeakKeyDictionary[Screen[Any], str] = weakref.WeakKeyDictionary()
        self.keys = KeyOrder(self._deliver_key, self._focus_chain)
        self.keys.on_error = self._handle_exception

    # -- keys in the order they were typed ------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            await self.keys.key(event)
            return
        await super().on_event(event)

    async def _deliver_key(self, event: events.Key) -> None:
        await super().on_event(event)

    def _focus_chain(self) -> list[DOMNode]:
        try:
            start: DOMNode = self.focused or self.screen
        except Exception:
            return [self]
        return start.ancestors_with_self

    def notify(self, message: str, *, markup: bool = False, **kwargs: Any) -> None:
        """Notices carry refs, titles and typed commands: never parsed as markup."""
        super().notify(for_screen(message), markup=False, **kwargs)

    def on_mount(self) -> None:
        self.sub_title = self.desk.url
        keymap = self.desk.settings.keymap
        if keymap:
            self.set_keymap(keymap)
        if self._poll_enabled:
            self.set_interval(POLL_SECONDS, self._poll)
        self._poll()
        self._offer_draft()

    def _offer_draft(self) -> None:
        """A call left unsaved by a dropped link or a killed process is offered back."""
        from deskterm.services.core import drafts
        from deskterm.tui.base.confirm import ConfirmDialog
        from deskterm.tui.tickets.log_call import DRAFT, LogCallDialog

        draft = drafts.load_draft(DRAFT)
        if not draft:
            return
        title = str(draft.get("title") or draft.get("caller_text") or "untitled")

        def answered(restore: bool | None) -> None:
            if restore:
                self.push_screen(LogCallDialog(draft), self._logged)
            else:
                drafts.discard_draft(DRAFT)

        self.push_screen(
            ConfirmDialog(f"A call you were logging was not saved: {title[:60]}. Restore it?"),
            answered,
        )

    def save_drafts(self) -> None:
        """Called on SIGHUP and on exit: whatever form is open is written to its draft file."""
        from deskterm.tui.tickets.log_call import LogCallDialog

        for screen in self.screen_stack:
            if isinstance(screen, LogCallDialog):
                screen.autosave()

    # -- live pulse -------------------------------------------------------------------------

    def _poll(self) -> None:
        if self._polling is not None and not self._polling.is_finished:
            self._poll_again = True  # it may have read the desk before the change: look once more after it
            return
        self._poll_again = False
        self._polling = self.run_worker(self._poll_work, thread=True, group="pulse", exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._polling and event.worker.is_finished and self._poll_again:
            self._poll()

    def _poll_work(self) -> None:
        try:
            fresh = queue.pulse(self.desk)
        except DesktermError as exc:
            self.call_from_thread(self._pulse_problem, exc.message)
            return
        self.call_from_thread(self._pulse_arrived, fresh)

    def _status_lines(self) -> list[StatusLine]:
        """Every screen's status line: the one under an open dialog stays current too."""
        return [line for screen in self.screen_stack for line in screen.query(StatusLine)]

    def _pulse_problem(self, message: str) -> None:
        for line in self._status_lines():
            line.problem = message

    def _pulse_arrived(self, fresh: queue.Pulse) -> None:
        changed = self.pulse is not None and fresh.token != self.pulse.token
        self.pulse = fresh
        for line in self._status_lines():
            line.problem = ""
            line.pulse = fresh
        if changed:
            for screen in self.screen_stack:
                screen.post_message(DeskChanged(fresh))

    def changed_here(self) -> None:
        """After our own write: look again now rather than at the next tick."""
        self._poll()

    # -- navigation -------------------------------------------------------------------------

    def open_screen(
        self,
        screen: Screen[Any],
        key: str | None = None,
        callback: Callable[[Any], None] | None = None,
    ) -> None:
        """The one way a record or a sub-screen is opened.

        A record that is already open in this stack is brought back (the screens above it
        close); another one is pushed; past ``MAX_PUSHED`` the newest screen replaces the top
        one, so the stack stays bounded however many refs an agent jumps through.
        """
        if key is not None:
            for existing in self.screen_stack[1:]:
                if self._nav_keys.get(existing) == key:
                    while self.screen is not existing:
                        self.pop_screen()
                    return
            self._nav_keys[screen] = key
        if len(self.screen_stack) > MAX_PUSHED:
            self.switch_screen(screen)
        else:
            self.push_screen(screen, callback)

    def action_mode(self, mode: str) -> None:
        """``1``-``6``: the named main screen, from anywhere. What is open above the current
        main screen closes first; a dialog holding typed text asks before it is dropped."""
        question = self._leave_question()
        if question is None:
            self.go_to(mode)
            return
        from deskterm.tui.base.confirm import ConfirmDialog

        self.push_screen(ConfirmDialog(question), lambda ok: self.go_to(mode) if ok else None)

    def _leave_question(self) -> str | None:
        for screen in reversed(self.screen_stack):
            ask = getattr(screen, "leave_question", None)
            question = ask() if callable(ask) else None
            if question:
                return str(question)
        return None

    def go_to(self, mode: str) -> None:
        self.save_drafts()
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.switch_mode(mode)

    def action_command_line(self) -> None:
        self.push_screen(CommandLine(), self.run_command)

    def run_command(self, text: str | None) -> None:
        if not text:
            return
        word = text.lower()
        if word in ("q", "quit"):
            self.action_quit_desk()
        elif word in ("inc", "queue"):
            self.switch_mode("queue")
        elif word == "sla":
            self.switch_mode("sla")
        elif word in ("chg", "changes"):
            self.switch_mode("changes")
        elif word.startswith("chg"):
            from deskterm.tui.changes.change_detail import open_change

            open_change(self, text)
        elif word in ("prb", "problems"):
            self.switch_mode("problems")
        elif word.startswith(("prb", "ke")):
            from deskterm.tui.problems.problems import open_record

            open_record(self, text)
        elif word in ("evt", "events"):
            self.switch_mode("events")
        elif word == "report":
            from deskterm.tui.sla.sla_report import SlaReportScreen

            self.open_screen(SlaReportScreen(), "report")
        elif word == "handover":
            self.switch_mode("handover")
        elif word == "reports":
            from deskterm.tui.reports.reports import ReportsScreen

            self.open_screen(ReportsScreen(), "reports")
        elif word == "admin":
            from deskterm.tui.people.admin import open_admin

            open_admin(self)
        elif word == "new":
            self.log_call()
        elif word == "help":
            self.action_help()
        else:
            self.open_ticket(text, unknown_command=True)

    def open_ticket(self, ref: str, *, unknown_command: bool = False) -> None:
        def work() -> None:
            try:
                canonical = queue.ticket_exists(self.desk, ref)
            except DesktermError as exc:
                msg = exc.message
                if unknown_command:
                    known = ", ".join(sorted(COMMANDS))
                    msg = f"unknown command {ref!r}: type one of {known}, or a ticket ref like INC-42"
                self.call_from_thread(self.notify, msg, severity="warning", timeout=6)
                return
            self.call_from_thread(self.show_ticket, canonical)

        self.run_worker(work, thread=True, group="open-ticket")

    def show_ticket(self, ref: str) -> None:
        from deskterm.tui.tickets.ticket import TicketScreen

        self.open_screen(TicketScreen(ref), f"ticket:{ref}")

    def log_call(self) -> None:
        """A call left unsaved (by a jump to another screen, a dropped link) comes back."""
        from deskterm.services.core import drafts
        from deskterm.tui.tickets.log_call import DRAFT, LogCallDialog

        draft = drafts.load_draft(DRAFT)
        if draft:
            self.notify("The call you were logging is back: escape discards it.", timeout=5)
        self.push_screen(LogCallDialog(draft), self._logged)

    def _logged(self, ref: str | None) -> None:
        if ref:
            self.notify(f"Logged {ref}", timeout=6)
            self.changed_here()
            self.show_ticket(ref)  # the agent is still on the phone: the new ticket is where they work

    def bulk_action(self, what: str, refs: list[str], done: Callable[[list[str]], None]) -> None:
        """``done`` gets the refs that were refused: they stay selected for another try."""
        from deskterm.tui.tickets.bulk import BulkDialog

        dialog = BulkDialog(what, refs)

        def finished(result: str | None) -> None:
            if result:
                self.notify(result, timeout=8)
                done(dialog.refused)
                self.changed_here()

        self.push_screen(dialog, finished)

    def action_help(self) -> None:
        """Help is generated from the active bindings: keys with one action share a line."""
        screen = self.screen
        merged: dict[str, list[str]] = {}
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.system or key.startswith("super+"):
                continue
            shown = self.get_key_display(binding) or key
            if binding.id == "app.command_line" or binding.action == "command_palette":
                continue  # each explained once, with what it finds, at the end of the help
            keys = merged.setdefault(binding.description, [])
            if shown not in keys:
                keys.append(shown)
        lines = [(", ".join(keys), description) for description, keys in merged.items()]
        name = getattr(screen, "HELP_TITLE", "") or type(screen).__name__.removesuffix("Screen").lower()
        self.push_screen(HelpScreen(name, lines))

    def action_quit_desk(self) -> None:
        if self.drafts_unsaved():
            from deskterm.tui.base.confirm import ConfirmDialog

            self.push_screen(
                ConfirmDialog("A call you are logging is not saved. Quit anyway? Its draft is kept."),
                lambda ok: self.exit() if ok else None,
            )
        else:
            self.exit()


def build(desk: Desk) -> App[None]:
    """The desk application, or, for an account the desk refuses (a team desk that lists no
    agent for it), the plain screen that says what to ask the admin."""
    from deskterm.services.core import access
    from deskterm.services.core.errors import NotPermitted

    try:
        access.acting(desk)
    except NotPermitted as exc:
        from deskterm.tui.people.unknown_account import UnknownAccountApp

        return UnknownAccountApp(exc.message)
    except DesktermError:
        pass  # the database is unreachable: the desk's status line says so, and retries
    return DeskApp(desk)


def run(desk: Desk) -> int:
    """Run the desk; a hang-up (dropped SSH link) saves drafts before the process goes."""
    app = build(desk)

    def hang_up(_signum: int, _frame: object) -> None:
        if isinstance(app, DeskApp):
            app.save_drafts()
        app.exit()

    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, hang_up)
    with contextlib.suppress(KeyboardInterrupt):
        app.run()
    return app.return_code or 0
