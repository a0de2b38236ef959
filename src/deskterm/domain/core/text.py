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
# Characters that are invisible or reorder/split text: format characters (Cf: bidi marks such
# as U+200F and U+061C, zero-width spaces and joiners, U+FEFF), line/paragraph separators
# (Zl, Zp), lone surrogates (Cs, from undecodable bytes) and private-use or unassigned ones
# are not dangerous on their own but can hide or disguise what is stored.
_HIDDEN_CATEGORIES = frozenset({"Cf", "Zl", "Zp", "Cs"})


def is_unsafe(ch: str) -> bool:
    """True for a character the output policy never lets through as itself."""
    code = ord(ch)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return True
    return ch in _BIDI or unicodedata.category(ch) in _HIDDEN_CATEGORIES


def _visible(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀..␟, e.g. ESC -> ␛
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0x80 <= code <= 0x9F or ch in _BIDI:
        return "\ufffd"
    if unicodedata.category(ch) in _HIDDEN_CATEGORIES:
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


def escape_json(text: str) -> str:
    """A JSON document with every unsafe character inside its strings written as ``\\uXXXX``.

    ``json.dumps(ensure_ascii=False)`` escapes C0 controls but passes DEL, C1 controls, bidi
    and zero-width characters and line separators raw; this escapes them too, so the data
    stays exact for a JSON reader and inert in a terminal. Unsafe characters can only occur
    inside JSON strings, so escaping them keeps the document valid.
    """
    out = []
    for ch in text:
        if ord(ch) >= 0x7F and is_unsafe(ch):
            code = ord(ch)
            if 0xD800 <= code <= 0xDFFF:
                out.append("\\ufffd")  # a lone surrogate cannot be encoded; show the stand-in
            elif code > 0xFFFF:  # a surrogate pair, as JSON spells characters beyond the BMP
                code -= 0x10000
                out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
            else:
                out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
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
