"""The hospital a document comes from, read from its header and checked against the registry.

Headers are printed large at the top, but seals sit on them and titles run into
them (…龙华医院医疗门(急)诊收费票据). A name of the hospital registry found in a
line is taken as printed; failing that, a hospital-like phrase that is not the
facility's grade (三级甲等专科医院 is printed under the header too); failing
that, the registry name a header line reads as with a few characters wrong,
which a person confirms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from adjudicator.hospitals import CITY_PREFIXES, normalise_hospital_name, packaged_hospitals
from extractors.model import Field, OcrPage
from pipeline.normalize import clean_text
from pipeline.ocr import TextLine

_HEADER_SHARE = 0.35  # the header: lines starting in this top share of the printed page
_MIN_FUZZY_NAME = 6  # shorter registry names (六院) are too close to other words to match with errors
_MAX_WRONG_SHARE = 0.2  # at most this share of a registry name's characters misread, dropped or added
_GRADE = re.compile(r"^[一二三]?级[甲乙丙]等|^[甲乙丙]等")  # 三级甲等专科医院 is the facility's grade, not its name
FUZZY_HOSPITAL_CONFIDENCE = 0.6  # a name recognised with characters wrong: below every review threshold


@dataclass(frozen=True)
class _Printed:
    key: str  # the registry name or alias as printed, normalised as the registry does
    name: str  # the registry's name for it


@lru_cache(maxsize=1)
def _registry_names() -> tuple[_Printed, ...]:
    names = []
    for hospital in packaged_hospitals().hospitals:
        for printed in (hospital.name, *hospital.aliases):
            names.append(_Printed(normalise_hospital_name(printed), hospital.name))
    return tuple(sorted(names, key=lambda printed: -len(printed.key)))  # 第九人民医院黄浦分院 before 第九人民医院


def read_hospital(page: OcrPage, pattern: str) -> Field | None:
    """`pattern`: a hospital-like phrase of the document type (group 1), for hospitals the registry lacks."""
    return _registered(page) or _patterned(page, pattern) or _nearly_registered(page)


def _registered(page: OcrPage) -> Field | None:
    for line in page.lines:
        text = clean_text(line.text)
        for printed in _registry_names():
            found = text.find(printed.key)
            if found < 0 or len(printed.key) < 3:
                continue
            prefix = next((p for p in CITY_PREFIXES if text[:found].endswith(p)), "")
            return Field(text[found - len(prefix):found + len(printed.key)], line.confidence, page.index, line.box)
    return None


def _patterned(page: OcrPage, pattern: str) -> Field | None:
    for line in page.lines:
        for match in re.finditer(pattern, clean_text(line.text)):
            if not _GRADE.search(match.group(1)):
                return Field(match.group(1), line.confidence, page.index, line.box)
    return None


def _nearly_registered(page: OcrPage) -> Field | None:
    best: tuple[float, _Printed, TextLine] | None = None
    for line in _header(page):
        text = normalise_hospital_name(line.text)
        for printed in _registry_names():
            if len(printed.key) < _MIN_FUZZY_NAME:
                continue
            wrong = substring_edit_distance(printed.key, text) / len(printed.key)
            if wrong <= _MAX_WRONG_SHARE and (best is None or wrong < best[0]):
                best = (wrong, printed, line)
    if best is None:
        return None
    _, printed, line = best
    return Field(printed.name, min(line.confidence, FUZZY_HOSPITAL_CONFIDENCE), page.index, line.box)


def _header(page: OcrPage) -> list[TextLine]:
    if not page.lines:
        return []
    top = min(line.box[1] for line in page.lines)
    bottom = max(line.box[3] for line in page.lines)
    return [line for line in page.lines if line.box[1] <= top + _HEADER_SHARE * (bottom - top)]


def substring_edit_distance(word: str, text: str) -> int:
    """The fewest characters to change, drop or add for `word` to appear somewhere in `text`."""
    previous = [0] * (len(text) + 1)  # the word may start anywhere in the text for free
    for i, char in enumerate(word, 1):
        current = [i] + [0] * len(text)
        for j, other in enumerate(text, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
        previous = current
    return min(previous)  # and end anywhere
