"""The second look keyed by the extractor: the receipt names the regions it could not settle, the
reading stage reads them again on the page as scanned (real engine) and adds what it reads."""

from extractors.model import OcrPage
from extractors.registry import extract, regions_to_reread
from pipeline.ocr import TextLine, get_engine
from pipeline.second_look import read_requested
from tests.samples import SAMPLES, stored_page

TITLE = ("上海市医疗门(急)诊收费票据", (740, 96, 1123, 144))
SETTLED = (
    ("合计(大写):", (395, 522, 503, 550)), ("贰拾捌元¥28.00", (552, 522, 732, 553)),
    ("现金支付：28.00", (387, 565, 560, 595)), ("个人账户支付：0.00", (610, 567, 846, 596)),
    ("医保统筹支付：0.00", (385, 606, 606, 637)), ("附加支付：0.00", (608, 608, 780, 637)),
    ("现金支付中：分类自负0.00元自负28.00元", (380, 648, 875, 681)), ("日期：2026-03-18", (900, 700, 1100, 730)),
)


def _page(*lines):
    return OcrPage("test.jpg", 1, 0, tuple(TextLine(text, box, 0.97) for text, box in (TITLE, *lines)))


def test_a_receipt_whose_sums_hold_asks_for_nothing():
    assert regions_to_reread(_page(*SETTLED)) == []


def test_a_receipt_asks_for_its_unread_money_labels_and_date_only():
    unread = SETTLED[:-2] + (("现金支付中：分类自负", (380, 648, 560, 681)), ("自负28.00元", (600, 648, 875, 681)),
                             ("日期：", (900, 700, 960, 730)))
    requests = {request.field: request for request in regions_to_reread(_page(*unread))}
    assert set(requests) == {"category_self_pay", "issue_date"}
    left, top, right, bottom = requests["category_self_pay"].box
    assert 540 <= left <= 560 < right <= 560 + 4.5 * 33 and top < 648 < 681 < bottom  # right of 分类自负, on its row


def test_pages_of_other_types_ask_for_nothing():
    record = stored_page(SAMPLES / "01_outpatient_pays" / "record_a4_first_visit.jpg")
    assert regions_to_reread(record) == []


def test_a_region_read_again_adds_its_value_beside_the_first_reading():
    scan = SAMPLES / "01_outpatient_pays" / "receipt_skew2_seal.jpg"
    stored = stored_page(scan)
    # 现金支付 and 自负 as if unread. One alone the sums would give twice over (合计 less the others,
    # and 分类自负 + 自负 + 自费): sure without a second look. Both together, each only once.
    lines = [line for line in stored.lines if line.text not in ("1050.00", "1000.00")]
    first = OcrPage(scan.name, 1, 0, tuple(lines), image=stored.image)
    requests = regions_to_reread(first)
    assert {request.field for request in requests} == {"cash_paid", "self_borne"}
    read = read_requested(stored.image, lines, requests, get_engine("paddleocr"))
    assert {"1050.00", "1000.00"} <= {line.text for line in read if line not in lines}
    receipt = extract(OcrPage(scan.name, 1, 0, tuple(read), image=stored.image))
    assert (receipt.value("cash_paid"), receipt.value("self_borne")) == ("1050.00", "1000.00")
    assert min(receipt.fields["cash_paid"].confidence, receipt.fields["self_borne"].confidence) >= 0.95


def test_one_unread_part_two_sums_give_is_sure_without_a_second_look():
    stored = stored_page(SAMPLES / "01_outpatient_pays" / "receipt_skew2_seal.jpg")
    page = OcrPage(stored.source, 1, 0, tuple(line for line in stored.lines if line.text != "1050.00"),
                   image=stored.image)
    assert regions_to_reread(page) == []
    cash = extract(page).fields["cash_paid"]
    assert (cash.value, cash.confidence >= 0.95) == ("1050.00", True)
