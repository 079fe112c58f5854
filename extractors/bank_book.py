"""Bank book copies: the bank, the account number and its holder."""

from __future__ import annotations

from extractors.base import SpecExtractor
from extractors.model import Document, OcrPage


class BankBookExtractor(SpecExtractor):
    doc_type = "bank_book"

    def read_more(self, page: OcrPage, document: Document) -> None:
        bank = self.first_match(page, "bank_pattern")
        if bank:
            document.fields["bank_name"] = bank
