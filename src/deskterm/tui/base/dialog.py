"""What every dialog shares: ``1``-``6`` reach the main screens from inside it.

Textual stops the app's bindings at a modal screen, so the number keys are declared here
again, with the app's ids (a keymap entry for ``app.mode.queue`` moves both). A digit typed
into a text field stays text: fields consume printable keys before bindings see them.
``alt+N`` is the same key: ``escape`` then ``N`` typed fast (or sent in one SSH packet) reaches
a terminal program as ESC N, which is alt+N.
"""

from typing import ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

ResultT = TypeVar("ResultT")

MODES = ("queue", "sla", "changes", "problems", "events", "handover")

MODE_KEYS: list[BindingType] = [
    Binding(f"{n},alt+{n}", f"app.mode('{mode}')", mode.capitalize(), show=False, id=f"app.mode.{mode}")
    for n, mode in enumerate(MODES, 1)
]


class DeskDialog(ModalScreen[ResultT]):
    BINDINGS: ClassVar[list[BindingType]] = MODE_KEYS

    _pending: tuple[ResultT] | None = None

    def finish(self, result: ResultT) -> None:
        """Close with ``result`` (from a worker's callback). ``dismiss`` pops whatever screen is
        on top: when the agent has opened the palette or a question over this dialog meanwhile,
        the result waits until the dialog is on top again; when the dialog was closed (a jump
        with 1-6), there is nothing left to close."""
        if not self.is_attached or self not in self.app.screen_stack:
            return
        if self.app.screen is self:
            self.dismiss(result)
        else:
            self._pending = (result,)

    def on_screen_resume(self) -> None:
        # the resume is handled a moment after the dialog came back on top: it may have been
        # closed meanwhile (a jump with 1-6), or covered again
        if self._pending is not None and self.app.screen is self:
            (result,) = self._pending
            self._pending = None
            self.dismiss(result)
