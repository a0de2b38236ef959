"""Log a call (``n``): one keyboard form for an incident or a service request.

Caller, service and CI by fuzzy lookup (or a new caller inline), impact and urgency with the
resulting priority shown live, errors next to their field. The form is autosaved as a draft
every few seconds and on SIGHUP, and offered back at the next start.
"""

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Select, TextArea

from deskterm.domain.core.vocabulary import Channel, Level, TicketKind
from deskterm.services.core import drafts, search
from deskterm.services.core.commands import AddContact, LogIncident, validate
from deskterm.services.core.errors import DesktermError, InvalidInput
from deskterm.services.people import people
from deskterm.services.tickets import tickets
from deskterm.tui.base.desk_app import alive, desk_app
from deskterm.tui.base.dialog import DeskDialog
from deskterm.tui.base.render import for_screen, safe
from deskterm.tui.problems.kedb_panel import KedbPanel
from deskterm.tui.widgets.choice import Choice
from deskterm.tui.widgets.lookup import Lookup

DRAFT = "log-call"
AUTOSAVE_SECONDS = 3.0
LEVELS = [(lvl.value, lvl.value) for lvl in Level]


class LogCallDialog(DeskDialog[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="log_call.save"),
        Binding("ctrl+n", "new_caller", "New caller", id="log_call.new_caller"),
        Binding("ctrl+o", "known_error", "Use known error", id="log_call.known_error"),
        Binding("escape", "leave", "Cancel", id="log_call.cancel"),
    ]

    def __init__(self, draft: dict[str, Any] | None = None) -> None:
        super().__init__(classes="dialog-screen log-call")
        self.draft = draft or {}
        self.busy = False
        self.new_caller_id: str | None = None

    def compose(self) -> ComposeResult:
        desk = desk_app(self).desk
        with VerticalScroll(classes="dialog form", id="log-call-form"):
            yield Label(Text("Log a call", style="bold"), classes="form-title")
            with Horizontal(classes="form-row"):
                yield Choice(
                    [("incident", "incident"), ("service request", "request")],
                    value="incident",
                    allow_blank=False,
                    compact=True,
                    id="field-kind",
                )
                yield Choice(
                    [(c.value, c.value) for c in Channel if c is not Channel.EVENT],
                    value="phone",
                    allow_blank=False,
                    compact=True,
                    id="field-channel",
                )
            yield Label("Caller (name, email or phone; ctrl+n for a new caller)", classes="form-label")
            yield Lookup(
                lambda text: search.callers(desk, text), placeholder="who is calling?", id="field-caller"
            )
            yield Label("", id="error-caller", classes="form-error")
            with Vertical(id="new-caller"):
                yield Input(placeholder="new caller's name", id="field-new_name")
                yield Input(placeholder="email", id="field-new_email")
                yield Input(placeholder="phone", id="field-new_phone")
            yield Label("Title", classes="form-label")
            yield Input(placeholder="what is wrong, in a few words", id="field-title")
            yield Label("", id="error-title", classes="form-error")
            yield Label("Description", classes="form-label")
            yield TextArea(id="field-description", classes="form-area", soft_wrap=True)
            yield Label("", id="error-description", classes="form-error")
            yield KedbPanel(title="Known errors (ctrl+o marks one to apply)", id="log-call-kedb")
            yield Label("Service", classes="form-label")
            yield Lookup(lambda text: search.services(desk, text), placeholder="service", id="field-service")
            yield Label("", id="error-service", classes="form-error")
            yield Label("Configuration item", classes="form-label")
            yield Lookup(
                lambda text: search.cis(desk, text, self._service_name()), placeholder="CI", id="field-ci"
            )
            yield Label("", id="error-ci", classes="form-error")
            yield Label("Category", classes="form-label")
            yield Input(placeholder="e.g. access, hardware, software", id="field-category")
            yield Label("Impact · Urgency → Priority", classes="form-label")
            with Horizontal(classes="form-row"):
                yield Choice(LEVELS, value="medium", allow_blank=False, compact=True, id="field-impact")
                yield Choice(LEVELS, value="medium", allow_blank=False, compact=True, id="field-urgency")
                yield Label("", id="priority")
            yield Label("", id="error-form", classes="form-error")
            yield Label("ctrl+s save · tab next · escape cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#new-caller").display = False
        for label in self.query(".form-error"):
            label.display = False
        self._restore(self.draft)
        self._show_priority()
        self.query_one("#field-caller Input").focus()
        self.set_interval(AUTOSAVE_SECONDS, self.autosave)
        desk_app(self).drafts_unsaved = self.has_input

    def on_unmount(self) -> None:
        desk_app(self).drafts_unsaved = lambda: False

    # -- values and drafts ------------------------------------------------------------------

    def _service_name(self) -> str | None:
        lookup = self.query_one("#field-service", Lookup)
        return lookup.value

    def values(self) -> dict[str, Any]:
        def text(sel: str) -> str:
            return self.query_one(sel, Input).value

        def choice(sel: str) -> str:
            return str(self.query_one(sel, Select).value)

        caller = self.query_one("#field-caller", Lookup)
        service = self.query_one("#field-service", Lookup)
        ci = self.query_one("#field-ci", Lookup)
        return {
            "kind": choice("#field-kind"),
            "channel": choice("#field-channel"),
            "caller": caller.value,
            "caller_text": caller.text,
            "new_name": text("#field-new_name"),
            "new_email": text("#field-new_email"),
            "new_phone": text("#field-new_phone"),
            "title": text("#field-title"),
            "description": self.query_one("#field-description", TextArea).text,
            "service": service.value,
            "service_text": service.text,
            "ci": ci.value,
            "ci_text": ci.text,
            "category": text("#field-category"),
            "impact": choice("#field-impact"),
            "urgency": choice("#field-urgency"),
        }

    def has_input(self) -> bool:
        v = self.values()
        return any(
            v[k] for k in ("caller_text", "new_name", "title", "description", "service_text", "ci_text")
        )

    def _restore(self, d: dict[str, Any]) -> None:
        if not d:
            return
        for key in ("title", "category", "new_name", "new_email", "new_phone"):
            if d.get(key):
                self.query_one(f"#field-{key}", Input).value = str(d[key])
        if d.get("description"):
            self.query_one("#field-description", TextArea).text = str(d["description"])
        for key in ("kind", "channel", "impact", "urgency"):
            if d.get(key):
                self.query_one(f"#field-{key}", Select).value = d[key]
        for key in ("caller", "service", "ci"):
            lookup = self.query_one(f"#field-{key}", Lookup)
            if d.get(key):
                lookup.value, lookup.label = d[key], d.get(f"{key}_text") or d[key]
            if d.get(f"{key}_text"):
                lookup.set_text(str(d[f"{key}_text"]))
        if d.get("new_name"):
            self.query_one("#new-caller").display = True

    def leave_question(self) -> str | None:
        """Asked before a jump to another screen drops the dialog (the draft is kept)."""
        if not self.has_input():
            return None
        return "Leave the call you are logging? It is kept as a draft: n brings it back."

    def autosave(self) -> None:
        if self.has_input():
            drafts.save_draft(DRAFT, self.values())

    # -- reactions ----------------------------------------------------------------------------

    @on(Select.Changed)
    def _level_changed(self) -> None:
        self._show_priority()

    def _show_priority(self) -> None:
        desk = desk_app(self).desk
        try:
            impact = Level(str(self.query_one("#field-impact", Select).value))
            urgency = Level(str(self.query_one("#field-urgency", Select).value))
        except ValueError:
            return
        priority = desk.matrix.priority(impact, urgency)
        label = Text(" = ")
        label.append(f" {priority.value} ", "bold reverse" if priority.value in ("P1", "P2") else "bold")
        self.query_one("#priority", Label).update(label)

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def action_new_caller(self) -> None:
        box = self.query_one("#new-caller")
        box.display = not box.display
        if box.display:
            name = self.query_one("#field-new_name", Input)
            if not name.value:
                name.value = self.query_one("#field-caller", Lookup).text
            name.focus()

    def action_leave(self) -> None:
        if not self.has_input():
            drafts.discard_draft(DRAFT)
            self.dismiss(None)
            return
        from deskterm.tui.base.confirm import ConfirmDialog

        def answered(discard: bool | None) -> None:
            if discard:
                drafts.discard_draft(DRAFT)
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog("Discard this call? What you typed will be lost."), answered)

    # -- the KEDB as the agent types -------------------------------------------------------------

    @on(Input.Changed, "#field-title")
    @on(TextArea.Changed, "#field-description")
    @on(Lookup.Chosen)
    def _kedb_lookup(self) -> None:
        v = self.values()
        self.query_one(KedbPanel).look_for(
            f"{v['title']} {v['description']}", service=v["service"], ci=v["ci"]
        )

    def action_known_error(self) -> None:
        hit = self.query_one(KedbPanel).step()
        if hit is not None:
            self.notify(f"{hit.ref} will be applied when the call is saved: {hit.workaround[:80]}", timeout=6)

    def _apply_known_error(self, desk: Any, ke: str, ref: str) -> None:
        """In the save worker, after logging: the call is saved even if this fails."""
        from deskterm.services.problems import kedb

        try:
            kedb.apply_known_error(desk, ke, ref)
        except DesktermError as exc:
            self.app.call_from_thread(self.app.notify, f"{ref} logged; {ke} not applied: {exc.message}")
            return
        self.app.call_from_thread(self.app.notify, f"{ke} applied to {ref}: workaround recorded", timeout=6)

    # -- save -------------------------------------------------------------------------------

    def action_save(self) -> None:
        if self.busy:
            return
        self.busy = True
        values = self.values()
        for label in self.query(".form-error").results(Label):
            label.update("")
            label.display = False
        desk = desk_app(self).desk
        marked = self.query_one(KedbPanel).marked

        def work() -> None:
            try:
                ref = self._log(desk, values)
            except DesktermError as exc:
                self.app.call_from_thread(alive(self, self._error), exc)
                return
            drafts.discard_draft(DRAFT)
            if marked is not None:
                self._apply_known_error(desk, marked.ref, ref)
            self.app.call_from_thread(self.finish, ref)

        self.run_worker(work, thread=True, group="log-call")

    def _log(self, desk: Any, v: dict[str, Any]) -> str:
        caller = v["caller"] or self.new_caller_id
        if caller is None and v["new_name"].strip():
            contact = people.add_contact(
                desk,
                validate(
                    AddContact,
                    name=v["new_name"],
                    email=v["new_email"].strip() or None,
                    phone=v["new_phone"].strip() or None,
                ),
            )
            caller = self.new_caller_id = f"#{contact.id}"
        if caller is None:
            raise InvalidInput(
                "pick a caller from the matches (arrows, enter), or press ctrl+n to add a new one",
                field="caller",
            )
        for key in ("service", "ci"):
            if v[f"{key}_text"].strip() and not v[key]:
                raise InvalidInput(f"pick a {key} from the matches, or clear the field", field=key)
        cmd = validate(
            LogIncident,
            title=v["title"],
            caller=caller,
            impact=v["impact"],
            urgency=v["urgency"],
            kind=TicketKind(v["kind"]),
            channel=v["channel"],
            description=v["description"],
            category=v["category"].strip() or None,
            service=v["service"],
            ci=v["ci"],
        )
        return tickets.log_incident(desk, cmd).ref

    def _error(self, exc: DesktermError) -> None:
        self.busy = False
        field = str(exc.details.get("field", "form"))
        if field == "new caller":
            field = "caller"
        targets = {"caller", "title", "description", "service", "ci"}
        target = field if field in targets else "form"
        if field.startswith("email") or field.startswith("name") or field.startswith("phone"):
            target = "caller"
        label = self.query_one(f"#error-{target}", Label)
        label.update(safe(for_screen(exc.message), multiline=True))
        label.display = True
