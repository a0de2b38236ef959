"""The untrusted-text policy.

Text from people and machines (titles, notes, names, emails, event messages) is stored
exactly as given and neutralised only when shown: control characters and escape sequences
become visible symbols, so nothing can move the cursor, change colours or set a title.
Markup safety is the renderer's job (it never parses markup from this text).
"""

import unicodedata

TITLE_MAX = 200
BODY_MAX = 20_000

# Bidirectional overrides can make text read differently from what is stored.
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def _visible(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀..␟, e.g. ESC -> ␛
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0x80 <= code <= 0x9F or ch in _BIDI:
        return "\ufffd"
    return ch


def neutralise(text: str, *, keep_newlines: bool = False) -> str:
    """Make ``text`` safe to write to a terminal: no control or escape sequence survives."""
    out = []
    for ch in text:
        if keep_newlines and ch in "\n\t":
            out.append(ch)
        else:
            out.append(_visible(ch))
    return "".join(out)


def single_line(text: str) -> str:
    """Titles and names live on one line: runs of whitespace (newlines too) become one space."""
    return " ".join(text.split())


def cell_width(text: str) -> int:
    """Terminal cells taken by ``text``: wide (CJK) characters take two, combining marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def fit(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` cells (with an ellipsis) and pad it to exactly that width."""
    if width <= 0:
        return ""
    if cell_width(text) <= width:
        return text + " " * (width - cell_width(text))
    out, used = [], 0
    for ch in text:
        w = 0 if unicodedata.combining(ch) else cell_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…" + " " * (width - used - 1)
