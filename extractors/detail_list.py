"""Computer-printed fee/drug detail lists: a header row of columns, item rows, 合计."""

from __future__ import annotations

import re

from extractors.base import SpecExtractor
from extractors.kinds import KINDS
from extractors.layout import group_rows
from extractors.model import Document, Field, OcrPage
from extractors.terms import term_field
from pipeline.normalize import clean_text
from pipeline.ocr import TextLine

_CELL_KINDS = {"amount": "money", "unit_price": "money", "quantity": "text", "days": "text"}


class DetailListExtractor(SpecExtractor):
    doc_type = "detail_list"

    def read_more(self, page: OcrPage, document: Document) -> None:
        self.add_hospital(page, document)
        document.items.extend(self._item_rows(page))

    def _item_rows(self, page: OcrPage) -> list[dict[str, Field]]:
        rows = group_rows(page.lines)
        header_index, columns = self._header(rows)
        if header_index is None:
            return []
        items = []
        for row in rows[header_index + 1:]:
            if re.match(r"^(合计|总计|小计|费用总额)", clean_text(row[0].text)):
                break
            item = self._item(page, row, columns)
            if item:
                items.append(item)
        return items

    def _header(self, rows: list[list[TextLine]]) -> tuple[int | None, dict[str, float]]:
        """The first row naming at least three columns, and each column's x centre."""
        labels = self.spec.raw["columns"]
        for index, row in enumerate(rows):
            columns = {}
            for line in row:
                text = clean_text(line.text)
                for field, names in labels.items():
                    if field not in columns and any(text.startswith(n) for n in names):
                        columns[field] = (line.box[0] + line.box[2]) / 2
                        break
            if len(columns) >= 3 and "name" in columns:
                return index, columns
        return None, {}

    def _item(self, page: OcrPage, row: list[TextLine], columns: dict[str, float]) -> dict[str, Field] | None:
        cells: dict[str, list[TextLine]] = {}
        name_x = columns["name"]
        for line in row:
            centre = (line.box[0] + line.box[2]) / 2
            # A long name starts at the name column and runs right; attribute it by its left edge.
            column = min(columns, key=lambda c: abs(columns[c] - (line.box[0] if c == "name" else centre)))
            if line.box[0] <= name_x <= line.box[2]:
                column = "name"
            cells.setdefault(column, []).append(line)
        if "name" not in cells or "amount" not in cells:
            return None
        item = {}
        for column, lines in cells.items():
            text = "".join(clean_text(l.text) for l in lines)
            kind = _CELL_KINDS.get(column, "text")
            value = KINDS[kind](text)
            if column in ("quantity", "days"):
                match = re.search(r"\d+(?:\.\d+)?", text)
                value = match.group(0) if match else None
                if column == "days" and value is not None:
                    value = int(float(value))
            if value is None:
                continue
            confidence = min(l.confidence for l in lines)
            box = (min(l.box[0] for l in lines), min(l.box[1] for l in lines),
                   max(l.box[2] for l in lines), max(l.box[3] for l in lines))
            item[column] = Field(value, confidence, page.index, box)
        if "amount" not in item:
            return None
        name = item["name"]
        marks = self.spec.raw["self_pay_marks"]
        is_self_pay = any(m in str(name.value) for m in marks) or any(
            m in str(item[c].value) for c in ("category",) if c in item for m in marks)
        item["self_pay"] = Field(is_self_pay, name.confidence, page.index, name.box)
        term = term_field(name)
        if term is not None:  # the name as printed stays; the restored one is what term lists are matched on
            item["term"] = term
        return item


class InpatientFeeDetailExtractor(DetailListExtractor):
    doc_type = "inpatient_fee_detail"
