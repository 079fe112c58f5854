"""What an extractor reads and what it gives back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pipeline.ocr import TextLine

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class OcrPage:
    """One upright page with its text lines; `image` is kept for ink checks (signatures)."""

    source: str
    index: int
    rotation: int
    lines: tuple[TextLine, ...]
    image: np.ndarray | None = None
    skew: float = 0.0


@dataclass(frozen=True)
class Field:
    value: Any
    confidence: float
    page: int
    box: Box | None
    source: str = "ocr"

    def to_json(self) -> dict:
        value = self.value if isinstance(self.value, (bool, int, str)) or self.value is None else str(self.value)
        return {"value": value, "confidence": round(float(self.confidence), 4), "page": self.page,
                "box": list(self.box) if self.box else None, "source": self.source}


@dataclass(frozen=True)
class Check:
    check: str
    ok: bool
    detail: str
    fields: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"check": self.check, "ok": self.ok, "detail": self.detail}


@dataclass
class Document:
    source: str
    page: int
    doc_type: str
    doc_type_confidence: float
    rotation: int
    fields: dict[str, Field] = field(default_factory=dict)
    items: list[dict[str, Field]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    needs_review: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # label printed, value not readable
    marks: set[str] = field(default_factory=set)  # facts of the layout, e.g. "paper_cash_split"
    settled_checks: set[str] = field(default_factory=set)  # failing checks a clerk settled (review app)

    def value(self, name: str, default: Any = None) -> Any:
        found = self.fields.get(name)
        return found.value if found is not None else default

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "page": self.page,
            "doc_type": self.doc_type,
            "doc_type_confidence": round(self.doc_type_confidence, 4),
            "rotation": self.rotation,
            "fields": {name: f.to_json() for name, f in self.fields.items()},
            "items": [{name: f.to_json() for name, f in item.items()} for item in self.items],
            "checks": [c.to_json() for c in self.checks],
            "needs_review": list(self.needs_review),
        }
