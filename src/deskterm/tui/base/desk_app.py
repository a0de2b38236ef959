"""What screens may ask of the desk application, typed, without importing the app.

The app module imports every screen (lazily) to open them; screens in turn ask the app to open
records, log a call or look again at the desk. Declaring those calls here, on a base class the
app implements, gives screens a typed ``desk_app(self)`` and keeps the import graph acyclic.
"""

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from textual.app import App
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.screen import Screen

from deskterm.services.core.context import Desk
from deskterm.services.tickets.queue import Pulse


class ContextExecutor(ThreadPoolExecutor):
    """Thread workers that run in the context of the task that started them.

    Textual runs ``@work(thread=True)`` bodies through the loop's default executor, which (unlike
    ``asyncio.to_thread``) does not copy context variables. Without the app's context a worker
    finds its app through its widget's parents, so a worker whose screen was closed while it
    ran (escape, a jump with 1-6) raised ``NoActiveAppError`` on ``self.app`` and the desk died
    (the key monkey found it). With the context copied ``self.app`` always answers, and
    :func:`alive` drops results meant for closed screens.
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> "Future[Any]":
        context = contextvars.copy_context()
        return super().submit(context.run, fn, *args, **kwargs)


class DeskAppBase(App[None]):
    """The desk application as its screens see it. ``DeskApp`` fills in the navigation."""

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.pulse: Pulse | None = None
        self.drafts_unsaved: Callable[[], bool] = lambda: False

    def on_load(self) -> None:
        """Before any screen starts a worker: thread workers run in the app's context."""
        asyncio.get_running_loop().set_default_executor(ContextExecutor(thread_name_prefix="desk-worker"))

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


def alive(node: DOMNode, fn: Callable[..., object]) -> Callable[..., None]:
    """A worker's result for ``node``, run on the UI thread only while ``node`` is still shown.

    A worker can finish after the agent has closed its screen (escape, a jump with 1-6): its
    widgets are gone then, and the result has nowhere to go. It is dropped, not an error.
    """

    def run(*args: Any, **kwargs: Any) -> None:
        if not node.is_attached:
            return
        try:
            fn(*args, **kwargs)
        except NoMatches:
            screen = node if isinstance(node, Screen) else node.screen
            if screen in node.app.screen_stack and node.is_attached:
                raise  # a real bug: the screen is open and lacks the widget
            # else the screen is closing: its widgets went first

    return run
