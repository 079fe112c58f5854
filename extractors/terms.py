"""The medical dictionary (data/medical_terms.yaml) and restoring its words where OCR misread them.

A printed text is cut into words by a jieba tokenizer whose user dictionary is the
medical dictionary. A stretch of text as long as a dictionary word of four or more
characters, and differing from it in one character (two from six characters on),
is that word misread, when:
- the differing characters were read as letters or digits (a comma is not a misread word);
- the stretch is not itself a dictionary word (入院诊断 is never a misread 出院诊断);
- no differing character sits inside a word the tokenizer cut out of the text
  (肝功能检测 is a real item, not a misread 肝功能检查);
- the characters read right are not a name of the dictionary (four characters or more)
  followed or preceded by something else (阿仑膦酸钠线 names 阿仑膦酸钠; its last character is not guessed);
- no other dictionary word is as close (头孢克X could be 头孢克洛 or 头孢克肟).
Two-character and three-character words are never restored: one character away
from them lies too many other words.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jieba
import yaml

from adjudicator.plan import load_term_file
from adjudicator.terms import cuts_through, user_tokenizer
from extractors.model import Field
from extractors.spec import DATA_DIR, load_spec

ROOT = Path(__file__).resolve().parents[1]
DICTIONARY_PATH = DATA_DIR / "medical_terms.yaml"
MIN_RESTORED_LENGTH = 4
TWO_MISREADS_FROM_LENGTH = 6


@dataclass(frozen=True)
class Restoration:
    text: str  # the text with every misread dictionary word restored
    words: tuple[str, ...]  # the dictionary words restored
    share_read: float  # of the restored words' characters, the smallest share OCR read right


@dataclass(frozen=True)
class _Dictionary:
    words: frozenset[str]
    by_length: dict[int, tuple[str, ...]]
    tokenizer: jieba.Tokenizer


def dictionary_groups(path: Path = DICTIONARY_PATH) -> dict[str, tuple[str, ...]]:
    """Each group of the dictionary, the plan's term lists and the section labels included."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    groups = {name: tuple(group["words"]) for name, group in raw["groups"].items()}
    plan_terms = []
    for term_file in sorted((ROOT / raw["plan_term_lists"]).glob("*.yaml")):
        for term_list in load_term_file(term_file).values():
            plan_terms += [*term_list.terms, *term_list.negative_terms]
    groups["plan_terms"] = tuple(str(term) for term in plan_terms)
    labels = []
    for doc_type in raw["section_labels_of"]:
        spec = load_spec(doc_type).raw
        labels += [label for section in spec["sections"].values() for label in section]
        labels += spec["signature_labels"]
    groups["section_labels"] = tuple(labels)
    return groups


@lru_cache(maxsize=1)
def _dictionary() -> _Dictionary:
    # Built on first use: loading jieba's dictionary takes about a second.
    words = frozenset(word.upper() for group in dictionary_groups().values() for word in group)
    by_length: dict[int, list[str]] = {}
    for word in sorted(words):
        if len(word) >= MIN_RESTORED_LENGTH:  # one character away from shorter words lie too many others
            by_length.setdefault(len(word), []).append(word)
    return _Dictionary(words, {length: tuple(found) for length, found in by_length.items()}, user_tokenizer(words))


def _misreads_allowed(length: int) -> int:
    return 2 if length >= TWO_MISREADS_FROM_LENGTH else 1


@lru_cache(maxsize=4096)
def restore_misreads(text: str) -> Restoration:
    """The text with each dictionary word that OCR misread put back (see the module's rules)."""
    dictionary = _dictionary()
    upper = "".join(char.upper() if char.isascii() else char for char in text)  # as long as the text
    segments = list(dictionary.tokenizer.tokenize(upper, HMM=False))
    inside_a_word = {position for word, start, end in segments if end - start > 1 and dictionary.tokenizer.FREQ.get(word)
                     for position in range(start, end)}  # words, not runs of latin letters and digits
    dictionary_spans = [(start, end) for word, start, end in segments if word in dictionary.words]
    closest: dict[tuple[int, int], tuple[int, list[str]]] = {}
    for length, words in dictionary.by_length.items():
        allowed = _misreads_allowed(length)
        for start in range(len(upper) - length + 1):
            end = start + length
            stretch = upper[start:end]
            if stretch in dictionary.words or cuts_through(start, end, dictionary_spans):
                continue  # a word as printed, or cutting through one
            for word in words:
                differing = [start + i for i, (read, printed) in enumerate(zip(stretch, word)) if read != printed]
                if (len(differing) > allowed or inside_a_word.intersection(differing)
                        or not all(upper[position].isalnum() for position in differing)
                        or _names_another_word(stretch, [position - start for position in differing], dictionary.words)):
                    continue
                best = closest.get((start, end))
                if best is None or len(differing) < best[0]:
                    closest[(start, end)] = (len(differing), [word])
                elif len(differing) == best[0]:
                    best[1].append(word)
    # The restorations that explain the most characters read right first, each stretch of text once.
    candidates = sorted(((misread - (end - start), misread, start, end, found[0])
                         for (start, end), (misread, found) in closest.items() if len(found) == 1))
    taken: list[tuple[int, int, str, float]] = []
    for _, misread, start, end, word in candidates:
        if all(end <= s or e <= start for s, e, _, _ in taken):
            taken.append((start, end, word, 1 - misread / (end - start)))
    restored = text
    for start, end, word, _ in sorted(taken, reverse=True):
        restored = restored[:start] + word + restored[end:]
    return Restoration(restored, tuple(word for _, _, word, _ in sorted(taken)),
                       min((share for _, _, _, share in taken), default=1.0))


def _names_another_word(stretch: str, differing: list[int], words: frozenset[str]) -> bool:
    """The stretch is a name of the dictionary read right, with something else before or after it (阿仑膦酸钠线)."""
    return any(len(part) >= MIN_RESTORED_LENGTH and part in words
               for part in (stretch[:differing[0]], stretch[differing[-1] + 1:]))


def term_field(name: Field) -> Field | None:
    """An item's name as the dictionary reads it, where a word of it was misread; surer the fewer were."""
    restoration = restore_misreads(str(name.value))
    if not restoration.words:
        return None
    return Field(restoration.text, name.confidence * restoration.share_read, name.page, name.box)
