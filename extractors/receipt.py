"""Shanghai medical receipts: the payment split, the 项目 rows, the hospital."""

from __future__ import annotations

import re

from extractors.base import SpecExtractor
from extractors.kinds import KINDS
from extractors.layout import value_near, LabelHit
from extractors.model import Document, Field, OcrPage
from pipeline.normalize import clean_text


class ReceiptExtractor(SpecExtractor):
    doc_type = "receipt"

    def read_more(self, page: OcrPage, document: Document) -> None:
        hospital = self.first_match(page, "hospital_pattern")
        if hospital:
            document.fields["hospital"] = hospital
        kind = self._visit_kind(page)
        if kind:
            document.fields["visit_kind"] = kind
        document.items.extend(self._category_rows(page))
        if any(self.spec.raw["paper_cash_split_marker"] in clean_text(line.text) for line in page.lines):
            document.marks.add("paper_cash_split")

    def _visit_kind(self, page: OcrPage) -> Field | None:
        for line in page.lines:
            text = clean_text(line.text)
            if "收费" not in text and "票据" not in text and "发票" not in text:
                continue
            for kind, patterns in self.spec.raw["visit_kinds"].items():
                if any(re.search(p, text) for p in patterns):
                    return Field(kind, line.confidence, page.index, line.box)
        return None

    def _category_rows(self, page: OcrPage) -> list[dict[str, Field]]:
        categories = [clean_text(c) for c in self.spec.raw["item_categories"]]
        stops = list(self.spec.stop_patterns) + [re.compile(re.escape(c)) for c in categories]
        rows = []
        for line in page.lines:
            text = clean_text(line.text)
            category = next((c for c in categories if text.startswith(c)), None)
            if category is None:
                continue
            hit = LabelHit(line, 0, len(category))
            amount = value_near(page, hit, KINDS["money"], stops, below=False)
            if amount is None:
                continue
            name = Field(category, line.confidence, page.index, (line.box[0], line.box[1], hit.x_at(len(category)), line.box[3]))
            rows.append({"name": name, "category": name, "amount": amount})
        return rows
