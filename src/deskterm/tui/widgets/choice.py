"""A drop-down that cannot be crashed by a key typed before its list is laid out.

Textual's ``Select`` opens an ``OptionList`` overlay whose line map is built on layout; a
``pagedown`` or ``pageup`` that arrives in the same instant (type-ahead, the key monkey, a paste)
looks a line up in an empty map and raises ``KeyError`` (seen in CI as monkey seed 1: ``enter`` on
a drop-down, then ``pagedown``). Until the map exists a page move has nothing to move over, so
it does nothing; every other behaviour is Textual's.
"""

from typing import Literal

from textual.app import ComposeResult
from textual.widgets import Select
from textual.widgets._select import SelectCurrent, SelectOverlay, SelectType


class ChoiceOverlay(SelectOverlay):
    """The pop-up list of a ``Choice``: page moves wait for the list to be laid out."""

    def _move_page(self, direction: Literal[-1, 1]) -> None:
        if not self._lines or (self.highlighted or 0) not in self._index_to_line:
            return
        super()._move_page(direction)


class Choice(Select[SelectType]):
    """``Select`` with a ``ChoiceOverlay``: the same widget, styles and messages."""

    def compose(self) -> ComposeResult:
        yield SelectCurrent(self.prompt)
        yield ChoiceOverlay(type_to_search=self._type_to_search).data_bind(compact=Select.compact)
