"""Layout knowledge as data: a document type's keywords and field labels, from YAML."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from extractors.kinds import KINDS
from extractors.layout import FarValues, LabelHit, find_labels, plain_labels, value_near
from extractors.model import Field, OcrPage
from pipeline.errors import PlanError
from pipeline.normalize import clean_text

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    labels: tuple[str, ...]
    kind: str
    below: bool


@dataclass(frozen=True)
class DocSpec:
    doc_type: str
    keywords: dict[str, float]
    fields: tuple[FieldSpec, ...]
    stop_patterns: tuple[re.Pattern, ...]
    raw: dict
    vocabulary: frozenset[str]  # every plain label the type prints: what a misread label must not be
    far_values: FarValues | None = None  # values right-aligned at a slip's far edge (layout.FarValues)

    def find_labels(self, page: OcrPage, labels, at_line_start: bool = False, opening: str = "") -> list[LabelHit]:
        """Where the labels are printed; only where none is read exactly, where one is read with a character wrong."""
        return (find_labels(page, labels, at_line_start, opening=opening)
                or find_labels(page, labels, at_line_start, vocabulary=self.vocabulary, opening=opening))

    def keyword_score(self, page: OcrPage) -> float:
        """The weighted share of the type's keywords on the page; `a|b` counts when either is printed
        (门诊病历|就医记录册: each hospital titles the same paper its own way)."""
        text = "".join(clean_text(line.text) for line in page.lines)
        total = sum(self.keywords.values())
        found = sum(weight for keyword, weight in self.keywords.items()
                    if any(clean_text(alternative) in text for alternative in keyword.split("|")))
        return found / total if total else 0.0

    def read_fields(self, page: OcrPage) -> tuple[dict[str, Field], list[str]]:
        """Each labelled field: the first label hit (reading order) whose value parses.

        Also the fields whose label is printed but whose value could not be read:
        those are on the page, so a person must read them.
        """
        found, unread = {}, []
        for spec in self.fields:
            parse = KINDS[spec.kind]
            hits = self.find_labels(page, spec.labels)
            for hit in hits:
                value = value_near(page, hit, parse, list(self.stop_patterns), below=spec.below, far=self.far_values)
                if value is not None:
                    found[spec.name] = value
                    break
            else:
                if hits:
                    unread.append(spec.name)
        return found, unread

    def label_box(self, page: OcrPage, name: str) -> tuple[int, int, int, int] | None:
        """Where a field's label is printed (its first hit), for a person to find its value there."""
        spec = next((spec for spec in self.fields if spec.name == name), None)
        hits = self.find_labels(page, spec.labels) if spec is not None else []
        if not hits:
            return None
        hit = hits[0]
        return (hit.x_at(hit.start), hit.line.box[1], hit.x_at(hit.end), hit.line.box[3])


@lru_cache(maxsize=None)
def load_spec(doc_type: str) -> DocSpec:
    path = DATA_DIR / f"{doc_type}.yaml"
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    fields = []
    for name, entry in (raw.get("fields") or {}).items():
        kind = entry.get("kind", "text")
        if kind not in KINDS:
            raise PlanError(f"{path.name}: field '{name}' has unknown kind '{kind}'")
        fields.append(FieldSpec(name, tuple(entry["labels"]), kind, bool(entry.get("below", True))))
    stops = [p for f in fields for p in f.labels] + list(raw.get("other_labels", []))
    far = raw.get("far_values")
    return DocSpec(
        doc_type=raw["doc_type"],
        keywords={str(k): float(v) for k, v in raw["keywords"].items()},
        fields=tuple(fields),
        stop_patterns=tuple(re.compile(p) for p in stops),
        raw=raw,
        vocabulary=plain_labels(stops + [label for labels in (raw.get("sections") or {}).values() for label in labels]
                                + list(raw.get("signature_labels", []))),
        far_values=FarValues(float(far["heights"]), int(far["aligned_rows"]), float(far["unaligned_confidence"]))
        if far else None,
    )
