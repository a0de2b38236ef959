"""What every dialog shares: ``1``-``6`` reach the main screens from inside it.

Textual stops the app's bindings at a modal screen, so the number keys are declared here
again, with the app's ids (a keymap entry for ``app.mode.queue`` moves both). A digit typed
into a text field stays text: fields consume printable keys before bindings see them.
"""

from typing import ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

ResultT = TypeVar("ResultT")

MODES = ("queue", "sla", "changes", "problems", "events", "handover")

MODE_KEYS: list[BindingType] = [
    Binding(str(n), f"app.mode('{mode}')", mode.capitalize(), show=False, id=f"app.mode.{mode}")
    for n, mode in enumerate(MODES, 1)
]


class DeskDialog(ModalScreen[ResultT]):
    BINDINGS: ClassVar[list[BindingType]] = MODE_KEYS
