"""The ``:`` command line (k9s style): ``:inc``, ``:sla``, ``:q``, ``:help``, or a ref to jump to."""

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Input, Label

COMMANDS = {
    "inc": "the ticket queue",
    "queue": "the ticket queue",
    "sla": "the SLA monitor",
    "chg": "the change board",
    "prb": "problems and the known error database",
    "evt": "the event console",
    "report": "the service level report",
    "handover": "the shift handover",
    "reports": "service desk reports and KPIs",
    "admin": "the team: agents and groups",
    "new": "log a call",
    "help": "keys of this screen",
    "q": "quit",
    "quit": "quit",
}


class CommandLine(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="command_line.cancel"),
    ]

    def compose(self) -> ComposeResult:
        yield Label(
            "inc sla chg prb evt handover report(s) admin new help q · or a ref: INC-42", id="command-hint"
        )
        yield Input(placeholder=":", id="command-input")

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip().lstrip(":").strip())
