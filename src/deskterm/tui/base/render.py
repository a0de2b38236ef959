"""Untrusted text -> Rich Text, never markup, never a terminal escape.

Everything a person or a machine typed (titles, notes, names, event messages) goes through
``safe`` before it reaches a widget: Text objects are not parsed for markup, and
``neutralise`` turns control characters into visible symbols.
"""

import re
from collections.abc import Sequence
from typing import Protocol, TypeVar

from rich.text import Text

from deskterm.domain.core.text import neutralise


def safe(value: object, style: str = "", *, multiline: bool = False) -> Text:
    """A Text that shows ``value`` exactly as typed, control characters made visible."""
    raw = "" if value is None else str(value)
    return Text(neutralise(raw, keep_newlines=multiline), style=style, no_wrap=not multiline)


# "…; deskterm ticket list shows the open ones", "… (deskterm agent list shows them all)":
# the services speak to the command line too; on a screen the agent has the keys instead.
_CLI_HINT = re.compile(r"(?:\s*;\s*(?:see |run |add one with: |e\.g\. )?|\s*\()deskterm [^;()]*\)?\s*$")


#: After an assignee's login when the agent was deactivated: the ticket is nobody's work now.
INACTIVE = " (inactive)"


def for_screen(message: str) -> str:
    """A service's message without its command-line hint (never tell an agent at the desk
    to go and type a shell command)."""
    return _CLI_HINT.sub("", message).rstrip(" ;,") or message


def cell(value: object, width: int, style: str = "") -> Text:
    """``value`` cut (with …) and padded to exactly ``width`` terminal cells; CJK-aware."""
    text = safe(value, style)
    text.truncate(width, overflow="ellipsis", pad=True)
    return text


class _Column(Protocol):
    @property
    def width(self) -> int: ...  # 0: takes the rest


C = TypeVar("C", bound=_Column)


def fit_columns(columns: Sequence[C], width: int) -> list[tuple[C, int]]:
    """Give each fixed column its width and the flexible one (width 0) what is left,
    one space between columns, never less than 8 cells for the flexible one."""
    fixed = sum(c.width for c in columns) + len(columns) - 1
    flex = max(8, width - fixed)
    return [(c, c.width or flex) for c in columns]
