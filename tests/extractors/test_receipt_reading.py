"""Receipts: electronic ones from their text layer, 项目 rows under seals, dates without labels."""

from pathlib import Path

from extractors.model import Document, Field, OcrPage
from extractors.receipt import DEDUCED_AMOUNT_CONFIDENCE, ReceiptExtractor
from extractors.registry import extract
from pipeline import checks
from pipeline.ocr import TextLine
from pipeline.pages import split
from pipeline.reading import read_page

EVAL_SET = Path(__file__).resolve().parents[1] / "eval_set"


def _electronic(name: str):
    page = split(EVAL_SET / "receipt" / name)[0]
    return checks.check_document(extract(read_page(page, engine=None)))  # a text layer needs no OCR


def test_an_electronic_receipt_is_read_from_its_text_layer():
    document = _electronic("e01_electronic.pdf")
    assert document.value("payer_name") == "范建国"  # not 统一社会信 from 交款人统一社会信用代码
    assert document.value("total") == "254.00"  # printed after (小写)
    assert document.value("total_in_words") == "254.00"
    assert document.value("visit_kind") == "outpatient"  # 就诊类型:门诊
    assert [(i["name"].value, i["amount"].value) for i in document.items] == [
        ("诊查费", "75.00"), ("西药费", "116.50"), ("中成药费", "62.50")]
    assert document.needs_review == []


def test_its_other_payments_line_is_not_a_category_row():
    document = _electronic("e01_electronic.pdf")
    assert all(item["name"].value != "其他" for item in document.items)  # 其他支付:0.00, 其他信息


def _receipt_page(*lines) -> OcrPage:
    return OcrPage("r.jpg", 1, 0, tuple(TextLine(text, box, 0.99) for text, box in lines))


_TABLE_HEAD = (("项目", (250, 323, 301, 354)), ("金额(元)", (463, 324, 551, 352)))


def test_amounts_with_restored_decimal_points_are_trusted_when_they_add_up_to_the_total():
    page = _receipt_page(*_TABLE_HEAD, ("诊查费", (202, 380, 283, 415)), ("7500", (564, 380, 626, 414)),
                         ("CT费", (202, 419, 260, 453)), ("230-00", (552, 420, 627, 450)),
                         ("合计", (403, 465, 459, 501)), ("305.00", (548, 467, 626, 496)))
    document = checks.check_document(ReceiptExtractor().extract(page, 1.0))
    assert [(i["name"].value, i["amount"].value) for i in document.items] == [("诊查费", "75.00"), ("CT费", "230.00")]
    assert not [name for name in document.needs_review if name.startswith("items")]


def test_an_amount_hidden_under_a_seal_is_the_total_less_the_other_rows_and_is_reviewed():
    page = _receipt_page(*_TABLE_HEAD, ("诊查费", (198, 380, 277, 412)), ("75.00", (554, 369, 625, 412)),
                         ("治疗费", (197, 419, 275, 451)), ("收费专", (595, 420, 679, 449)),
                         ("合计", (396, 463, 453, 499)), ("165.00", (543, 466, 622, 495)))
    document = checks.check_document(ReceiptExtractor().extract(page, 1.0))
    treatment = document.items[1]["amount"]
    assert (document.items[1]["name"].value, treatment.value) == ("治疗费", "90.00")
    assert treatment.confidence == DEDUCED_AMOUNT_CONFIDENCE and "items[1].amount" in document.needs_review


def test_a_row_whose_amount_cannot_be_read_or_deduced_is_left_out_and_the_items_reviewed():
    page = _receipt_page(*_TABLE_HEAD, ("诊查费", (198, 380, 277, 412)), ("治疗费", (197, 419, 275, 451)),
                         ("合计", (396, 463, 453, 499)), ("165.00", (543, 466, 622, 495)))
    document = checks.check_document(ReceiptExtractor().extract(page, 1.0))
    assert document.items == [] and "items" in document.needs_review


def test_a_dot_matrix_charge_time_without_label_is_the_issue_date():
    page = _receipt_page(("收款员：", (606, 940, 688, 971)), ("2025061008:13:47", (1065, 956, 1259, 980)))
    assert ReceiptExtractor().extract(page, 1.0).value("issue_date") == "2025-06-10"


def test_a_slip_printing_only_capital_numerals_takes_them_as_its_total():
    page = _receipt_page(("合计(大写):", (190, 605, 317, 638)), ("伍拾元整", (318, 611, 430, 646)))
    document = ReceiptExtractor().extract(page, 1.0)
    assert document.value("total") == "50.00" and document.fields["total"].confidence > 0.9


def test_unreadable_digits_after_a_printed_total_label_fall_back_to_the_words_for_review():
    document = Document("r.jpg", 1, "receipt", 1.0, 0, unread=["total"])
    document.fields["total_in_words"] = Field("288.46", 0.99, 1, None)
    ReceiptExtractor._total_from_words(document)
    assert document.value("total") == "288.46"
    assert "total" in checks.check_document(document).needs_review
