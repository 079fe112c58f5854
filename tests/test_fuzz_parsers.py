"""Fuzzing the readers of OCR text: amounts in figures and in capital numerals (大写), dates, ID numbers,
and the splitting of medical records and discharge summaries into their labelled sections.

Arbitrary text gives a value or None, never an exception other than the project's typed errors; what
the forms print reads back as printed. The runs are derandomized, so CI tries the same examples
every time; a bug the fuzzing found is kept as an `@example`.
"""

from __future__ import annotations

import re
import string
from datetime import date
from decimal import Decimal

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from extractors.discharge_summary import DischargeSummaryExtractor
from extractors.kinds import KINDS, amount_cell
from extractors.medical_record import MedicalRecordExtractor
from extractors.model import OcrPage
from extractors.registry import EXTRACTORS
from extractors.spec import load_spec
from pipeline.errors import ClaimsError
from pipeline.normalize import (clean_text, id_number_problem, mask_id_number, mask_name, parse_amount_in_words,
                                parse_date, parse_decimal, parse_money)
from pipeline.ocr import TextLine
from tests.tools.make_sample_scans import id_with_check_digit, rmb_in_words

FUZZ = settings(max_examples=400, derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

# What OCR makes of a form: figures, capital numerals, date marks, labels, currency signs, odd spaces.
OCR_PIECES = (list("0123456789０１２３４５６７８９.,-/:：¥￥Y羊 \u3000\t\n()（）")
              + list("零壹贰叁肆伍陆柒捌玖拾佰仟万萬亿元圆角分整正一二两三十百千参陸〇")
              + ["年", "月", "日", "合计", "大写", "金额", "就诊日期", "身份证", "X", "x", "第1页", "姓名"])
ocr_text = st.one_of(st.text(max_size=60),
                     st.lists(st.sampled_from(OCR_PIECES), max_size=40).map("".join))


# --- any text in, a value or None out ------------------------------------------------------------


def _read(parse, text: str):
    """The parser's answer; a typed error counts as a refusal, anything else escapes and fails the test."""
    try:
        return parse(text)
    except ClaimsError:
        return None


def _is_cents(value) -> bool:
    return isinstance(value, Decimal) and value >= 0 and value == value.quantize(Decimal("0.01"))


@FUZZ
@given(ocr_text)
@example("¥1,000,000.00")
def test_any_text_gives_a_value_or_none(text):
    money, in_words = _read(parse_money, text), _read(parse_amount_in_words, text)
    assert money is None or _is_cents(money)
    assert in_words is None or _is_cents(in_words)
    assert _read(parse_date, text) is None or isinstance(_read(parse_date, text), date)
    assert _read(id_number_problem, text) is None or isinstance(_read(id_number_problem, text), str)
    assert isinstance(clean_text(text), str) and not re.search(r"\s", clean_text(text))
    assert len(mask_id_number(text)) == len(text) and len(mask_name(text)) == len(text)
    assert _read(parse_decimal, text) is None or isinstance(_read(parse_decimal, text), Decimal)
    for kind, parse in KINDS.items():
        value = _read(parse, text)
        assert value is None or isinstance(value, str), kind
    cell = _read(amount_cell, text)
    assert cell is None or _is_cents(Decimal(cell[0]))


# --- what is printed reads back --------------------------------------------------------------------

AMOUNTS = st.integers(0, 99_999_999_99).map(lambda cents: Decimal(cents) / 100)


@FUZZ
@given(AMOUNTS, st.sampled_from(["元", "圆"]), st.sampled_from(["整", "正"]), st.booleans(),
       st.sampled_from(["", "合计(大写):", "人民币", "金额大写："]), st.booleans())
def test_an_amount_in_capital_numerals_reads_back(amount, yuan, whole, spaced, label, with_figures):
    words = rmb_in_words(f"{amount:.2f}").replace("元", yuan).replace("整", whole)
    printed = label + (" ".join(words) if spaced else words) + (f" ¥{amount:.2f}" if with_figures else "")
    assert parse_amount_in_words(printed) == amount


@FUZZ
@given(st.integers(0, 9_999_999_99).map(lambda cents: Decimal(cents) / 100), st.booleans(),
       st.sampled_from(["", "¥", "￥", "合计:", "自费 "]), st.booleans())
@example(Decimal("1000000.00"), True, "¥", False)  # found by fuzzing: only the first thousands comma was dropped
def test_an_amount_in_figures_reads_back(amount, grouped, prefix, full_width):
    figures = f"{amount:,.2f}" if grouped else f"{amount:.2f}"
    if full_width:
        figures = figures.translate(str.maketrans(string.digits, "０１２３４５６７８９"))
    assert parse_money(prefix + figures) == amount
    assert KINDS["money"](prefix + figures) == f"{amount:.2f}"


DATE_FORMS = ["{Y}.{m:02}.{d:02}", "{Y}-{m:02}-{d:02}", "{Y}/{m:02}/{d:02}", "{Y}.{m}.{d}", "{Y}-{m}-{d}",
              "{Y}年{m}月{d}日", "{Y}年{m:02}月{d:02}日", "{Y}{m:02}{d:02}", "{Y}{m:02}{d:02}{H:02}:{M:02}:{M:02}",
              "{Y}.{m:02}.{d:02} {H:02}:{M:02}:{M:02}", "{Y}-{m}-{d} {H}:{M:02}", "就诊日期：{Y}年{m}月{d}日"]


@FUZZ
@given(st.dates(date(1900, 1, 1), date(2099, 12, 31)), st.sampled_from(DATE_FORMS), st.integers(0, 23),
       st.integers(0, 59))
@example(date(2000, 1, 1), "{Y}-{m}-{d} {H}:{M:02}", 14, 3)  # found by fuzzing: read as 2000-01-11
def test_a_date_reads_back_in_every_printed_form(day, form, hour, minute):
    printed = form.format(Y=day.year, m=day.month, d=day.day, H=hour, M=minute)
    assert parse_date(printed) == day
    assert KINDS["date"](printed) == day.isoformat()


ID_BODIES = st.builds(lambda region, born, sequence: f"{region:06d}{born:%Y%m%d}{sequence:03d}",
                      st.integers(110000, 659999), st.dates(date(1900, 1, 1), date(2025, 12, 31)),
                      st.integers(0, 999))


@FUZZ
@given(ID_BODIES, st.data())
def test_a_valid_id_number_passes_and_any_one_character_changed_fails(body, data):
    number = id_with_check_digit(body)  # the sample generator's own GB 11643 arithmetic
    assert id_number_problem(number) is None and id_number_problem(number.lower()) is None
    assert KINDS["id_number"](f"公民身份号码 {number.lower()}") == number
    masked = mask_id_number(number)
    assert number[6:14] not in masked and masked[:3] == number[:3]  # the birth date never shows
    position = data.draw(st.integers(0, 17), label="position")
    replacement = data.draw(st.sampled_from([c for c in "0123456789X" if c != number[position]
                                             and (position == 17 or c != "X")]), label="replacement")
    changed = number[:position] + replacement + number[position + 1:]
    assert id_number_problem(changed) == "check digit does not match (GB 11643)"


# --- section splitting ---------------------------------------------------------------------------

SECTIONED = (MedicalRecordExtractor(), DischargeSummaryExtractor())


def _labels(extractor) -> list[str]:
    raw = extractor.spec.raw
    return [label for labels in raw["sections"].values() for label in labels] + raw["signature_labels"]


def _printed_labels() -> set[str]:
    """Every label any document type prints, plain (regular-expression labels without their anchors)."""
    found = set()
    for extractor in EXTRACTORS:
        spec = load_spec(extractor.doc_type)
        raw = spec.raw
        found |= {p.lstrip("^") for f in spec.fields for p in f.labels} | set(raw.get("other_labels", []))
        found |= {label for labels in (raw.get("sections") or {}).values() for label in labels}
        found |= set(raw.get("signature_labels", []))
    return found


# Text of a section's body: no character of any label, so a body line never reads as a label.
_LABEL_CHARS = set("".join(_printed_labels())) | set("第页<>")
BODY_CHARS = "".join(c for c in "咳嗽咳痰伴发热天两肺呼吸音粗急性支气管炎抗感染止咳奥美拉唑肠溶胶囊口服每次片腹软无压痛"
                     "阑尾切除术后恢复良好血常规胸部正位阴性高压糖尿病冠心" if c not in _LABEL_CHARS)
BODY = st.text(st.sampled_from(list(BODY_CHARS) + list("0123456789.,;()%℃ \u3000")), max_size=12)
SEPARATORS = ["", ":", "：", " ", " : ", "\u3000"]


@st.composite
def record_pages(draw, extractor):
    """Rows of OCR lines: section labels (also misread by one character, repeated, side by side),
    bodies, labels inside a body, page footers. Each line ends with its own marker <n>."""
    labels = _labels(extractor)
    rows, top, count = [], 40, 0
    for _ in range(draw(st.integers(1, 14))):
        height = draw(st.integers(18, 40))
        x = draw(st.integers(20, 120))
        row = []
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(["label", "label", "misread label", "body", "body", "label inside", "footer"]))
            body = draw(BODY)
            if kind == "footer":
                text = f"第{draw(st.integers(1, 9))}页"
            elif kind == "body":
                text = f"{body}<{count}>"
            elif kind == "label inside":
                text = f"{draw(st.sampled_from(BODY_CHARS))}{draw(st.sampled_from(labels))}{body}<{count}>"
            else:
                label = draw(st.sampled_from(labels))
                if kind == "misread label" and len(label) >= 4:
                    at = draw(st.integers(0, len(label) - 1))
                    label = label[:at] + draw(st.sampled_from(BODY_CHARS)) + label[at + 1:]
                text = f"{label}{draw(st.sampled_from(SEPARATORS))}{body}<{count}>"
            count += 1
            width = max(1, len(text)) * height
            row.append(TextLine(text, (x, top, x + width, top + height), draw(st.floats(0.3, 1.0))))
            x += width + draw(st.integers(10, 80))
        rows.append(row)
        top += height + draw(st.integers(0, 30))
    return OcrPage("fuzz.jpg", 1, 0, tuple(line for row in rows for line in row))


def _expected_sections(extractor, page: OcrPage) -> dict[str, str]:
    """Reading order decides: a line belongs to the last label before it; a label's own line gives
    what follows the label; a repeated label continues its section; what follows the signature
    label, and the page footer, belong to no section."""
    starts = {id(line): (name, label_end) for name, line, label_end in extractor.section_starts(page)}
    footer = re.compile(extractor.spec.raw["page_footer_pattern"])
    parts: dict[str, list[str]] = {}
    current = None
    for line in page.lines:
        if id(line) in starts:
            current, label_end = starts[id(line)]
            assert "<" not in line.text[:label_end], "a label was read inside a body"
            if current != "doctor_signature":
                parts.setdefault(current, []).append(line.text[label_end:].lstrip(":：: \u3000").strip())
        elif current not in (None, "doctor_signature") and not footer.match(clean_text(line.text)):
            parts[current].append(line.text.strip())
    return {name: "".join(texts).strip() for name, texts in parts.items() if "".join(texts).strip()}


@FUZZ
@given(st.sampled_from(SECTIONED).flatmap(lambda extractor: st.tuples(st.just(extractor), record_pages(extractor))))
def test_section_splitting_keeps_every_line_once_and_in_order(extractor_and_page):
    extractor, page = extractor_and_page
    document = extractor.extract(page, 1.0)
    expected = _expected_sections(extractor, page)
    for name in extractor.spec.raw["sections"]:
        if name in extractor.spec.raw.get("unreported_sections", []):
            continue
        assert document.value(name) == expected.get(name), name
    found = "".join(str(document.value(name, "")) for name in extractor.spec.raw["sections"])
    markers = re.findall(r"<\d+>", found)
    assert len(markers) == len(set(markers)), "a line was put into two sections"


_BOXES = st.tuples(st.integers(-50, 900), st.integers(-50, 1200), st.integers(-5, 400), st.integers(-5, 80))
_SOUP = st.lists(st.sampled_from(sorted(_printed_labels()) + list(BODY_CHARS) + ["第1页", ":", "：", " ", "签名:"]),
                 max_size=6).map("".join) | st.text(max_size=20)


@FUZZ
@given(st.lists(st.tuples(_SOUP, _BOXES, st.floats(0.0, 1.0)), max_size=25), st.booleans())
def test_every_extractor_survives_label_soup(lines, with_image):
    """Lines anywhere, overlapping, of any size (even empty boxes), on a blank page or without one."""
    page = OcrPage("soup.jpg", 1, 0, tuple(TextLine(text, (x, y, x + w, y + h), confidence)
                                           for text, (x, y, w, h), confidence in lines),
                   image=np.full((1300, 1000, 3), 255, np.uint8) if with_image else None)
    for extractor in EXTRACTORS:
        try:
            document = extractor.extract(page, 0.5)
        except ClaimsError:
            continue
        assert all(field.page == 1 for field in document.fields.values())
