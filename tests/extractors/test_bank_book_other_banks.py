"""Bank books of other banks: the account page's ruled cells and the book's cover."""

import pytest

from extractors.bank_book import BankBookExtractor
from extractors.model import OcrPage
from pipeline.ocr import TextLine
from tests.extractors.tuned import tuned_page


@pytest.mark.parametrize("family", ["tuned_bank_account_page", "tuned_bank_cover"])
@pytest.mark.parametrize("suffix", ["a", "b", "c", "d"])
def test_bank_holder_and_account_are_read_on_every_layout(family, suffix):
    _, truth, page = tuned_page(family, f"{family}_{suffix}")
    document = BankBookExtractor().extract(page, 1.0)
    assert {name: document.value(name) for name in truth["fields"]} == truth["fields"]


def test_a_holder_labelled_as_the_customer_name_with_a_spaced_account_number():
    lines = (TextLine("上海浦东发展银行", (100, 100, 500, 150), 0.99), TextLine("客户名称", (100, 300, 220, 330), 0.99),
             TextLine("梁晨阳", (300, 300, 400, 330), 0.99), TextLine("卡 号", (100, 370, 170, 400), 0.99),
             TextLine("6217 9201 3012 3456 789", (300, 370, 700, 400), 0.99))
    document = BankBookExtractor().extract(OcrPage("b.jpg", 1, 0, lines), 1.0)
    assert (document.value("account_holder"), document.value("account_number")) == ("梁晨阳", "6217920130123456789")
