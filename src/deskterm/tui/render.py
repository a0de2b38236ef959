"""Untrusted text -> Rich Text, never markup, never a terminal escape.

Everything a person or a machine typed (titles, notes, names, event messages) goes through
``safe`` before it reaches a widget: Text objects are not parsed for markup, and
``neutralise`` turns control characters into visible symbols.
"""

from rich.text import Text

from deskterm.domain.text import neutralise


def safe(value: object, style: str = "", *, multiline: bool = False) -> Text:
    """A Text that shows ``value`` exactly as typed, control characters made visible."""
    raw = "" if value is None else str(value)
    return Text(neutralise(raw, keep_newlines=multiline), style=style, no_wrap=not multiline)


def cell(value: object, width: int, style: str = "") -> Text:
    """``value`` cut (with …) and padded to exactly ``width`` terminal cells; CJK-aware."""
    text = safe(value, style)
    text.truncate(width, overflow="ellipsis", pad=True)
    return text
