"""ID card copies: name, sex, birth date and the ID number (check digit verified in checks).

Front (姓名 … 公民身份号码) and back (签发机关, 有效期限) are found wherever they sit on the
sheet, in either order: each value is read beside its own label, and the back's labels end
the front's values on their row.
"""

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
        if not number:
            return
        # The number holds the birth date and, in its 17th digit, the sex (odd: 男): printed on every
        # card's front, so an unread 性别 or 出生 is read off the number.
        field = document.fields["id_number"]
        if "birth_date" not in document.fields:
            birth = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
            document.fields["birth_date"] = Field(birth, field.confidence, page.index, field.box)
        if "sex" not in document.fields:
            document.fields["sex"] = Field("男" if int(number[16]) % 2 else "女", field.confidence, page.index, field.box)
