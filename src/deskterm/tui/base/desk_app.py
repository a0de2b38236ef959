"""What screens may ask of the desk application, typed, without importing the app.

The app module imports every screen (lazily) to open them; screens in turn ask the app to open
records, log a call or look again at the desk. Declaring those calls here, on a base class the
app implements, gives screens a typed ``desk_app(self)`` and keeps the import graph acyclic.
"""

from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.dom import DOMNode
from textual.screen import Screen

from deskterm.services.core.context import Desk
from deskterm.services.tickets.queue import Pulse


class DeskAppBase(App[None]):
    """The desk application as its screens see it. ``DeskApp`` fills in the navigation."""

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.pulse: Pulse | None = None
        self.drafts_unsaved: Callable[[], bool] = lambda: False

    def open_screen(
        self,
        screen: Screen[Any],
        key: str | None = None,
        callback: Callable[[Any], None] | None = None,
    ) -> None:
        raise NotImplementedError

    def open_ticket(self, ref: str, *, unknown_command: bool = False) -> None:
        raise NotImplementedError

    def show_ticket(self, ref: str) -> None:
        raise NotImplementedError

    def run_command(self, text: str | None) -> None:
        raise NotImplementedError

    def log_call(self) -> None:
        raise NotImplementedError

    def changed_here(self) -> None:
        raise NotImplementedError

    def bulk_action(self, what: str, refs: list[str], done: Callable[[list[str]], None]) -> None:
        raise NotImplementedError

    def action_mode(self, mode: str) -> None:
        raise NotImplementedError

    def action_help(self) -> None:
        raise NotImplementedError

    def action_quit_desk(self) -> None:
        raise NotImplementedError


def desk_app(node: DOMNode) -> DeskAppBase:
    """The running desk application of any widget or screen (or the app itself)."""
    app = node.app
    if not isinstance(app, DeskAppBase):
        raise TypeError(f"{type(node).__name__} runs outside the desk application")
    return app
