"""The shift handover screen (key 6, ``:handover``): the live digest of a shift, section by
section, with the outgoing agent's notes; ``o`` writes the overall note, ``e`` a note on the
item under the cursor, ``s`` signs the shift off, ``a`` acknowledges the handover waiting for
this shift. ``[`` and ``]`` walk to the previous and next shift.

Every database call runs in a thread worker; a signed-off shift shows what was handed over.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from deskterm.services.core.errors import DesktermError
from deskterm.services.handover import handover
from deskterm.services.handover.handover import Digest, SlaLine, TicketLine
from deskterm.tui.base.desk_app import alive, desk_app
from deskterm.tui.base.dialog import DeskDialog
from deskterm.tui.base.messages import DeskChanged
from deskterm.tui.base.render import INACTIVE, safe
from deskterm.tui.base.screens import DeskScreen
from deskterm.tui.widgets.status_line import StatusLine

STATE_LABEL = {
    None: "○ not signed off",
    "draft": "✎ draft",
    "signed-off": "✔ signed off",
    "acknowledged": "✔✔ acknowledged",
}


def _hm(at: datetime | None) -> str:
    return at.astimezone().strftime("%m-%d %H:%M") if at is not None else "-"


class HandoverScreen(DeskScreen):
    HELP_TITLE = "handover"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "overall_note", "Note", id="handover.note"),
        Binding("e", "item_note", "Item note", id="handover.item_note"),
        Binding("s", "sign_off", "Sign off", id="handover.sign_off"),
        Binding("a", "acknowledge", "Acknowledge", id="handover.ack"),
        Binding("left_square_bracket", "shift(-1)", "Prev shift", id="handover.prev"),
        Binding("right_square_bracket", "shift(1)", "Next shift", id="handover.next"),
        Binding("enter", "open", "Open", show=False, id="handover.open"),
        Binding("l", "history", "Handovers", id="handover.history"),
        Binding("n", "now", "This shift", show=False, id="handover.now"),
        Binding("j", "cursor(1)", "Down", show=False, id="handover.down"),
        Binding("k", "cursor(-1)", "Up", show=False, id="handover.up"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="handover.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__(classes="handover-screen")
        self.spec = "now"
        self.digest: Digest | None = None
        self.refs: list[str | None] = []  # the ref of each option, None for headings
        self._generation = 0

    def compose_body(self) -> ComposeResult:
        yield Static(id="handover-bar")
        yield OptionList(id="handover-items")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#handover-bar", Static).update(Text("Handover: reading…", "dim"))
        self.query_one(OptionList).focus()
        self.load()

    # -- reading ----------------------------------------------------------------------------

    def load(self) -> None:
        desk = desk_app(self).desk
        spec = self.spec
        self._generation += 1
        generation = self._generation

        def work() -> None:
            try:
                d = handover.digest(desk, spec)
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error", timeout=8)
                return
            self.app.call_from_thread(alive(self, self._arrived), generation, d)

        self.run_worker(work, thread=True, exclusive=True, group="handover-load")

    def _arrived(self, generation: int, d: Digest) -> None:
        """Only the newest read is shown: an older one may finish after a later write."""
        if generation == self._generation:
            self._show(d)

    def _show(self, d: Digest) -> None:
        self.digest = d
        self.query_one("#handover-bar", Static).update(self._bar(d))
        items = self.query_one(OptionList)
        keep = self.current_ref()
        options, refs = self._options(d, max(20, items.size.width - 2))
        self.refs = refs
        items.clear_options()
        items.add_options(options)
        index = (
            refs.index(keep)
            if keep is not None and keep in refs
            else next((i for i, r in enumerate(refs) if r), None)
        )
        if index is not None:
            items.highlighted = index

    def _bar(self, d: Digest) -> Text:
        h = d.handover
        state = STATE_LABEL[h.status if h else None]
        bar = Text()
        bar.append(f"{d.shift.key} ", "bold")
        bar.append(f"{d.shift.start.astimezone():%H:%M}-{d.shift.end.astimezone():%H:%M}  ")
        bar.append(state, "bold")
        if h and h.outgoing:
            bar.append_text(safe(f" by {h.outgoing}"))
        if h and h.acknowledged_by:
            bar.append_text(safe(f", ack {h.acknowledged_by}"))
        if not d.live:
            bar.append(" (as handed over)", "dim")
        f = d.flow
        bar.append(f"  in {f.logged} out {f.resolved} backlog {f.backlog_end} ({f.backlog_delta:+d})")
        bar.truncate(max(20, self.size.width - 2), overflow="ellipsis")
        return bar

    def _options(self, d: Digest, width: int) -> tuple[list[Option | None], list[str | None]]:
        options: list[Option | None] = []
        refs: list[str | None] = []

        def heading(title: str, count: int | None = None) -> None:
            text = Text(f"{title}" + (f" ({count})" if count is not None else ""), "bold underline")
            options.append(Option(text, disabled=True))
            refs.append(None)

        def fit(text: Text) -> Text:
            text.no_wrap = True
            text.truncate(width, overflow="ellipsis")
            return text

        def plain(text: Text) -> None:
            options.append(Option(fit(text), disabled=True))
            refs.append(None)

        def item(ref: str, line: Text, extra: list[Text] | None = None) -> None:
            """One selectable line per record; its last update and note follow, not selectable."""
            options.append(Option(fit(line)))
            refs.append(ref)
            for more in extra or []:
                plain(more)
            note = d.item_notes.get(ref)
            if note:
                plain(Text.assemble(("  ✎ ", "bold"), safe(" ".join(note.split()), "italic")))

        def ticket(t: TicketLine, with_update: bool = False) -> None:
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(f"{t.ref:<9}", "bold")
            line.append(f"{t.priority} ")
            if t.major:
                line.append("MAJOR ", "bold reverse")
            line.append(f"{t.status:<11} ")
            line.append_text(safe(t.title))
            owner = t.assignee or "unassigned"
            if t.assignee and not t.assignee_active:
                owner += INACTIVE
            line.append_text(safe(f"  [{t.group or '-'} / {owner}]", "dim"))
            extra = []
            if with_update and t.last_update:
                extra.append(
                    Text.assemble(
                        ("  last ", "dim"),
                        safe(f"{_hm(t.last_update_at)} {t.last_update_by}: {t.last_update}"),
                    )
                )
            item(t.ref, line, extra)

        def sla(s: SlaLine) -> None:
            symbol = "✖" if s.bucket == "breached" else "▲"
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(f"{symbol} {s.ref:<9}", "bold")
            line.append(f"{s.priority} {s.metric:<10} due {_hm(s.due_at)}  ")
            line.append_text(safe(s.title))
            item(s.ref, line)

        if d.note:
            heading("Note")
            for text_line in d.note.splitlines()[:6]:
                plain(safe(text_line))
        heading("Major incidents and P1/P2", len(d.majors))
        for t in d.majors:
            ticket(t, with_update=True)
        heading("SLA breached in the shift", len(d.sla_breached))
        for s in d.sla_breached:
            sla(s)
        heading("SLA due by the end of the next shift", len(d.sla_due_next))
        for s in d.sla_due_next:
            sla(s)
        heading("Unassigned", len(d.unassigned))
        for t in d.unassigned:
            ticket(t)
        heading("Pending, by reason", sum(len(v) for v in d.pending.values()))
        for reason, lines in d.pending.items():
            plain(Text(f" {reason}", "italic"))
            for t in lines:
                ticket(t)
        for title, changes in (
            ("Changes implemented in the shift", d.changes_implemented),
            ("Changes scheduled in the next shift", d.changes_scheduled),
        ):
            if changes is None:
                continue
            heading(title, len(changes))
            for c in changes:
                line = Text(no_wrap=True, overflow="ellipsis")
                line.append(f"{c.ref:<9}", "bold")
                line.append(f"{c.status} {_hm(c.start)}  ")
                line.append_text(safe(c.title))
                if c.collisions:
                    line.append(f"  ⚠ collides {', '.join(c.collisions)}", "bold")
                item(c.ref, line)
        for title, problems in (("New problems", d.problems_new), ("New known errors", d.known_errors_new)):
            if problems is None:
                continue
            heading(title, len(problems))
            for p in problems:
                line = Text(no_wrap=True, overflow="ellipsis")
                line.append(f"{p.ref:<9}", "bold")
                line.append(f"{p.status} ")
                line.append_text(safe(p.title))
                item(p.ref, line)
        if d.event_storms is not None:
            heading("Event storms", len(d.event_storms))
            for e in d.event_storms:
                line = Text(no_wrap=True, overflow="ellipsis")
                line.append(f"{e.ref:<9}", "bold")
                line.append(f"{e.events} events, last {_hm(e.last_at)}  ")
                line.append_text(safe(e.title))
                item(e.ref, line)
        f = d.flow
        heading("Counts")
        plain(
            Text(
                f" logged {f.logged}  resolved {f.resolved}  reopened {f.reopened}  "
                f"backlog {f.backlog_start} → {f.backlog_end} ({f.backlog_delta:+d})"
            )
        )
        return options, refs

    def current_ref(self) -> str | None:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.refs):
            return None
        return self.refs[index]

    # -- acting -----------------------------------------------------------------------------

    def _write(self, fn: Callable[[], Any], done: str) -> None:
        def work() -> None:
            try:
                fn()
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error", timeout=8)
                return
            self.app.call_from_thread(alive(self, self._written), done)

        self.run_worker(work, thread=True, group="handover-write")

    def _written(self, message: str) -> None:
        self.notify(message, timeout=5)
        self.load()
        for line in self.query(StatusLine):
            line.check_handover()

    def _ask_note(self, title: str, value: str, save: Callable[[str], Any], done: str) -> None:
        from deskterm.tui.base.form import Field, FormDialog

        def submit(values: dict[str, Any]) -> str:
            save(str(values.get("note") or ""))
            return done

        def finished(message: str | None) -> None:
            if message:
                self._written(message)

        self.app.push_screen(
            FormDialog(title, [Field("note", "Note", "area", value=value)], submit), finished
        )

    def action_overall_note(self) -> None:
        d = self.digest
        if d is None:
            return
        desk, spec = desk_app(self).desk, self.spec
        self._ask_note(
            f"Handover note for {d.shift.key}",
            d.note,
            lambda text: handover.set_note(desk, text, spec),
            "Handover note saved",
        )

    def action_item_note(self) -> None:
        ref, d = self.current_ref(), self.digest
        if d is None or ref is None:
            self.notify("Move to an item first: a note is on one ticket, change or problem.", timeout=5)
            return
        desk, spec = desk_app(self).desk, self.spec
        self._ask_note(
            f"Note on {ref} for the incoming agent",
            d.item_notes.get(ref, ""),
            lambda text: handover.set_item_note(desk, ref, text, spec),
            f"Note on {ref} saved",
        )

    def action_sign_off(self) -> None:
        from deskterm.tui.base.confirm import ConfirmDialog

        d = self.digest
        if d is None:
            return
        desk, spec = desk_app(self).desk, self.spec

        def answered(yes: bool | None) -> None:
            if yes:
                self._write(lambda: handover.sign_off(desk, None, spec), f"Signed off {d.shift.key}")

        self.app.push_screen(
            ConfirmDialog(f"Sign off the {d.shift.key} handover? Its notes can no longer change."), answered
        )

    def action_acknowledge(self) -> None:
        desk = desk_app(self).desk
        holder: dict[str, str] = {}

        def ack() -> None:
            meta = handover.acknowledge(desk)
            holder["done"] = f"Acknowledged handover {meta.id} from {meta.outgoing or '?'}"

        def work() -> None:
            try:
                ack()
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error", timeout=8)
                return
            self.app.call_from_thread(alive(self, self._written), holder["done"])

        self.run_worker(work, thread=True, group="handover-write")

    def action_shift(self, steps: int) -> None:
        desk, spec = desk_app(self).desk, self.spec

        def work() -> None:
            try:
                key = handover.step(desk, spec, steps)
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error")
                return
            self.app.call_from_thread(alive(self, self._go), key)

        self.run_worker(work, thread=True, group="handover-step")

    def _go(self, spec: str) -> None:
        self.spec = spec
        self.load()

    def action_history(self) -> None:
        self.app.push_screen(HandoverHistory(), lambda key: self._go(key) if key else None)

    def action_now(self) -> None:
        self._go("now")

    def action_open(self) -> None:
        ref = self.current_ref()
        if ref is None:
            return
        if ref.startswith("CHG"):
            from deskterm.tui.changes.change_detail import open_change

            open_change(self.app, ref)
        elif ref.startswith(("PRB", "KE")):
            from deskterm.tui.problems.problems import open_record

            open_record(self.app, ref)
        else:
            desk_app(self).open_ticket(ref)

    def action_cursor(self, step: int) -> None:
        items = self.query_one(OptionList)
        if step > 0:
            items.action_cursor_down()
        else:
            items.action_cursor_up()

    def action_refresh(self) -> None:
        self.load()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open()

    def on_resize(self) -> None:
        if self.digest is not None:
            self._show(self.digest)

    def on_desk_changed(self, message: DeskChanged) -> None:
        self.query_one(StatusLine).pulse = message.pulse
        if self.digest is None or self.digest.live:
            self.load()

    def on_screen_resume(self) -> None:
        if self.digest is not None:
            self.load()


class HandoverHistory(DeskDialog[str | None]):
    """Stored handovers, newest first; typing searches notes, refs, shifts and agents.
    ``enter`` shows the chosen shift; ``escape`` closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close", id="handover_history.close"),
        Binding("down", "focus_list", "List", show=False, id="handover_history.list"),
    ]

    def __init__(self) -> None:
        super().__init__(classes="dialog-screen handover-history")
        self.keys: list[str] = []
        self._generation = 0  # typing outruns the database: only the newest answer is shown

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text("Handovers", "bold"))
            yield Input(placeholder="search words (all must match)", id="handover-search")
            yield OptionList(id="handover-found")
            yield Label(
                "type to search · down to the list · enter shows the shift · escape", classes="dialog-keys"
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.search("")

    def search(self, words: str) -> None:
        desk = desk_app(self).desk
        self._generation += 1
        generation = self._generation

        def work() -> None:
            try:
                rows = handover.list_handovers(desk, limit=100, words=words or None)
            except DesktermError as exc:
                self.app.call_from_thread(self.notify, exc.message, severity="error")
                return
            self.app.call_from_thread(alive(self, self._arrived), generation, rows)

        self.run_worker(work, thread=True, exclusive=True, group="handover-history")

    def _arrived(self, generation: int, rows: list[handover.HandoverRow]) -> None:
        if generation == self._generation:
            self._show(rows)

    def _show(self, rows: list[handover.HandoverRow]) -> None:
        found = self.query_one(OptionList)
        found.clear_options()
        self.keys = [r.shift for r in rows]
        for r in rows:
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(f"{r.shift:<17}", "bold")
            line.append(f"{STATE_LABEL.get(r.status, r.status):<17}")
            line.append_text(safe(f"{r.outgoing or '-':<12} {r.note}"))
            found.add_option(Option(line))
        if not rows:
            found.add_option(Option(Text("no handover matches", "dim"), disabled=True))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.search(event.value.strip())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_focus_list()

    def action_focus_list(self) -> None:
        found = self.query_one(OptionList)
        found.focus()
        if self.keys and found.highlighted is None:
            found.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.keys):
            self.dismiss(self.keys[event.option_index])
