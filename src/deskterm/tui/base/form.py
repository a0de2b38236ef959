"""A keyboard form in a dialog: fields, errors next to their field, submit in a worker.

The submit function runs off the UI thread and either returns a message (the dialog closes
with it) or raises a DesktermError (the dialog stays, with everything typed still there, and
the error shows under the field it names, or at the bottom).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, Select, TextArea

from deskterm.services.core.errors import DesktermError
from deskterm.services.core.search import Suggestion
from deskterm.tui.base.desk_app import alive
from deskterm.tui.base.dialog import DeskDialog
from deskterm.tui.base.render import for_screen, safe
from deskterm.tui.widgets.choice import Choice
from deskterm.tui.widgets.lookup import Lookup


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text | area | select | int | lookup
    options: Sequence[tuple[str, str]] = ()  # (label, value) for select
    load: Callable[[], Sequence[tuple[str, str]]] | None = None  # options read in a worker
    find: Callable[[str], list[Suggestion]] | None = None  # lookup: fuzzy matches as the agent types
    value: str = ""
    placeholder: str = ""
    aliases: Sequence[str] = field(default_factory=tuple)  # error field names that land here


Submit = Callable[[dict[str, Any]], str]
Question = Callable[[dict[str, Any]], str | None]  # an irreversible submit asks this first


class FormDialog(DeskDialog[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Save", id="form.save"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        submit: Submit,
        *,
        hint: str = "",
        confirm: Question | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.fields = list(fields)
        self.submit_fn = submit
        self.hint = hint
        self.confirm = confirm
        self.busy = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog form"):
            yield Label(safe(self.title_text, "bold"), classes="form-title")
            for f in self.fields:
                yield Label(f.label, classes="form-label")
                yield self._widget(f)
                yield Label("", id=f"error-{f.name}", classes="form-error")
            yield Label("", id="error-form", classes="form-error")
            yield Label(self.hint or "ctrl+s save · escape cancel · tab next field", classes="dialog-keys")

    def on_mount(self) -> None:
        for label in self.query(".form-error"):
            label.display = False
        if self.fields:
            self._focus_field(self.fields[0].name)
        self.initial = self.values()
        for f in self.fields:
            if f.load is not None:
                self._load_options(f)

    def _load_options(self, f: Field) -> None:
        """Options that come from the database are read off the UI thread."""
        loader = f.load
        assert loader is not None

        def work() -> None:
            try:
                options = list(loader())
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error")
                return
            self.app.call_from_thread(alive(self, self._set_options), f, options)

        self.run_worker(work, thread=True, group=f"options-{f.name}")

    def _set_options(self, f: Field, options: list[tuple[str, str]]) -> None:
        select = self.query_one(f"#field-{f.name}", Select)
        chosen = None if select.is_blank() else select.value
        select.set_options(options)
        if chosen is not None and any(value == chosen for _, value in options):
            select.value = chosen

    def _focus_field(self, name: str) -> None:
        widget = self.query_one(f"#field-{name}")
        if isinstance(widget, Lookup):
            widget.focus_input()
        else:
            widget.focus()

    def _widget(self, f: Field) -> Any:
        wid = f"field-{f.name}"
        if f.kind == "lookup" and f.find is not None:
            lookup = Lookup(f.find, placeholder=f.placeholder, id=wid, classes="form-field")
            lookup.initial_text = f.value
            return lookup
        if f.kind == "area":
            area = TextArea(
                f.value, id=wid, classes="form-area form-field", soft_wrap=True, show_line_numbers=False
            )
            return area
        if f.kind == "select":
            options = list(f.options) or ([(f.value, f.value)] if f.value else [])
            return Choice(
                options,
                value=f.value if f.value else Select.NULL,
                allow_blank=not f.value,
                id=wid,
                classes="form-field",
            )
        return Input(
            f.value,
            placeholder=f.placeholder,
            id=wid,
            type="integer" if f.kind == "int" else "text",
            classes="form-field",
        )

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.fields:
            widget = self.query_one(f"#field-{f.name}")
            if isinstance(widget, Lookup):
                out[f.name] = widget.value if widget.value is not None else widget.text.strip()
            elif isinstance(widget, TextArea):
                out[f.name] = widget.text
            elif isinstance(widget, Select):
                out[f.name] = None if widget.is_blank() else widget.value
            elif isinstance(widget, Input):
                out[f.name] = widget.value
        return out

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        """``enter`` in the last field saves; elsewhere it moves on, as in log a call."""
        event.stop()
        last = self.query(".form-field").last() if self.query(".form-field") else None
        if last is not None and (event.input is last or event.input in last.query(Input)):
            self.action_submit()
        else:
            self.focus_next()

    def typed(self) -> bool:
        """Whether the agent has typed or chosen anything since the dialog opened."""
        initial = getattr(self, "initial", None)
        return initial is not None and self.values() != initial

    def leave_question(self) -> str | None:
        """Asked before the dialog is dropped by a jump to another screen."""
        return f"Discard what you typed in '{self.title_text}'?" if self.typed() else None

    def action_submit(self) -> None:
        if self.busy:
            return
        question = self.confirm(self.values()) if self.confirm is not None else None
        if question:
            from deskterm.tui.base.confirm import ConfirmDialog

            self.app.push_screen(ConfirmDialog(question), lambda yes: self._send() if yes else None)
            return
        self._send()

    def _send(self) -> None:
        if self.busy:
            return
        self.busy = True
        values = self.values()
        for label in self.query(".form-error").results(Label):
            label.update("")
            label.display = False

        def work() -> None:
            try:
                message = self.submit_fn(values)
            except DesktermError as exc:
                self.app.call_from_thread(alive(self, self._error), exc)
                return
            self.app.call_from_thread(self.finish, message)

        self.run_worker(work, thread=True, group="form-submit")

    def _error(self, exc: DesktermError) -> None:
        self.busy = False
        target = "form"
        named = str(exc.details.get("field", ""))
        for f in self.fields:
            if named and (named == f.name or named in f.aliases):
                target = f.name
        label = self.query_one(f"#error-{target}", Label)
        label.update(safe(for_screen(exc.message), multiline=True))
        label.display = True
        if target != "form":
            self._focus_field(target)

    def action_cancel(self) -> None:
        """``escape``: closes at once when nothing was typed, else asks first."""
        if not self.typed():
            self.dismiss(None)
            return
        from deskterm.tui.base.confirm import ConfirmDialog

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog(f"Discard what you typed in '{self.title_text}'?"), answered)
