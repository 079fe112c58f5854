"""Computer-printed fee/drug detail lists: a header row of columns, item rows, 合计.

The table is read by its column headers wherever they sit: a header line OCR read
as one (项目名称 规格 数量 …) is split at its header names, an item line read
across several columns at its spaces, and every piece goes to the column whose
header it sits under among the columns its content fits (a sequence number is no
drug name, a drug name no amount). Rows between the header and 合计 are items;
a category heading starts a group, a 小计 row closes it and, where it equals the
group's amounts, confirms them; a line under a row holding only more of its name
is that name wrapped.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from extractors.base import SpecExtractor
from extractors.kinds import KINDS
from extractors.layout import group_rows, union_box
from extractors.model import Document, Field, OcrPage
from extractors.terms import term_field
from pipeline.normalize import clean_text
from pipeline.ocr import TextLine

_CELL_KINDS = {"amount": "money", "unit_price": "money", "quantity": "text", "days": "text"}
_CONFIRMED = 0.99  # an amount the group's printed 小计 adds up to: the paper's own arithmetic confirms it
_UNCONFIRMED = 0.5  # amounts whose 小计 does not add up: one of them is misread, a person reads them
_NUMBER_COLUMNS = ("index", "quantity", "days")
_MONEY_COLUMNS = ("amount", "unit_price")


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
        total = re.compile(self.spec.raw["total_row_pattern"])
        subtotal = re.compile(self.spec.raw["subtotal_row_pattern"])
        heading = re.compile(self.spec.raw["group_heading_pattern"])
        items: list[dict[str, Field]] = []
        group: list[dict[str, Field]] = []
        category: Field | None = None
        previous_row: list[TextLine] | None = None
        for row in rows[header_index + 1:]:
            texts = [clean_text(line.text) for line in row]
            if total.match(texts[0]):
                break
            if any(subtotal.match(text) for text in texts):
                self._close_group(row, group)
                group, previous_row = [], None
                continue
            if len(row) == 1 and heading.match(texts[0]):
                name = heading.match(texts[0]).group(1)
                category = Field(name, row[0].confidence, page.index, row[0].box)
                group, previous_row = [], None
                continue
            item = self._item(page, row, columns)
            if item:
                if category is not None and "category" not in item:
                    item["category"] = category
                items.append(item)
                group.append(item)
                previous_row = row
            elif items and previous_row is not None and self._wraps_name(row, previous_row, columns):
                self._add_to_name(page, items[-1], row)
                previous_row = row
        return items

    def _header(self, rows: list[list[TextLine]]) -> tuple[int | None, dict[str, tuple[float, float]]]:
        """The first row naming at least three columns, and each column's x extent."""
        labels = self.spec.raw["columns"]
        names = sorted(((name, field) for field, names in labels.items() for name in names), key=lambda n: -len(n[0]))
        pattern = re.compile("|".join(re.escape(name) for name, _ in names))
        field_of = dict(names)
        for index, row in enumerate(rows):
            columns: dict[str, tuple[float, float]] = {}
            for line in row:
                text = clean_text(line.text)
                for match in pattern.finditer(text):
                    field = field_of[match.group(0)]
                    if field not in columns:
                        columns[field] = (_x_at(line, text, match.start()), _x_at(line, text, match.end()))
            if len(columns) >= 3 and "name" in columns:
                return index, columns
        return None, {}

    def _item(self, page: OcrPage, row: list[TextLine], columns: dict[str, tuple[float, float]]) -> dict[str, Field] | None:
        cells: dict[str, list[tuple[str, TextLine]]] = {}
        for line in row:
            for text, x0, x1 in _pieces(line):
                column = _column_of(text, x0, x1, columns)
                if column is not None:
                    cells.setdefault(column, []).append((text, line))
        if "name" not in cells or "amount" not in cells:
            return None
        item = {}
        for column, pieces in cells.items():
            if column == "index":
                continue
            text = "".join(text for text, _ in pieces)
            lines = list({id(line): line for _, line in pieces}.values())
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
            item[column] = Field(value, confidence, page.index, union_box(l.box for l in lines))
        if "amount" not in item or "name" not in item:
            return None
        _check_row_arithmetic(item)
        name = item["name"]
        marks = self.spec.raw["self_pay_marks"]
        is_self_pay = any(m in str(name.value) for m in marks) or any(
            m in str(item[c].value) for c in ("category",) if c in item for m in marks)
        item["self_pay"] = Field(is_self_pay, name.confidence, page.index, name.box)
        term = term_field(name)
        if term is not None:  # the name as printed stays; the restored one is what term lists are matched on
            item["term"] = term
        return item

    def _wraps_name(self, row: list[TextLine], previous: list[TextLine], columns) -> bool:
        """Only name text, just under the row before: the rest of that row's name."""
        gap = min(line.box[1] for line in row) - max(line.box[3] for line in previous)
        height = max(line.height for line in previous)
        return gap < 0.8 * height and all(
            _column_of(text, x0, x1, columns) == "name" for line in row for text, x0, x1 in _pieces(line))

    def _add_to_name(self, page: OcrPage, item: dict[str, Field], row: list[TextLine]) -> None:
        name = item["name"]
        text = str(name.value) + "".join(clean_text(line.text) for line in row)
        confidence = min([name.confidence] + [line.confidence for line in row])
        item["name"] = Field(text, confidence, page.index, union_box([name.box] + [line.box for line in row]))
        item["self_pay"] = Field(item["self_pay"].value, confidence, page.index, item["name"].box)
        item.pop("term", None)
        term = term_field(item["name"])
        if term is not None:
            item["term"] = term

    @staticmethod
    def _close_group(row: list[TextLine], group: list[dict[str, Field]]) -> None:
        """A 小计 row: the group's amounts are sure when they add up to it, unsure when they do not."""
        printed = next((KINDS["money"](line.text) for line in reversed(row) if KINDS["money"](line.text)), None)
        if printed is None or not group:
            return
        adds_up = sum(Decimal(str(item["amount"].value)) for item in group) == Decimal(printed)
        for item in group:
            amount = item["amount"]
            confidence = max(amount.confidence, _CONFIRMED) if adds_up else min(amount.confidence, _UNCONFIRMED)
            item["amount"] = Field(amount.value, confidence, amount.page, amount.box, amount.source)


def _check_row_arithmetic(item: dict[str, Field]) -> None:
    """数量 × 单价 = 金额: the row's own arithmetic confirms its amount, or shows one of them misread."""
    if not all(column in item for column in ("quantity", "unit_price", "amount")):
        return
    amount = item["amount"]
    adds_up = Decimal(str(item["quantity"].value)) * Decimal(str(item["unit_price"].value)) == Decimal(str(amount.value))
    confidence = max(amount.confidence, _CONFIRMED) if adds_up else min(amount.confidence, _UNCONFIRMED)
    item["amount"] = Field(amount.value, confidence, amount.page, amount.box, amount.source)


def _width(char: str) -> float:
    """Printed width of a character in ems: Chinese full, Latin and digits about half."""
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.55


def _x_at(line: TextLine, text: str, offset: int) -> float:
    """Approximate x of a character offset of the line's clean text, by the characters' widths."""
    x0, _, x1, _ = line.box
    total = sum(_width(c) for c in text) or 1.0
    return x0 + (x1 - x0) * sum(_width(c) for c in text[:offset]) / total


def _pieces(line: TextLine) -> list[tuple[str, float, float]]:
    """The line's text split at its spaces, each piece with its approximate x extent."""
    raw = unicodedata.normalize("NFKC", line.text).strip()
    parts = [part for part in re.split(r"(\s+)", raw) if part]
    widths = [_width(" ") if part.isspace() else sum(_width(c) for c in part) for part in parts]
    total = sum(widths) or 1.0
    x0, _, x1, _ = line.box
    pieces, at = [], 0.0
    for part, width in zip(parts, widths):
        if not part.isspace():
            start = x0 + (x1 - x0) * at / total
            pieces.append((clean_text(part), start, start + (x1 - x0) * width / total))
        at += width
    return pieces


def _fits(column: str, text: str) -> bool:
    """Whether the text could be a value of the column: numbers are no names and names no numbers."""
    has_chinese = re.search(r"[\u4e00-\u9fff]", text) is not None
    if column in _MONEY_COLUMNS:
        return re.search(r"\d", text) is not None and not has_chinese
    if column in _NUMBER_COLUMNS:
        return re.match(r"^\d+(?:\.\d+)?[\u4e00-\u9fff]{0,2}$", text) is not None
    if column == "name":
        return has_chinese
    return True


def _column_of(text: str, x0: float, x1: float, columns: dict[str, tuple[float, float]]) -> str | None:
    """The column a piece sits under: of those it fits, the one whose header it overlaps most or lies nearest."""
    fitting = [column for column in columns if _fits(column, text)]
    if not fitting:
        return None

    def distance(column: str) -> float:
        h0, h1 = columns[column]
        overlap = min(x1, h1) - max(x0, h0)
        return -overlap if overlap > 0 else -overlap + 1e-3 * abs((x0 + x1) - (h0 + h1))

    return min(fitting, key=distance)


class InpatientFeeDetailExtractor(DetailListExtractor):
    doc_type = "inpatient_fee_detail"
