"""Issue 14: the output policy, URL masking and input bounds as properties."""

import json
from datetime import date
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskterm.domain.core.bounds import OutOfRange, day_in_range, depth, int_in_range, unstorable
from deskterm.domain.core.text import escape_json, is_unsafe, neutralise
from deskterm.domain.core.urls import mask_url, scrub

no_surrogates = st.text(alphabet=st.characters(exclude_categories=("Cs",)))


@given(st.text())
def test_neutralised_text_has_nothing_unsafe(text: str) -> None:
    assert not [ch for ch in neutralise(text) if is_unsafe(ch)]


@given(no_surrogates)
def test_json_escaping_keeps_the_data_exact_and_the_output_inert(text: str) -> None:
    shown = escape_json(json.dumps({"k": text}, ensure_ascii=False))
    assert json.loads(shown) == {"k": text}
    assert not [ch for ch in shown if is_unsafe(ch) and ch not in "\n"]


@pytest.mark.parametrize(
    "ch", ["\u009b", "\u009d", "\u202e", "\u200f", "\u061c", "\u200b", "\u2028", "\ufeff"]
)
def test_the_characters_the_issue_found_are_unsafe(ch: str) -> None:
    assert is_unsafe(ch) and neutralise(ch) != ch


secret = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789!$%&()*+,;=@", min_size=6, max_size=20)


@given(secret)
def test_no_secret_survives_masking(password: str) -> None:
    quoted = quote(password, safe="")  # a query value is written URL-encoded
    for url in (
        f"postgresql://bob:{password}@db.example:5432/desk",
        f"postgresql://bob@db.example/desk?password={quoted}&sslmode=require",
        f"postgresql://db.example/desk?sslpassword={quoted}",
    ):
        assert password not in mask_url(url) and quoted not in mask_url(url)
        assert password not in scrub(f"could not connect: {password}", url)


def test_bounds() -> None:
    assert day_in_range(date(2026, 11, 24)) == date(2026, 11, 24)
    for day in (date(1, 1, 1), date(9999, 12, 31)):
        with pytest.raises(OutOfRange):
            day_in_range(day)
    with pytest.raises(OutOfRange):
        int_in_range(2**31)
    assert depth([[[]]]) == 3 and depth({"a": {"b": 1}}) == 2
    deep: list[object] = []
    for _ in range(10_000):
        deep = [deep]
    assert depth(deep) > 64  # counted without recursion
    assert unstorable({"a": ["x\x00"]}) is not None and unstorable({"a": "ok"}) is None
