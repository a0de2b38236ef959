"""Human refs like INC-1042: typed case-insensitively, with or without the dash."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskterm.domain.core.refs import Ref, RefError, RefKind, looks_like_ref, parse_ref

KNOWN = "INC, REQ, PRB, KE, CHG, EVT"


@pytest.mark.parametrize(
    "text",
    [
        "INC-1042",
        "inc1042",
        " Inc - 1042 ",
        "INC1042",
        "inc-1042",
        "iNc-1042",
        "INC 1042",
        "\tINC-1042\n",
        "INC-0001042",
    ],
)
def test_parse_ref_spellings_of_inc_1042(text: str) -> None:
    ref = parse_ref(text)
    assert ref == Ref(RefKind.INC, 1042)
    assert str(ref) == "INC-1042"


@pytest.mark.parametrize("kind", list(RefKind), ids=str)
def test_parse_ref_accepts_every_prefix(kind: RefKind) -> None:
    for text in (f"{kind.value}-7", f"{kind.value.lower()}7", f" {kind.value.title()} - 7 "):
        ref = parse_ref(text)
        assert ref.kind is kind
        assert ref.number == 7
        assert str(ref) == f"{kind.value}-7"


def test_ref_kinds_are_the_itil_records() -> None:
    assert [k.value for k in RefKind] == ["INC", "REQ", "PRB", "KE", "CHG", "EVT"]


def test_parse_ref_largest_number() -> None:
    assert parse_ref("CHG-999999999999").number == 999_999_999_999


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "1042",
        "INC",
        "INC-",
        "-1042",
        "INC--1042",
        "INC-10a42",
        "INC-1042x",
        "INC-1.5",
        "INC-+5",
        "INC-1042 INC-1043",
        "I-1042",
        "INCI-1042",
        "INC-1234567890123",
        "hello world",
        "INC_1042",
        "ИНЦ-1042",
        "'; drop table tickets; --",
    ],
)
def test_parse_ref_refuses_garbage_with_an_example(text: str) -> None:
    with pytest.raises(RefError) as excinfo:
        parse_ref(text)
    message = str(excinfo.value)
    assert message == f"{text!r} is not a ref; type one like INC-1042 or inc1042"
    assert not looks_like_ref(text)


def test_parse_ref_refuses_none() -> None:
    with pytest.raises(RefError, match="is not a ref"):
        parse_ref(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "prefix"),
    [("ABC-1", "ABC"), ("xy12", "XY"), ("Tkt-5", "TKT"), ("PB-3", "PB"), ("INCX", None)],
)
def test_parse_ref_refuses_unknown_prefix_listing_known_ones(text: str, prefix: str | None) -> None:
    with pytest.raises(RefError) as excinfo:
        parse_ref(text)
    message = str(excinfo.value)
    if prefix is None:  # no number at all: not even shaped like a ref
        assert "is not a ref" in message
    else:
        assert message == f"{text!r} has the unknown prefix {prefix}; refs start with {KNOWN}"


@pytest.mark.parametrize("text", ["INC-0", "inc0", "REQ-000", " ke - 0 "])
def test_parse_ref_refuses_zero(text: str) -> None:
    with pytest.raises(RefError) as excinfo:
        parse_ref(text)
    assert str(excinfo.value) == f"{text!r}: ref numbers start at 1"


def test_ref_error_is_a_value_error() -> None:
    assert issubclass(RefError, ValueError)


def test_looks_like_ref() -> None:
    assert looks_like_ref("inc1042")
    assert looks_like_ref("EVT-3")
    assert not looks_like_ref("printer on fire")
    assert not looks_like_ref("INC-0")
    assert not looks_like_ref("ABC-12")


def test_ref_is_hashable_and_compares_by_value() -> None:
    assert parse_ref("inc1") == parse_ref("INC-0001")
    assert len({parse_ref("inc1"), parse_ref("INC-1"), parse_ref("REQ-1")}) == 2


@st.composite
def typed_refs(draw: st.DrawFn) -> tuple[RefKind, int, str]:
    """A ref as a person might type it: any case, optional dash, stray spaces, leading zeros."""
    kind = draw(st.sampled_from(list(RefKind)))
    number = draw(st.integers(min_value=1, max_value=999_999_999_999))
    prefix = "".join(ch.upper() if draw(st.booleans()) else ch.lower() for ch in kind.value)
    digits = str(number)
    zeros = draw(st.integers(min_value=0, max_value=12 - len(digits)))
    spaces = st.text(alphabet=" \t", max_size=2)
    dash = draw(st.sampled_from(["", "-"]))
    sep = draw(spaces) + dash + draw(spaces) if dash else draw(spaces)
    text = draw(spaces) + prefix + sep + "0" * zeros + digits + draw(spaces)
    return kind, number, text


@given(typed_refs())
def test_parse_ref_round_trips(case: tuple[RefKind, int, str]) -> None:
    kind, number, text = case
    ref = parse_ref(text)
    assert ref == Ref(kind, number)
    assert str(ref) == f"{kind.value}-{number}"
    # The canonical form parses back to the same ref.
    assert parse_ref(str(ref)) == ref
    assert looks_like_ref(text)
