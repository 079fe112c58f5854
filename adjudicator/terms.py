"""Term lists (the policy's words, kept as data) and matching them in Chinese text.

Text is segmented with jieba, whose user dictionary holds every term and
negative term of the plan (the vocabulary). A term never matches inside a
longer vocabulary word that jieba cut out of the text: 心电图 does not match in
动态心电图, 支气管炎 not in 慢性支气管炎. Words of jieba's general dictionary do
not block a match (疫苗 matches in 流感疫苗). A list's negative terms veto a
match they cover (急性膀胱炎 is not the chronic 膀胱炎).
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jieba

# Our terms must win over jieba's general dictionary when it segments a text.
_TERM_WORD_FREQUENCY = 100_000

jieba.setLogLevel(logging.WARNING)


def normalise_text(text: str) -> str:
    """Full-width to half-width, latin to upper case, no whitespace: how printed text varies."""
    return "".join(unicodedata.normalize("NFKC", text).upper().split())


@dataclass(frozen=True)
class TermList:
    name: str
    clause: str
    reason: str  # the decision's Chinese text; "{term}" is replaced by the matched term
    terms: tuple[str, ...]
    negative_terms: tuple[str, ...] = ()

    def reason_for(self, term: str) -> str:
        return self.reason.format(term=term)


def user_tokenizer(words) -> jieba.Tokenizer:
    """A jieba tokenizer of its own whose user dictionary holds `words`, each winning over jieba's words."""
    tokenizer = jieba.Tokenizer()
    for word in sorted(words):
        tokenizer.add_word(word, freq=_TERM_WORD_FREQUENCY)
    return tokenizer


def cuts_through(start: int, end: int, spans) -> bool:
    """The stretch start:end cuts one of the spans (words cut out of a text) without holding it whole."""
    return any(s < end and start < e and not (start <= s and e <= end) for s, e in spans)


class TermMatcher:
    """Finds a list's terms in a text without cutting through a longer vocabulary word."""

    def __init__(self, term_lists: list[TermList]):
        self._vocabulary = frozenset(normalise_text(word) for term_list in term_lists
                                     for word in (*term_list.terms, *term_list.negative_terms))
        self._tokenizer: jieba.Tokenizer | None = None

    def _segmenter(self) -> jieba.Tokenizer:
        # Built on first use: loading jieba's dictionary takes about a second.
        if self._tokenizer is None:
            self._tokenizer = user_tokenizer(self._vocabulary)
        return self._tokenizer

    @lru_cache(maxsize=4096)
    def _vocabulary_spans(self, text: str) -> tuple[tuple[int, int], ...]:
        """Where jieba cut a vocabulary word out of the text."""
        return tuple((start, end) for word, start, end in self._segmenter().tokenize(text, HMM=False)
                     if word in self._vocabulary)

    def first_match(self, term_list: TermList, text: str | None) -> str | None:
        """The first term of the list found in the text (as printed in the list), or None."""
        if not text:
            return None
        text = normalise_text(text)
        words = self._vocabulary_spans(text)
        vetoed = [span for negative in term_list.negative_terms for span in _spans(text, normalise_text(negative))]
        for term in term_list.terms:
            for start, end in _spans(text, normalise_text(term)):
                cuts_a_word = cuts_through(start, end, words)
                in_negative = any(v_start <= start and end <= v_end for v_start, v_end in vetoed)
                if not cuts_a_word and not in_negative:
                    return term
        return None


def _spans(text: str, word: str) -> list[tuple[int, int]]:
    spans, start = [], text.find(word)
    while word and start >= 0:
        spans.append((start, start + len(word)))
        start = text.find(word, start + 1)
    return spans
