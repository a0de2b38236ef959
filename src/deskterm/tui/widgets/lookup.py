"""A fuzzy lookup field: type, see the best matches below, pick one with arrows and enter."""

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from deskterm.services.core.errors import DesktermError
from deskterm.services.core.search import Suggestion
from deskterm.tui.base.desk_app import alive
from deskterm.tui.base.render import safe

Finder = Callable[[str], list[Suggestion]]


class LookupInput(Input):
    """The text box of a lookup: up/down move through the suggestions below it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "suggest(1)", "Next match", show=False, id="lookup.next"),
        Binding("up", "suggest(-1)", "Previous match", show=False, id="lookup.previous"),
    ]

    def action_suggest(self, step: int) -> None:
        parent = self.parent
        if isinstance(parent, Lookup):
            parent.step(step)


class LookupOptions(OptionList, can_focus=False):
    """The matches under a lookup. Never focused: ``tab`` goes on to the next field and what
    the agent types next lands there (a focusable list took the focus on ``tab`` and swallowed
    a title typed at paste speed). Arrows and enter in the text box choose; a click picks too."""


class Lookup(Vertical):
    """``value`` is the chosen key (``#12``, a name) or None while nothing is chosen."""

    class Chosen(Message):
        def __init__(self, lookup: "Lookup", key: str | None) -> None:
            super().__init__()
            self.lookup = lookup
            self.key = key

    def __init__(
        self, finder: Finder, *, placeholder: str = "", id: str | None = None, classes: str = ""
    ) -> None:
        super().__init__(id=id, classes=f"lookup {classes}".strip())
        self.finder = finder
        self.placeholder = placeholder
        self.value: str | None = None
        self.label: str = ""
        self.initial_text = ""
        self._suggestions: list[Suggestion] = []
        self._shown_for: str | None = None  # the text whose matches are shown

    def compose(self) -> ComposeResult:
        yield LookupInput(self.initial_text, placeholder=self.placeholder, classes="lookup-input")
        yield LookupOptions(classes="lookup-options")

    def focus_input(self) -> None:
        self.query_one(LookupInput).focus()

    def on_mount(self) -> None:
        self.query_one(OptionList).display = False

    @property
    def text(self) -> str:
        return self.query_one(LookupInput).value

    def set_text(self, text: str) -> None:
        self.query_one(LookupInput).value = text

    @on(Input.Changed, ".lookup-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value == self.label and self.value is not None:
            return
        if self.value is not None:
            self.value = None
            self.post_message(self.Chosen(self, None))
        text = event.value

        def work() -> None:
            try:
                found = self.finder(text)
            except DesktermError:
                found = []
            self.app.call_from_thread(alive(self, self._show), text, found)

        self.run_worker(work, thread=True, exclusive=True, group="lookup")

    def _show(self, text: str, found: list[Suggestion]) -> None:
        if text != self.text:
            return
        self._shown_for = text
        self._suggestions = found
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(safe(s.label), id=s.key) for s in found])
        options.display = bool(found) and bool(text.strip())
        if found:
            options.highlighted = 0

    def step(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if not options.display or not self._suggestions:
            return
        current = options.highlighted or 0
        options.highlighted = max(0, min(len(self._suggestions) - 1, current + delta))

    @on(Input.Submitted, ".lookup-input")
    def _picked(self, event: Input.Submitted) -> None:
        text = self.text
        if self.value is None and text.strip() and self._shown_for != text:
            # enter typed before the matches of this text arrived (paste speed, a slow link): look
            # them up now, so that enter picks the best match as it would a moment later
            try:
                found = self.finder(text)
            except DesktermError:
                found = []
            self._show(text, found)
        options = self.query_one(OptionList)
        if options.display and self._suggestions:
            event.stop()
            self.choose(self._suggestions[options.highlighted or 0])
            # a choice by enter moves on, in the same handler: the next key typed goes to the next field
            self.screen.focus_next()

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        for s in self._suggestions:
            if s.key == event.option.id:
                self.choose(s)

    def choose(self, suggestion: Suggestion) -> None:
        self.value = suggestion.key
        self.label = suggestion.label
        self.set_text(suggestion.label)
        self.query_one(OptionList).display = False
        self.post_message(self.Chosen(self, suggestion.key))
