"""The untrusted-text policy: nothing a user typed can drive the terminal, and columns line up."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskterm.domain.core.text import cell_width, fit, neutralise, single_line

BIDI_CONTROLS = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]


def is_dangerous(ch: str) -> bool:
    code = ord(ch)
    return code < 0x20 or code == 0x7F or 0x80 <= code <= 0x9F or ch in BIDI_CONTROLS


# Text a terminal could misread: weighted towards controls, escapes, bidi and wide characters.
nasty_chars = st.one_of(
    st.characters(),
    st.characters(min_codepoint=0, max_codepoint=0x20),
    st.characters(min_codepoint=0x7F, max_codepoint=0x9F),
    st.sampled_from(BIDI_CONTROLS),
    st.sampled_from(["\x1b", "\x1b[31m", "\x1b]0;pwned\x07", "\x9b2J", "\r", "\n", "\t", "\x08"]),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK ideographs
    st.characters(min_codepoint=0x0300, max_codepoint=0x036F),  # combining marks
)
nasty_text = st.lists(nasty_chars, max_size=40).map("".join)

# Printable text: no C0/C1 controls, no DEL, no bidi controls, none of the invisible characters
# the output policy shows as symbols (format characters such as the soft hyphen U+00AD, line and
# paragraph separators); Chinese included.
printable_text = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=("Cc", "Cs", "Cf", "Zl", "Zp")).filter(
            lambda c: c not in BIDI_CONTROLS
        ),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    )
)


# --- neutralise --------------------------------------------------------------------


@given(nasty_text)
def test_neutralise_leaves_no_control_or_bidi_character(text: str) -> None:
    out = neutralise(text)
    assert not [ch for ch in out if is_dangerous(ch)]


@given(nasty_text)
def test_neutralise_keep_newlines_only_lets_newline_and_tab_through(text: str) -> None:
    out = neutralise(text, keep_newlines=True)
    assert not [ch for ch in out if is_dangerous(ch) and ch not in "\n\t"]
    assert out.count("\n") == text.count("\n")
    assert out.count("\t") == text.count("\t")


@given(st.text())
def test_neutralise_arbitrary_text_is_safe(text: str) -> None:
    assert not [ch for ch in neutralise(text) if is_dangerous(ch)]


@given(nasty_text)
def test_neutralise_is_one_symbol_per_character_and_idempotent(text: str) -> None:
    out = neutralise(text)
    assert len(out) == len(text)  # nothing is silently dropped: the user sees where it was
    assert neutralise(out) == out


@given(printable_text)
def test_neutralise_keeps_printable_text_unchanged(text: str) -> None:
    assert neutralise(text) == text
    assert neutralise(text, keep_newlines=True) == text


@pytest.mark.parametrize(
    "text",
    [
        "Printer on floor 3 is jammed",
        "打印机卡纸了，请帮忙处理",
        "Café résumé naïve — “quotes” ‘too’ …",
        "服务台 ITIL 影响度 × 紧急度 → 优先级",
        "emoji 🔥 and math ∑ ≤ ∞",
        "",
    ],
)
def test_neutralise_examples_unchanged(text: str) -> None:
    assert neutralise(text) == text


def test_escape_becomes_visible_symbol() -> None:
    assert neutralise("\x1b") == "␛"
    assert neutralise("\x1b[31mred\x1b[0m") == "␛[31mred␛[0m"
    assert neutralise("\x1b]0;owned\x07") == "␛]0;owned␇"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x00", "␀"),
        ("\x07", "␇"),
        ("\x08", "␈"),
        ("\t", "␉"),
        ("\n", "␊"),
        ("\r", "␍"),
        ("\x1f", "␟"),
        ("\x7f", "␡"),
        ("\x80", "\ufffd"),
        ("\x9b", "\ufffd"),  # C1 CSI: an escape sequence in one byte
        ("\x9f", "\ufffd"),
        ("\u202e", "\ufffd"),  # RIGHT-TO-LEFT OVERRIDE
        ("\u202a", "\ufffd"),
        ("\u2066", "\ufffd"),
        ("\u2069", "\ufffd"),
    ],
)
def test_control_characters_become_visible(raw: str, shown: str) -> None:
    assert neutralise(raw) == shown


def test_all_c0_controls_map_to_control_pictures() -> None:
    raw = "".join(chr(c) for c in range(0x20))
    assert neutralise(raw) == "".join(chr(0x2400 + c) for c in range(0x20))


def test_bidi_override_cannot_reverse_a_filename() -> None:
    # "invoice\u202Excod.exe" would display as "invoiceexe.docx".
    assert neutralise("invoice\u202excod.exe") == "invoice\ufffdxcod.exe"


def test_keep_newlines_keeps_newline_and_tab() -> None:
    text = "line one\n\tindented\nline three"
    assert neutralise(text, keep_newlines=True) == text


def test_keep_newlines_still_neutralises_carriage_return_and_escape() -> None:
    assert neutralise("a\r\nb\x1b[2J", keep_newlines=True) == "a␍\nb␛[2J"


def test_without_keep_newlines_newline_and_tab_are_visible() -> None:
    assert neutralise("a\nb\tc") == "a␊b␉c"


# --- single_line -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Printer jammed", "Printer jammed"),
        ("  Printer   jammed  ", "Printer jammed"),
        ("Printer\njammed", "Printer jammed"),
        ("Printer\r\n\r\n jammed\t\tagain", "Printer jammed again"),
        ("打印机\u3000卡纸", "打印机 卡纸"),  # ideographic space
        ("", ""),
        (" \n\t ", ""),
    ],
)
def test_single_line(raw: str, expected: str) -> None:
    assert single_line(raw) == expected


@given(st.text())
def test_single_line_has_no_line_breaks_or_runs_of_space(text: str) -> None:
    out = single_line(text)
    assert "\n" not in out
    assert "\r" not in out
    assert "\t" not in out
    assert "  " not in out
    assert out == out.strip()
    assert single_line(out) == out


# --- cell_width --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("", 0),
        ("abc", 3),
        ("Printer", 7),
        ("中", 2),
        ("中文", 4),
        ("打印机卡纸", 10),
        ("INC-1042 打印机", 15),
        ("ｱ", 1),  # halfwidth katakana
        ("Ａ", 2),  # fullwidth latin
        ("한국어", 6),
        ("e\u0301", 1),  # e + combining acute
        ("café", 4),
        ("…", 1),
    ],
)
def test_cell_width(text: str, width: int) -> None:
    assert cell_width(text) == width


@given(st.text(), st.text())
def test_cell_width_is_additive(a: str, b: str) -> None:
    assert cell_width(a + b) == cell_width(a) + cell_width(b)


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)))
def test_cell_width_counts_cjk_as_two(text: str) -> None:
    assert cell_width(text) == 2 * len(text)


# --- fit ---------------------------------------------------------------------------


fit_text = st.one_of(nasty_text, st.text(), printable_text)


@given(fit_text, st.integers(min_value=0, max_value=60))
def test_fit_is_always_exactly_the_requested_width(text: str, width: int) -> None:
    assert cell_width(fit(text, width)) == width


@given(fit_text, st.integers(min_value=1, max_value=60))
def test_fit_cuts_with_an_ellipsis_only_when_needed(text: str, width: int) -> None:
    out = fit(text, width)
    if cell_width(text) <= width:
        assert out == text + " " * (width - cell_width(text))
    else:
        kept = out.rstrip(" ")
        assert kept.endswith("…")
        assert text.startswith(kept[:-1])


@given(fit_text, st.integers(max_value=0))
def test_fit_to_zero_or_less_is_empty(text: str, width: int) -> None:
    assert fit(text, width) == ""


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("Printer", 10, "Printer   "),
        ("Printer", 7, "Printer"),
        ("Printer jammed", 7, "Printe…"),
        ("Printer", 1, "…"),
        ("", 3, "   "),
        ("中文", 4, "中文"),
        ("中文", 5, "中文 "),
        ("中文字", 4, "中… "),  # a wide character never gets split in half
        ("中文字", 5, "中文…"),
        ("中文字", 2, "… "),
        ("中文字", 1, "…"),
        ("打印机 printer", 7, "打印机…"),
        ("打印机 printer", 8, "打印机 …"),
        ("cafe\u0301 au lait", 5, "cafe\u0301…"),  # the accent stays with its letter
    ],
)
def test_fit_examples(text: str, width: int, expected: str) -> None:
    out = fit(text, width)
    assert out == expected
    assert cell_width(out) == width


def test_fit_columns_line_up_for_mixed_scripts() -> None:
    titles = ["Printer jammed on floor 3", "打印机卡纸了，请帮忙处理一下", "VPN", "e\u0301te\u0301 outage"]
    rows = [fit(t, 12) + "|" for t in titles]
    assert {cell_width(r) for r in rows} == {13}
