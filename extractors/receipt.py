"""Shanghai medical receipts: the payment split, the 项目 rows, the hospital."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from extractors.base import SpecExtractor
from extractors.kinds import KINDS, amount_cell
from extractors.layout import LabelHit, find_labels, union_box, value_near
from extractors.model import Document, Field, OcrPage
from extractors.payment_box import misaligned_payment_box
from extractors.receipt_arithmetic import apply_arithmetic
from extractors.receipt_kind import is_shanghai_receipt, receipt_kind
from extractors.receipt_regions import RegionRequest, receipt_regions
from pipeline.normalize import clean_text, money_text, parse_date
from pipeline.ocr import TextLine

# A restored decimal point (230-00, 23000) is trusted only when the rows then add up to the total.
REPAIRED_AMOUNT_CONFIDENCE = 0.5
# An amount hidden under a seal, taken as the total less the other rows: a person confirms it.
DEDUCED_AMOUNT_CONFIDENCE = 0.6
# The 合计 label is printed but its digits are unreadable: the capital numerals stand in, reviewed.
TOTAL_FROM_WORDS_CONFIDENCE = 0.6


@dataclass
class CategoryRow:
    name: Field
    amount: Field | None
    repaired: bool = False  # the amount's decimal point was restored
    read_confidence: float = 0.0  # what OCR said of the amount's cell


class ReceiptExtractor(SpecExtractor):
    doc_type = "receipt"

    def score(self, page: OcrPage) -> float:
        """A Shanghai receipt by its form's labels, or a receipt of another kind by its own."""
        text = "".join(clean_text(line.text) for line in page.lines)
        others = self.spec.raw["other_kind_keywords"]
        other_score = sum(weight for keyword, weight in others.items() if keyword in text) / sum(others.values())
        return max(self.spec.keyword_score(page), other_score)

    def read_more(self, page: OcrPage, document: Document) -> None:
        document.fields.update(receipt_kind(page, self.spec))
        document.fields.update(misaligned_payment_box(page, self.spec))
        self.add_hospital(page, document)
        kind = self._visit_kind(page)
        if kind:
            document.fields["visit_kind"] = kind
        if "issue_date" not in document.fields:
            stamp = self._issue_date_stamp(page)
            if stamp:
                document.fields["issue_date"] = stamp
        self._total_from_words(document)
        document.items.extend(self._category_rows(page, document))
        self._total_from_items(document)
        if any(self.spec.raw["paper_cash_split_marker"] in clean_text(line.text) for line in page.lines):
            document.marks.add("paper_cash_split")
        if is_shanghai_receipt(document, self.spec):  # the sums are the Shanghai form's
            apply_arithmetic(page, self.spec, document)

    def regions_to_reread(self, page: OcrPage) -> list[RegionRequest]:
        """The regions the reading stage should read again for this receipt (extractors/receipt_regions.py)."""
        document = self.extract(page, 1.0)
        return receipt_regions(page, self.spec, document) if is_shanghai_receipt(document, self.spec) else []

    def _visit_kind(self, page: OcrPage) -> Field | None:
        for hit in find_labels(page, self.spec.raw["visit_kind_labels"]):
            kind = self._kind_named(hit.text[hit.end:])
            if kind:
                return Field(kind, hit.line.confidence, page.index, hit.line.box)
        for line in page.lines:
            text = clean_text(line.text)
            if "收费" not in text and "票据" not in text and "发票" not in text:
                continue
            kind = self._kind_named(text)
            if kind:
                return Field(kind, line.confidence, page.index, line.box)
        return None

    def _kind_named(self, text: str) -> str | None:
        for kind, patterns in self.spec.raw["visit_kinds"].items():
            if any(re.search(p, text) for p in patterns):
                return kind
        return None

    def _issue_date_stamp(self, page: OcrPage) -> Field | None:
        stamp = re.compile(self.spec.raw["issue_date_stamp"])
        for line in page.lines:
            match = stamp.match(clean_text(line.text))
            found = parse_date(match.group(1)) if match else None
            if found:
                return Field(found.isoformat(), line.confidence, page.index, line.box)
        return None

    @staticmethod
    def _total_from_words(document: Document) -> None:
        """Registration slips print the total only in capital numerals: that is the total.

        Where the 合计 label is printed but its digits could not be read, the words
        stand in too, flagged for review.
        """
        words = document.fields.get("total_in_words")
        if "total" in document.fields or words is None:
            return
        confidence = words.confidence
        if "total" in document.unread:
            confidence = min(confidence, TOTAL_FROM_WORDS_CONFIDENCE)
        document.fields["total"] = Field(words.value, confidence, words.page, words.box)

    @staticmethod
    def _total_from_items(document: Document) -> None:
        """合计 is printed but neither its digits nor its capital numerals could be read: the 项目 rows,
        all read, add up to it. Deduced, so flagged for review."""
        printed = "total" in document.unread or "total_in_words" in document.unread
        if "total" in document.fields or not printed or not document.items or "items" in document.unread:
            return
        amounts = [row["amount"] for row in document.items]
        total = sum((Decimal(amount.value) for amount in amounts), Decimal(0))
        box = union_box(amount.box for amount in amounts)
        document.fields["total"] = Field(money_text(total), DEDUCED_AMOUNT_CONFIDENCE, amounts[0].page, box)
        document.marks.add("total_from_items")  # not a reading of its own: the sums must not count it twice

    def _category_rows(self, page: OcrPage, document: Document) -> list[dict[str, Field]]:
        categories = [clean_text(c) for c in self.spec.raw["item_categories"]]
        stops = list(self.spec.stop_patterns) + [re.compile(re.escape(c)) for c in categories]
        amount_headers = [hit.line for hit in find_labels(page, self.spec.raw["amount_column_labels"])]
        rows = []
        for line in page.lines:
            text = clean_text(line.text)
            category = next((c for c in categories if text.startswith(c)), None)
            if category is None or re.match(r"[\u4e00-\u9fff:]", text[len(category):]):
                continue  # not a category, or a label that starts like one (其他支付:, 其他信息)
            hit = LabelHit(line, 0, len(category))
            name = Field(category, line.confidence, page.index, (line.box[0], line.box[1], hit.x_at(len(category)), line.box[3]))
            row = self._row_amount(page, hit, amount_headers, stops)
            row.name = name
            rows.append(row)
        total = document.value("total") or document.value("total_in_words")
        if total is not None:
            _reconcile_with_total(rows, Decimal(total))
            if document.value("total") == document.value("total_in_words"):  # the total read twice over
                _repair_one_row(rows, Decimal(total), self.spec.raw["arithmetic"]["digit_swaps"])
        if any(row.repaired or (row.amount is not None and row.amount.confidence == DEDUCED_AMOUNT_CONFIDENCE)
               for row in rows):
            document.marks.add("items_not_all_read")  # their sum cannot confirm the total
        if any(row.amount is None for row in rows):
            document.unread.append("items")  # a 项目 is printed whose amount nobody could read
        return [{"name": row.name, "category": row.name, "amount": row.amount} for row in rows if row.amount]

    def _row_amount(self, page: OcrPage, hit: LabelHit, amount_headers: list[TextLine], stops) -> CategoryRow:
        """The amount of a 项目 row: printed after its name, else in the 金额 column on its row."""
        empty = CategoryRow(name=None, amount=None)  # type: ignore[arg-type]
        merged = amount_cell(hit.text[hit.end:])
        if merged is not None:
            return _row_from_cell(page, hit.line, merged)
        column = _column_right_of(hit.line, amount_headers)
        if column is None:
            amount = value_near(page, hit, KINDS["money"], stops, below=False)
            return CategoryRow(name=None, amount=amount, read_confidence=amount.confidence) if amount else empty  # type: ignore[arg-type]
        width = column.box[2] - column.box[0]
        candidates = []
        for line in page.lines:
            if line is hit.line or line.box[2] < column.box[0] - width or line.box[0] > column.box[2] + width:
                continue
            offset = abs(line.center_y - hit.line.center_y)
            cell = amount_cell(line.text)
            if offset <= 0.8 * hit.line.height and cell is not None:
                candidates.append((offset, line, cell))
        if not candidates:
            return empty
        _, line, cell = min(candidates, key=lambda candidate: candidate[0])
        return _row_from_cell(page, line, cell)


def _row_from_cell(page: OcrPage, line: TextLine, cell: tuple[str, bool]) -> CategoryRow:
    value, repaired = cell
    confidence = REPAIRED_AMOUNT_CONFIDENCE if repaired else line.confidence
    return CategoryRow(name=None, amount=Field(value, confidence, page.index, line.box),  # type: ignore[arg-type]
                       repaired=repaired, read_confidence=line.confidence)


def _column_right_of(line: TextLine, headers: list[TextLine]) -> TextLine | None:
    """The nearest amount-column header to the right of a row's name (electronic receipts have two tables)."""
    right = [header for header in headers if header.box[0] > line.box[0]]
    return min(right, key=lambda header: header.box[0]) if right else None


def _repair_one_row(rows: list[CategoryRow], total: Decimal, swaps: dict) -> None:
    """Every row read, but they do not add up to a total its digits and its capital numerals agree on:
    when exactly one typical OCR misread of one digit of one row makes them add up (38.50 read for
    38.80), that row is the repaired one. It was chosen to fit, so a person confirms it."""
    if not rows or any(row.amount is None or row.repaired for row in rows):
        return
    read_sum = sum((Decimal(row.amount.value) for row in rows), Decimal(0))
    if read_sum == total:
        return
    fits = []
    for row in rows:
        text = row.amount.value
        for index, char in enumerate(text):
            for other in str(swaps.get(char, "")):
                value = Decimal(text[:index] + other + text[index + 1:])
                if read_sum - Decimal(text) + value == total:
                    fits.append((row, value))
    if len(fits) == 1:
        row, value = fits[0]
        amount = row.amount
        row.amount = Field(money_text(value), REPAIRED_AMOUNT_CONFIDENCE, amount.page, amount.box)
        row.repaired = True


def _reconcile_with_total(rows: list[CategoryRow], total: Decimal) -> None:
    """Let the printed total confirm restored amounts, or give the one amount a seal hid.

    Rows that add up to the total with their restored decimal points are right as
    read. When exactly one row is doubtful (unread or restored) the total less the
    other rows is its amount; it stays flagged, since it was not read.
    """
    doubtful = [row for row in rows if row.amount is None or row.repaired]
    read_sum = sum((Decimal(row.amount.value) for row in rows if row.amount is not None), Decimal(0))
    if read_sum == total and all(row.amount is not None for row in rows):
        for row in doubtful:
            row.amount = Field(row.amount.value, row.read_confidence, row.amount.page, row.amount.box)
            row.repaired = False
        return
    if len(doubtful) != 1:
        return
    row = doubtful[0]
    others = read_sum - (Decimal(row.amount.value) if row.amount is not None else Decimal(0))
    if others < total:
        box = row.amount.box if row.amount is not None else row.name.box
        row.amount = Field(money_text(total - others), DEDUCED_AMOUNT_CONFIDENCE, row.name.page, box)
