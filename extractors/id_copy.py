"""ID card copies: name, sex, birth date and the ID number (check digit verified in checks)."""

from __future__ import annotations

from extractors.base import SpecExtractor
from extractors.model import Document, Field, OcrPage
from pipeline.normalize import ID_NUMBER, clean_text


class IdCopyExtractor(SpecExtractor):
    doc_type = "id_copy"

    def read_more(self, page: OcrPage, document: Document) -> None:
        if "id_number" not in document.fields:
            # The number is often printed on its own line, away from its label.
            for line in page.lines:
                match = ID_NUMBER.search(clean_text(line.text))
                if match:
                    document.fields["id_number"] = Field(match.group(1).upper(), line.confidence, page.index, line.box)
                    break
        number = document.value("id_number")
        if number and "birth_date" not in document.fields:
            field = document.fields["id_number"]
            birth = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
            document.fields["birth_date"] = Field(birth, field.confidence, page.index, field.box)
