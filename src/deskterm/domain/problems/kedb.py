"""Ranking known errors for what an agent types: words, error codes and Chinese alike.

Latin words are lowercased and lightly stemmed (``printers`` finds ``printer``); error codes
keep their joined form and their parts (``ORA-12541`` finds ``ora-12541``, ``ora`` and
``12541``); Chinese has no spaces, so runs of CJK characters become overlapping character
bigrams (``邮件无法发送`` -> 邮件 件无 无法 法发 发送), a single character standing alone.

The index is built once for a set of known errors and answers each keystroke from its
postings: relevance is BM25-like over weighted fields, scaled by how many of the typed
words matched, then boosted when the known error names the incident's service or CI.
The last word, while still being typed, also matches as a prefix.
"""

import heapq
import math
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

_CJK = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs and extensions A, compatibility
    "\u3040-\u30ff\uac00-\ud7af"  # kana and hangul: no spaces either
)
_TOKEN = re.compile(rf"[{_CJK}]+|[0-9a-z\u00c0-\u024f]+(?:[-_.:/][0-9a-z\u00c0-\u024f]+)*")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_PARTS = re.compile(r"[-_.:/]")
_STOP = (
    "a an and are as at be but by can cannot could did do does for from has have i in is it its "
    "me my no not of on or our so that the their them they this to was we were when will with "
    "you your"
)
STOPWORDS = frozenset(_STOP.split())

# How much a match in each field counts; the title and keywords say what the error is.
WEIGHTS = {"title": 3.0, "keywords": 3.0, "symptom": 2.0, "root_cause": 1.0, "workaround": 0.5}
SERVICE_BOOST = 1.5
CI_BOOST = 2.0
PREFIX_FACTOR = 0.6  # a word still being typed counts a bit less than a whole one
MAX_PREFIX_EXPANSIONS = 30
RELATIVE_FLOOR = 0.25  # hits scoring under a quarter of the best one are left out
_K1 = 1.2


def _stem(word: str) -> str:
    """A light English stemmer: plural and -ing/-ed endings, nothing clever."""
    if not word.isascii() or not word.isalpha() or len(word) <= 3:
        return word
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith("ss"):
                return word
            return word[: -len(suffix)] + keep
    return word


def tokens(text: str) -> list[str]:
    """The search terms of ``text``, in order, duplicates kept (they count as frequency)."""
    out: list[str] = []
    for match in _TOKEN.finditer((text or "").lower()):
        run = match.group(0)
        if _CJK_CHAR.match(run):
            if len(run) == 1:
                out.append(run)
            else:
                out.extend(run[i : i + 2] for i in range(len(run) - 1))
            continue
        if run in STOPWORDS:
            continue
        out.append(_stem(run))
        if _PARTS.search(run):
            out.extend(_stem(p) for p in _PARTS.split(run) if p and p not in STOPWORDS)
    return out


@dataclass(frozen=True)
class KnownErrorDoc:
    """What the index needs of one known error."""

    ref: str
    title: str
    symptom: str = ""
    root_cause: str = ""
    workaround: str = ""
    keywords: str = ""
    services: frozenset[str] = frozenset()
    cis: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Hit:
    ref: str
    score: float
    matched: tuple[str, ...]  # the typed terms that matched, for "why this one"
    same_service: bool
    same_ci: bool


@dataclass
class KedbIndex:
    """Postings of BM25-normalised weighted term frequencies per known error, computed once;
    a keystroke then costs a sum over the postings of the typed terms and a top-k pick."""

    docs: list[KnownErrorDoc]
    postings: dict[str, tuple[list[int], list[float]]] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    vocabulary: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, docs: Iterable[KnownErrorDoc]) -> "KedbIndex":
        index = cls(docs=list(docs))
        raw: dict[str, dict[int, float]] = defaultdict(dict)
        lengths: list[float] = []
        for i, doc in enumerate(index.docs):
            length = 0.0
            for name, weight in WEIGHTS.items():
                for term in tokens(getattr(doc, name)):
                    raw[term][i] = raw[term].get(i, 0.0) + weight
                    length += weight
            lengths.append(length)
        average = (sum(lengths) / len(lengths)) if lengths else 1.0
        damp = [_K1 * (0.25 + 0.75 * n / average) for n in lengths]
        n = len(index.docs)
        for term, by_doc in raw.items():
            ids = list(by_doc)
            norms = [tf * (_K1 + 1) / (tf + damp[i]) for i, tf in by_doc.items()]
            index.postings[term] = (ids, norms)
            index.idf[term] = math.log(1 + (n - len(ids) + 0.5) / (len(ids) + 0.5))
        index.vocabulary = sorted(index.postings)
        return index

    def __len__(self) -> int:
        return len(self.docs)

    def _expand(self, prefix: str) -> list[str]:
        """Whole terms that start with a word still being typed (Latin words only)."""
        if len(prefix) < 2 or not prefix.isascii():
            return []
        found = []
        at = bisect_left(self.vocabulary, prefix)
        while at < len(self.vocabulary) and self.vocabulary[at].startswith(prefix):
            if self.vocabulary[at] != prefix:
                found.append(self.vocabulary[at])
            if len(found) >= MAX_PREFIX_EXPANSIONS:
                break
            at += 1
        return found

    def search(
        self,
        text: str,
        *,
        service: str | None = None,
        ci: str | None = None,
        limit: int = 8,
        typing: bool = True,
    ) -> list[Hit]:
        """Known errors for ``text``, best first; nothing when nothing typed matches."""
        query = list(dict.fromkeys(tokens(text)))
        if not query or not self.docs:
            return []
        scores: dict[int, float] = defaultdict(float)
        masks: dict[int, int] = defaultdict(int)  # bit j: query term j matched
        for j, term in enumerate(query):
            self._add(term, 1 << j, 1.0, scores, masks)
        last = _last_word(text) if typing and not text[-1].isspace() else ""
        if last:
            bit = 1 << query.index(_stem(last)) if _stem(last) in query else 0
            for term in self._expand(last):
                self._add(term, bit, PREFIX_FACTOR, scores, masks)
        wanted_service = (service or "").strip().lower()
        wanted_ci = (ci or "").strip().lower()
        ranked: list[tuple[float, int, bool, bool]] = []
        for i, score in scores.items():
            doc = self.docs[i]
            value = score * (0.5 + 0.5 * masks[i].bit_count() / len(query))
            same_service = bool(wanted_service) and _has(doc.services, wanted_service)
            same_ci = bool(wanted_ci) and _has(doc.cis, wanted_ci)
            if same_service:
                value *= SERVICE_BOOST
            if same_ci:
                value *= CI_BOOST
            ranked.append((value, i, same_service, same_ci))
        best = heapq.nsmallest(limit, ranked, key=lambda r: (-r[0], _ref_number(self.docs[r[1]].ref)))
        if best:  # a stray shared word is noise next to a real match: keep those near the best
            floor = best[0][0] * RELATIVE_FLOOR
            best = [r for r in best if r[0] >= floor]
        return [
            Hit(
                self.docs[i].ref,
                round(value, 4),
                tuple(sorted(t for j, t in enumerate(query) if masks[i] >> j & 1)),
                same_service,
                same_ci,
            )
            for value, i, same_service, same_ci in best
        ]

    def _add(
        self, term: str, bit: int, factor: float, scores: dict[int, float], masks: dict[int, int]
    ) -> None:
        entry = self.postings.get(term)
        if entry is None:
            return
        ids, norms = entry
        weight = factor * self.idf[term]
        for i, norm in zip(ids, norms, strict=True):
            scores[i] += weight * norm
            masks[i] |= bit


def _has(names: frozenset[str], wanted: str) -> bool:
    return any(n.lower() == wanted for n in names)


def _last_word(text: str) -> str:
    words = re.findall(r"[0-9a-z]+", text.lower())
    return words[-1] if words else ""


def _ref_number(ref: str) -> int:
    digits = re.sub(r"\D", "", ref)
    return int(digits) if digits else 0


def keyword_list(text: str | Sequence[str] | None) -> list[str]:
    """Keywords and error codes as typed: comma or newline separated, blanks dropped, order kept."""
    if text is None:
        return []
    parts = text if not isinstance(text, str) else re.split(r"[,\n;，；]", text)
    return list(dict.fromkeys(p.strip() for p in parts if p and p.strip()))
