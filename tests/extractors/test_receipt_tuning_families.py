"""Receipts of the tuning layout families (tests/tools/make_tuning_families.py), read on their stored OCR:
a narrow slip on the scanner bed, the pre-printed form photographed by phone, a dense laser print;
and the 项目 rows' one misread digit the total repairs.

Unit tests place lines as those pages have them; the others read the stored pages themselves.
"""

import re
from decimal import Decimal

import pytest

from extractors.layout import FarValues, LabelHit, value_near
from extractors.kinds import KINDS
from extractors.model import Field, OcrPage
from extractors.receipt import _repair_one_row
from extractors.registry import extract
from extractors.spec import load_spec
from pipeline import checks
from pipeline.evaluation import evaluate_stored, stored_pages
from pipeline.normalize import clean_text
from pipeline.ocr import TextLine
from tests.extractors.tuned import TESTS, tuned_page

FAMILIES = ("tuned_receipt_narrow_slip", "tuned_receipt_phone_photo", "tuned_receipt_dense_laser")
SLIP = FAMILIES[0]
FAR = FarValues(heights=24, aligned_rows=3, unaligned_confidence=0.6)
# The printed forms of an issue date the families vary, as OCR reads them (spaces removed).
DATE_FORMS = {"2025年03月04日": r"20\d{2}年\d{2}月\d{2}日", "2025-03-04": r"20\d{2}-\d{2}-\d{2}",
              "2025.03.04": r"20\d{2}\.\d{2}\.\d{2}", "20250304": r"(?<![\d.\-])20\d{6}(?![\d.\-])"}


def _pages(family: str):
    folder = TESTS / "eval_set" / "tuned" / family
    for truth in sorted(folder.glob("*.truth.json")):
        yield tuned_page(family, truth.name.removesuffix(".truth.json"))


def _page(*lines: tuple[str, tuple[int, int, int, int]]) -> OcrPage:
    return OcrPage("test.jpg", 1, 0, tuple(TextLine(text, box, 0.99) for text, box in lines))


def _date_forms(page: OcrPage, iso: str) -> set[str]:
    """Which of the four forms the page prints its issue date in."""
    digits = iso.replace("-", "")
    found = set()
    for line in page.lines:
        text = clean_text(line.text)
        for form, pattern in DATE_FORMS.items():
            for match in re.finditer(pattern, text):
                if re.sub(r"\D", "", match.group(0)) == digits:
                    found.add(form)
    return found


def test_a_narrow_slips_issue_date_is_read_in_each_format():
    forms = set()
    for scan, truth, page in _pages(SLIP):
        document = extract(page)
        assert document.value("issue_date") == truth["fields"]["issue_date"], scan.name
        forms |= _date_forms(page, truth["fields"]["issue_date"])
    assert forms == set(DATE_FORMS)  # every form was on some slip, and each was read


def test_a_slips_value_right_aligned_at_its_far_edge_is_its_labels_and_sure():
    for scan, truth, page in _pages(SLIP):
        document = checks.check_document(extract(page))
        for name in ("payer_name", "insurance_type", "cash_paid", "self_borne", "account_paid"):
            assert document.value(name) == truth["fields"][name], (scan.name, name)
        # the slip's value column (values ending at one x, row under row) makes them sure
        assert document.fields["payer_name"].confidence >= 0.85, scan.name


def test_a_far_value_with_no_value_column_beside_it_goes_to_a_person():
    page = _page(("姓名：", (800, 560, 868, 599)), ("钱一鸣", (1368, 555, 1460, 595)))
    found = value_near(page, LabelHit(page.lines[0], 0, 2), KINDS["person_name"], [], below=False, far=FAR)
    assert found.value == "钱一鸣" and found.confidence == FAR.unaligned_confidence


def test_a_far_value_is_never_taken_past_something_else_on_the_row():
    # A blank 现金支付 whose row runs on into another column: what stands nearer is not its value,
    # so neither is what lies beyond it.
    page = _page(("现金支付：", (800, 676, 923, 708)), ("第一联", (1000, 676, 1100, 708)),
                 ("231.52", (1396, 669, 1461, 707)))
    spec = load_spec("receipt")
    assert value_near(page, LabelHit(page.lines[0], 0, 4), KINDS["money"], list(spec.stop_patterns),
                      below=False, far=FAR) is None


def test_a_far_value_beyond_the_reach_of_a_slip_is_not_taken():
    page = _page(("姓名：", (0, 560, 68, 599)), ("钱一鸣", (1100, 555, 1190, 595)))  # 26 heights away
    assert value_near(page, LabelHit(page.lines[0], 0, 2), KINDS["person_name"], [], below=False, far=FAR) is None


def test_a_slips_value_wrapped_under_its_label_to_the_far_edge_is_its_labels():
    # tuned_receipt_narrow_slip_f: 日期: alone on its line, the date at the slip's edge on the next.
    wrapped = (("日期:", (28, 1644, 100, 1682)), ("2024-04-08", (541, 1703, 688, 1734)))
    page = _page(*wrapped)
    found = value_near(page, LabelHit(page.lines[0], 0, 2), KINDS["date"], [], far=FAR)
    assert found.value == "2024-04-08"
    # Under a label with a row of its own below: that row's value is its label's.
    page = _page(*wrapped, ("收款员:", (28, 1700, 126, 1736)))
    spec = load_spec("receipt")
    assert value_near(page, LabelHit(page.lines[0], 0, 2), KINDS["date"], list(spec.stop_patterns),
                      far=FAR) is None


def test_a_phone_photos_issue_date_is_read_printed_off_its_line_or_stamped_beside_the_forms_label():
    forms = set()
    for scan, truth, page in _pages("tuned_receipt_phone_photo"):
        assert extract(page).value("issue_date") == truth["fields"]["issue_date"], scan.name
        forms |= _date_forms(page, truth["fields"]["issue_date"])
    assert forms == set(DATE_FORMS)


@pytest.mark.parametrize("family", FAMILIES)
def test_the_receipts_own_item_rows_are_read_in_every_receipt_tuning_family(family):
    for scan, truth, page in _pages(family):
        document = extract(page)
        got = sorted((str(row["name"].value), str(row["amount"].value)) for row in document.items)
        assert got == sorted((item["name"], item["amount"]) for item in truth["items"]), scan.name


@pytest.mark.parametrize("family", FAMILIES)
def test_a_receipt_tuning_family_reads_its_fields_and_accepts_no_wrong_money(family):
    report = evaluate_stored(TESTS / "eval_set" / "tuned" / family, TESTS / "ocr_eval")
    assert report.pages == 6
    assert report.fields.share >= 0.98, report.render()
    accepted = report.money_accepted()
    assert accepted.total and accepted.right == accepted.total, report.render()


def _rows(*amounts: str):
    from extractors.receipt import CategoryRow

    return [CategoryRow(name=Field(f"项目{i}", 0.99, 1, None), amount=Field(a, 0.99, 1, None), read_confidence=0.99)
            for i, a in enumerate(amounts)]


def test_one_misread_digit_of_one_item_row_is_repaired_when_the_total_read_twice_says_so():
    # r06 of the eval set: 38.80 under a seal read 38.50; 合计 544.80 and its capital numerals agree.
    scan = TESTS / "eval_set" / "receipt" / "r06_alipay_zero_rot90.jpg"
    [page] = stored_pages(scan, TESTS / "ocr_eval" / "receipt" / "r06_alipay_zero_rot90.json")
    document = checks.check_document(extract(page))
    row = next(row for row in document.items if row["name"].value == "中成药费")
    assert row["amount"].value == "38.80"
    assert row["amount"].confidence < 0.85  # chosen to fit the total: a person confirms it


def test_item_rows_two_misreads_could_each_make_add_up_are_left_as_read():
    rows = _rows("38.50", "25.50", "80.00")  # 5→8 in either of the first two rows gives 144.30
    _repair_one_row(rows, Decimal("144.30"), load_spec("receipt").raw["arithmetic"]["digit_swaps"])
    assert [row.amount.value for row in rows] == ["38.50", "25.50", "80.00"]
    assert not any(row.repaired for row in rows)
