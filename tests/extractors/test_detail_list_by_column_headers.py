"""Detail lists read by their column headers wherever they sit: grids, dot-matrix, groups with 小计, prescriptions."""

import pytest

from extractors.detail_list import DetailListExtractor
from extractors.model import OcrPage
from pipeline.checks import check_document
from pipeline.ocr import TextLine
from tests.extractors.tuned import tuned_page


def _page(*lines) -> OcrPage:
    return OcrPage("d.jpg", 1, 0, tuple(TextLine(text, box, 0.97) for text, box in lines))


def _items(document):
    return [(item["name"].value, item["amount"].value) for item in document.items]


def test_a_header_read_as_one_line_is_split_at_its_column_names_and_a_row_at_its_spaces():
    page = _page(("费用明细清单", (400, 50, 800, 90)),
                 ("项目名称        规格        数量   单价    金额", (80, 200, 1160, 230)),
                 ("头孢克洛缓释片  0.375g*6片/盒  2盒  32.60  65.20", (80, 250, 1160, 280)),
                 ("合计: 65.20", (80, 300, 300, 330)))
    item = DetailListExtractor().extract(page, 1.0).items[0]
    assert (item["name"].value, item["spec"].value, item["quantity"].value) == ("头孢克洛缓释片", "0.375g*6片/盒", "2")
    assert (item["unit_price"].value, item["amount"].value) == ("32.60", "65.20")


def test_a_sequence_number_is_no_part_of_a_short_name_under_a_centred_header():
    page = _page(("序号", (80, 200, 130, 230)), ("药品名称", (250, 200, 360, 230)), ("数量", (700, 200, 760, 230)),
                 ("金额", (950, 200, 1010, 230)),
                 ("1", (100, 250, 112, 280)), ("雾化吸入", (146, 250, 240, 280)), ("3", (740, 250, 752, 280)),
                 ("54.00", (960, 250, 1030, 280)))
    assert _items(DetailListExtractor().extract(page, 1.0)) == [("雾化吸入", "54.00")]


def _grouped(subtotal: str) -> OcrPage:
    return _page(("项目名称", (80, 200, 200, 230)), ("数量", (700, 200, 760, 230)), ("单价", (850, 200, 910, 230)),
                 ("金额", (1100, 200, 1160, 230)),
                 ("【西药费】", (80, 250, 220, 280)),
                 ("奥美拉唑肠溶胶囊", (100, 300, 330, 330)), ("2", (740, 300, 752, 330)), ("18.90", (850, 300, 910, 330)),
                 ("37.80", (1100, 300, 1160, 330)),
                 ("小计：", (700, 350, 780, 380)), (subtotal, (1100, 350, 1160, 380)),
                 ("【化验费】", (80, 400, 220, 430)),
                 ("血常规(五分类)", (100, 450, 300, 480)), ("1", (740, 450, 752, 480)), ("30.00", (850, 450, 910, 480)),
                 ("30.00", (1100, 450, 1160, 480)),
                 ("小计：", (700, 500, 780, 530)), ("30.00", (1100, 500, 1160, 530)),
                 ("总计：67.80", (80, 560, 300, 590)))


def test_rows_grouped_under_categories_are_read_past_each_subtotal_and_take_their_group():
    document = DetailListExtractor().extract(_grouped("37.80"), 1.0)
    assert _items(document) == [("奥美拉唑肠溶胶囊", "37.80"), ("血常规(五分类)", "30.00")]
    assert [item["category"].value for item in document.items] == ["西药费", "化验费"]
    assert document.value("total") == "67.80"


def test_a_subtotal_that_does_not_add_up_sends_its_group_to_a_person():
    document = check_document(DetailListExtractor().extract(_grouped("37.30"), 1.0))
    assert document.items[0]["amount"].confidence < 0.85
    assert "items[0].amount" in document.needs_review and "items[1].amount" not in document.needs_review


def test_a_row_whose_quantity_and_price_do_not_make_its_amount_goes_to_a_person():
    page = _page(("项目名称", (80, 200, 200, 230)), ("数量", (700, 200, 760, 230)), ("单价", (850, 200, 910, 230)),
                 ("金额", (1100, 200, 1160, 230)),
                 ("肝功能检测", (100, 250, 260, 280)), ("1项", (740, 250, 770, 280)), ("68.00", (850, 250, 910, 280)),
                 ("63.00", (1100, 250, 1160, 280)))
    document = check_document(DetailListExtractor().extract(page, 1.0))
    assert "items[0].amount" in document.needs_review


def test_a_name_wrapped_onto_the_line_below_is_one_name():
    page = _page(("项目名称", (80, 200, 200, 230)), ("数量", (700, 200, 760, 230)), ("金额", (1100, 200, 1160, 230)),
                 ("注射用头孢曲松", (100, 250, 300, 280)), ("1", (740, 250, 752, 280)), ("18.60", (1100, 250, 1160, 280)),
                 ("钠", (100, 282, 130, 310)),
                 ("合计：18.60", (80, 340, 300, 370)))
    assert _items(DetailListExtractor().extract(page, 1.0)) == [("注射用头孢曲松钠", "18.60")]


@pytest.mark.parametrize("family, name", [
    ("tuned_detail_grid", "tuned_detail_grid_a"), ("tuned_detail_grid", "tuned_detail_grid_b"),
    ("tuned_detail_grid", "tuned_detail_grid_c"), ("tuned_detail_grid", "tuned_detail_grid_d"),
    ("tuned_detail_grouped", "tuned_detail_grouped_a"), ("tuned_detail_grouped", "tuned_detail_grouped_b"),
    ("tuned_detail_grouped", "tuned_detail_grouped_c"), ("tuned_detail_grouped", "tuned_detail_grouped_d"),
    ("tuned_detail_prescription", "tuned_detail_prescription_a"),
    ("tuned_detail_prescription", "tuned_detail_prescription_b"),
    ("tuned_detail_dotmatrix", "tuned_detail_dotmatrix_a"), ("tuned_detail_dotmatrix", "tuned_detail_dotmatrix_d")])
def test_every_item_of_the_tuning_tables_is_read_with_its_amount(family, name):
    _, truth, page = tuned_page(family, name)
    document = DetailListExtractor().extract(page, 1.0)
    assert _items(document) == [(item["name"], item["amount"]) for item in truth["items"]]
    assert document.value("total") == truth["fields"]["total"]


def test_a_prescription_reads_the_days_of_each_drug():
    _, truth, page = tuned_page("tuned_detail_prescription", "tuned_detail_prescription_a")
    document = DetailListExtractor().extract(page, 1.0)
    assert [item["days"].value for item in document.items] == [item["days"] for item in truth["items"]]
