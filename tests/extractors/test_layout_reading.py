"""Reading values by layout: drifted dot-matrix values, misread labels, amount cells, capital numerals."""

from extractors.kinds import amount_cell
from extractors.layout import LabelHit, find_labels, value_near
from extractors.kinds import KINDS
from extractors.model import OcrPage
from pipeline.normalize import parse_amount_in_words
from pipeline.ocr import TextLine


def _page(*lines: tuple[str, tuple[int, int, int, int]]) -> OcrPage:
    return OcrPage("test.jpg", 1, 0, tuple(TextLine(text, box, 0.99) for text, box in lines))


def test_a_drifted_value_goes_to_the_label_whose_row_it_is_nearest():
    # 附加支付's value sits higher and further left than 自负's own, drifted, value (r02 of the eval set).
    page = _page(("元自负", (512, 734, 586, 764)), ("0.00", (567, 713, 624, 740)), ("286.87", (589, 748, 665, 780)))
    hit = LabelHit(page.lines[0], 1, 3)
    assert value_near(page, hit, KINDS["money"], [], below=False).value == "286.87"


def test_a_label_read_with_one_character_wrong_is_found_only_with_the_vocabulary():
    page = _page(("献诊日期：2025-04-10 09:48:18", (1021, 922, 1332, 950)))
    assert find_labels(page, ["就诊日期"]) == []
    hits = find_labels(page, ["就诊日期"], vocabulary=frozenset({"就诊日期", "收费日期"}))
    assert [hit.line.text for hit in hits] == ["献诊日期：2025-04-10 09:48:18"]


def test_another_printed_label_is_never_taken_for_a_misread_one():
    page = _page(("入院日期:2024.10.20", (100, 100, 400, 130)))
    assert find_labels(page, ["出院日期"], vocabulary=frozenset({"出院日期", "入院日期"})) == []


def test_short_labels_and_patterns_have_no_misread_form():
    page = _page(("姓各:张三", (100, 100, 300, 130)))
    assert find_labels(page, ["姓名"], vocabulary=frozenset({"姓名"})) == []


def test_an_amount_cell_with_its_decimal_point_lost_or_misread_is_restored_and_says_so():
    assert amount_cell("75.00") == ("75.00", False)
    assert amount_cell("230-00") == ("230.00", True)
    assert amount_cell("7500") == ("75.00", True)
    assert amount_cell("1项") is None
    assert amount_cell("收费专用章") is None


def test_capital_numerals_whose_fen_unit_a_seal_hid_still_parse():
    assert str(parse_amount_in_words("柒仟贰佰贰拾捌元贰角肆众费专用章")) == "7228.24"
    assert str(parse_amount_in_words("壹佰零玖元贰角肆分")) == "109.24"
    assert str(parse_amount_in_words("叁佰零伍元整")) == "305.00"
