"""ID card copies: front and back found anywhere on the sheet, side by side, stacked either way, or one side only."""

import pytest

from extractors.id_copy import IdCopyExtractor
from extractors.model import OcrPage
from pipeline.ocr import TextLine
from tests.extractors.tuned import tuned_page

FIELDS = ("name", "sex", "birth_date", "id_number")


@pytest.mark.parametrize("family", ["tuned_id_side_by_side", "tuned_id_stacked", "tuned_id_one_side"])
@pytest.mark.parametrize("suffix", ["a", "b", "c", "d"])
def test_every_front_field_is_read_wherever_the_card_sits(family, suffix):
    _, truth, page = tuned_page(family, f"{family}_{suffix}")
    document = IdCopyExtractor().extract(page, 1.0)
    assert {name: document.value(name) for name in FIELDS} == truth["fields"]


def test_the_back_beside_the_front_gives_no_value_to_the_front_labels_on_its_row():
    # Front left, back right: 中华人民共和国 sits on the row of 姓名, whose own value OCR lost.
    lines = (TextLine("姓名", (100, 300, 150, 330), 0.99), TextLine("中华人民共和国", (700, 295, 1000, 335), 0.99),
             TextLine("公民身份号码", (100, 600, 250, 630), 0.99),
             TextLine("310104198708110027", (260, 600, 600, 630), 0.99))
    document = IdCopyExtractor().extract(OcrPage("i.jpg", 1, 0, lines), 1.0)
    assert "name" not in document.fields


def test_an_unread_sex_is_read_off_the_number_as_surely_as_the_number():
    lines = (TextLine("公民身份号码", (100, 600, 250, 630), 0.99),
             TextLine("310120200407092024", (260, 600, 600, 630), 0.97))
    document = IdCopyExtractor().extract(OcrPage("i.jpg", 1, 0, lines), 1.0)
    assert (document.value("sex"), document.value("birth_date")) == ("女", "2004-07-09")
    assert document.fields["sex"].confidence == 0.97
