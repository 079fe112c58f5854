"""The receipt's own sums choose between readings of its money fields and repair digits.

Lines are placed as on the calibration receipts (../shared/calibration); the values are made up.
"""

from extractors.model import OcrPage
from extractors.receipt_arithmetic import amount_readings, words_readings
from extractors.registry import extract
from pipeline import checks
from pipeline.ocr import TextLine

TITLE = ("上海市医疗门(急)诊收费票据", (740, 96, 1123, 144))


def _receipt(*lines: tuple[str, tuple[int, int, int, int]]):
    page = OcrPage("test.jpg", 1, 0, tuple(TextLine(text, box, 0.97) for text, box in (TITLE, *lines)))
    return checks.check_document(extract(page))


BOX = (
    ("合计(大写):", (395, 522, 503, 550)), ("贰拾捌元¥28.00", (552, 522, 732, 553)),
    ("现金支付：", (387, 565, 491, 595)), ("¥28.00", (509, 569, 592, 598)),
    ("个人账户支付：", (610, 567, 749, 594)), ("0.00", (789, 569, 846, 596)),
    ("医保统筹支付：", (385, 606, 529, 637)), ("0.00", (543, 612, 606, 646)),
    ("附加支付：", (608, 608, 706, 637)), ("0.00", (721, 616, 780, 646)),
)


def test_a_yen_sign_read_as_1_is_repaired_when_the_cash_split_confirms_it():
    receipt = _receipt(*BOX, ("现金支付中：分类自负¥10.00元自负25.00元", (380, 648, 875, 681)),
                       ("自费3.00元（不属于医保报销范围）", (380, 690, 762, 719)))
    category = receipt.fields["category_self_pay"]
    assert category.value == "0.00" and category.confidence >= 0.95  # 28.00 = 0.00 + 25.00 + 3.00, all read
    assert "category_self_pay" not in receipt.needs_review
    note = next(c for c in receipt.checks if c.check == "arithmetic_repairs")
    assert "分类自负" in note.detail and "¥" in note.detail
    assert all(c.ok for c in receipt.checks)


def test_a_value_no_sum_can_confirm_is_left_as_read():
    receipt = _receipt(*BOX, ("现金支付中：分类自负¥10.00元自负18.00元", (380, 648, 875, 681)))
    # 10.00 + 18.00 = 28.00 as read: nothing to repair, and 自费 is not printed.
    assert receipt.value("category_self_pay") == "10.00"


def test_two_repairs_that_add_up_equally_well_go_to_review():
    # 10.00 + 10.00 is not 28.00; 18.00 + 10.00 and 10.00 + 18.00 (an 8 read as 0) both are: a person chooses.
    receipt = _receipt(*BOX, ("现金支付中：分类自负10.00元自负10.00元", (380, 648, 875, 681)))
    assert {"category_self_pay", "self_borne"} <= set(receipt.needs_review)
    assert receipt.value("category_self_pay") == receipt.value("self_borne") == "10.00"  # as read, not a guess


def test_a_value_read_cleanly_is_never_overruled_by_a_sum():
    receipt = _receipt(*BOX, ("现金支付中：分类自负11.19元自负361.81元", (380, 648, 875, 681)))
    assert receipt.value("self_borne") == "361.81"  # does not add up: a person looks, nothing is deduced
    assert "self_borne" in receipt.needs_review


def test_an_unread_part_is_deduced_from_the_split_and_reviewed():
    receipt = _receipt(*BOX, ("现金支付中：分类自负0.00元自负25.00元", (380, 648, 875, 681)),
                       ("自费元（不属于医保报销范围）", (380, 690, 762, 719)))
    assert receipt.value("self_pay") == "3.00"
    assert "self_pay" in receipt.needs_review


def test_capital_numerals_with_a_misread_first_digit_are_repaired_by_the_total():
    receipt = _receipt(("合计(大写):侧拾捌元", (395, 522, 640, 550)), ("¥28.00", (650, 522, 732, 553)),
                       *BOX[2:], ("合计", (150, 470, 200, 492)), ("28.00", (300, 470, 360, 492)))
    assert receipt.value("total_in_words") == "28.00"
    assert receipt.fields["total_in_words"].confidence >= 0.95


def test_whole_yuan_confirmed_by_the_split_is_sure():
    receipt = _receipt(("合计(大写):", (395, 522, 503, 550)), ("贰佰壹拾壹元伍角叁分¥211.53", (552, 522, 800, 553)),
                       ("现金支付：", (387, 565, 491, 595)), ("111", (509, 569, 560, 598)),
                       ("个人账户支付：", (610, 567, 749, 594)), ("0.00", (789, 569, 846, 596)),
                       ("医保统筹支付：", (385, 606, 529, 637)), ("100.53", (543, 612, 620, 646)),
                       ("附加支付：", (640, 608, 730, 637)), ("0.00", (745, 616, 800, 646)))
    cash = receipt.fields["cash_paid"]
    # The nearest amount with cents is 统筹's, below: 100.53 + 100.53 is not 211.53, 100.53 + 111 is.
    assert (cash.value, cash.confidence >= 0.95) == ("111.00", True)


def test_readings_of_a_printed_amount():
    values = {str(r.value): r.cost for r in amount_readings("¥10.00元", 0.9, None, {"0": "8"}, 0.8)}
    assert values["10.00"] == 0 and values["0.00"] == 1 and values["18.00"] == 1
    assert [str(r.value) for r in words_readings("侧拾壹元", 0.9, None)][:2] == ["11.00", "21.00"]
    assert amount_readings("元", 0.9, None, {}, 0.8) == []
