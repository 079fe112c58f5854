"""A detail list's visit date and total under the names hospitals print them by; never a print or birth date."""

import pytest

from extractors.detail_list import DetailListExtractor
from extractors.model import OcrPage
from pipeline.ocr import TextLine


def _page(*lines) -> OcrPage:
    return OcrPage("d.jpg", 1, 0, tuple(TextLine(text, box, 0.97) for text, box in lines))


def _list(header: str, total: str) -> OcrPage:
    return _page(("上海市第六人民医院门诊处方笺", (300, 50, 900, 90)),
                 (header, (80, 120, 1160, 150)),
                 ("药品名称", (80, 200, 200, 230)), ("数量", (700, 200, 760, 230)), ("金额", (1100, 200, 1160, 230)),
                 ("头孢克洛缓释片", (80, 250, 260, 280)), ("2盒", (700, 250, 750, 280)), ("65.20", (1090, 250, 1160, 280)),
                 (total, (800, 320, 1160, 350)))


@pytest.mark.parametrize("header", [
    "姓名：张三 科别：内科 开方日期：2025-02-10",
    "姓名：张三 科别：内科 日期：2025-02-10",      # a bare 日期 after other labels on its line
    "处方日期：2025年2月10日",
    "结算日期：2025.02.10",
])
def test_the_visit_date_is_read_under_each_of_its_names(header):
    document = DetailListExtractor().extract(_list(header, "药费合计：65.20"), 1.0)
    assert str(document.value("visit_date")) == "2025-02-10"


@pytest.mark.parametrize("total", ["药费合计：65.20", "金额合计 65.20", "费用总额：65.20", "总费用：65.20"])
def test_the_total_is_read_under_each_of_its_names(total):
    document = DetailListExtractor().extract(_list("就诊日期：2025-02-10", total), 1.0)
    assert str(document.value("total")) == "65.20"


@pytest.mark.parametrize("header", ["打印日期：2025-03-01", "出生日期：1980-05-06", "制表日期：2025-03-01"])
def test_a_print_date_or_a_birth_date_is_never_the_visit_date(header):
    document = DetailListExtractor().extract(_list(header, "合计：65.20"), 1.0)
    assert document.value("visit_date") is None
