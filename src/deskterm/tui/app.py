"""The Textual application: modes, global keys, the live pulse, and navigation. Wiring only."""

import contextlib
import importlib
import signal
from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker

from deskterm.services.core.context import Desk
from deskterm.services.core.errors import DesktermError
from deskterm.services.tickets import queue
from deskterm.tui.base.command_line import COMMANDS, CommandLine
from deskterm.tui.base.help import HelpScreen
from deskterm.tui.base.messages import DeskChanged
from deskterm.tui.commands import AgentProvider, DeskCommandsProvider, TicketProvider
from deskterm.tui.sla.sla_monitor import SlaMonitorScreen
from deskterm.tui.tickets.queue import QueueScreen
from deskterm.tui.widgets.status_line import StatusLine

POLL_SECONDS = 1.0


def _screen(module: str, name: str) -> Screen[Any]:
    screen: Screen[Any] = getattr(importlib.import_module(module), name)()
    return screen


class DeskApp(App[None]):
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
    ]
    MODES: ClassVar = {
        "queue": QueueScreen,
        "sla": SlaMonitorScreen,
        # The other screens load when first shown, so that start-up pays for the queue only.
        "changes": lambda: _screen("deskterm.tui.changes.change_board", "ChangeBoardScreen"),
        "problems": lambda: _screen("deskterm.tui.problems.problems", "ProblemsScreen"),
        "events": lambda: _screen("deskterm.tui.events.event_console", "EventConsoleScreen"),
        "handover": lambda: _screen("deskterm.tui.handover.handover", "HandoverScreen"),
    }
    DEFAULT_MODE = "queue"
    COMMANDS: ClassVar = {TicketProvider, DeskCommandsProvider, AgentProvider}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "mode('queue')", "Queue", show=False, id="app.mode.queue"),
        Binding("2", "mode('sla')", "SLA", show=False, id="app.mode.sla"),
        Binding("3", "mode('changes')", "Changes", show=False, id="app.mode.changes"),
        Binding("4", "mode('problems')", "Problems", show=False, id="app.mode.problems"),
        Binding("5", "mode('events')", "Events", show=False, id="app.mode.events"),
        Binding("6", "mode('handover')", "Handover", show=False, id="app.mode.handover"),
        Binding("colon", "command_line", "Command", id="app.command_line"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+q", "quit_desk", "Quit", id="app.quit", priority=True),
    ]

    def __init__(self, desk: Desk, *, poll: bool = True) -> None:
        super().__init__()
        self.desk = desk
        self.pulse: queue.Pulse | None = None
        self._poll_enabled = poll
        self._polling: Worker[None] | None = None
        self._poll_again = False
        self.drafts_unsaved: Callable[[], bool] = lambda: False

    def notify(self, message: str, *, markup: bool = False, **kwargs: Any) -> None:  # type: ignore[override]
        """Notices carry refs, titles and typed commands: never parsed as markup."""
        super().notify(message, markup=False, **kwargs)

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

    def _pulse_problem(self, message: str) -> None:
        for line in self.screen.query(StatusLine):
            line.problem = message

    def _pulse_arrived(self, fresh: queue.Pulse) -> None:
        changed = self.pulse is not None and fresh.token != self.pulse.token
        self.pulse = fresh
        for line in self.screen.query(StatusLine):
            line.problem = ""
            line.pulse = fresh
        if changed:
            for screen in self.screen_stack:
                screen.post_message(DeskChanged(fresh))

    def changed_here(self) -> None:
        """After our own write: look again now rather than at the next tick."""
        self._poll()

    # -- navigation -------------------------------------------------------------------------

    def action_mode(self, mode: str) -> None:
        self.switch_mode(mode)

    def action_command_line(self) -> None:
        self.push_screen(CommandLine(), self._run_command)

    def _run_command(self, text: str | None) -> None:
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

            self.push_screen(SlaReportScreen())
        elif word == "handover":
            self.switch_mode("handover")
        elif word == "reports":
            from deskterm.tui.reports.reports import ReportsScreen

            self.push_screen(ReportsScreen())
        elif word == "new":
            self.log_call()
        elif word == "help":
            self.action_help()
        else:
            self.open_ticket(text, unknown_command=True)

    def open_ticket(self, ref: str, *, unknown_command: bool = False) -> None:
        from deskterm.tui.tickets.ticket import TicketScreen

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
            self.call_from_thread(self.push_screen, TicketScreen(canonical))

        self.run_worker(work, thread=True, group="open-ticket")

    def log_call(self) -> None:
        from deskterm.tui.tickets.log_call import LogCallDialog

        self.push_screen(LogCallDialog(), self._logged)

    def _logged(self, ref: str | None) -> None:
        if ref:
            self.notify(f"Logged {ref}", timeout=6)
            self.changed_here()

    def bulk_action(self, what: str, refs: list[str], done: Callable[[], None]) -> None:
        from deskterm.tui.tickets.bulk import BulkDialog

        def finished(result: str | None) -> None:
            if result:
                self.notify(result, timeout=6)
                done()
                self.changed_here()

        self.push_screen(BulkDialog(what, refs), finished)

    def action_help(self) -> None:
        """Help is generated from the active bindings: keys with one action share a line."""
        screen = self.screen
        merged: dict[str, list[str]] = {}
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.system or key.startswith("super+"):
                continue
            shown = self.get_key_display(binding) or key
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


def run(desk: Desk) -> int:
    """Run the desk; a hang-up (dropped SSH link) saves drafts before the process goes."""
    app = DeskApp(desk)

    def hang_up(_signum: int, _frame: object) -> None:
        app.save_drafts()
        app.exit()

    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, hang_up)
    with contextlib.suppress(KeyboardInterrupt):
        app.run()
    return app.return_code or 0
