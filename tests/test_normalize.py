from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from pipeline.normalize import (as_printed, id_check_digit, id_number_problem, mask_id_number,
                                parse_amount_in_words, parse_date, parse_money)


@pytest.mark.parametrize("words, amount", [
    ("壹仟贰佰伍拾元整", "1250.00"),
    ("壹佰零玖元贰角肆分", "109.24"),   # the manual's own example
    ("伍拾叁元整", "53.00"),
    ("壹拾捌元 ¥18.00", "18.00"),        # registration slips print both
    ("捌拾壹元伍角陆分", "81.56"),
    ("壹万零贰拾元零伍分", "10020.05"),
    ("叁角", "0.30"),
])
def test_capital_numerals_are_read_as_the_amount_they_spell(words, amount):
    assert parse_amount_in_words(words) == Decimal(amount)


def test_text_without_an_amount_in_words_is_not_an_amount():
    assert parse_amount_in_words("合计(大写):") is None
    assert parse_amount_in_words("壹仟贰佰") is None  # no unit of money: not an amount


_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _in_words(cents: int) -> str:
    """Capital numerals as Shanghai receipts print them (the reader under test must invert this)."""
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    words, zero_pending = "", False
    for unit_value, unit in ((10000, "万"), (1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        digit = yuan // unit_value % 10 if unit_value < 10000 else yuan // 10000
        if digit:
            words += ("零" if zero_pending and words else "") + _DIGITS[digit] + unit
            zero_pending = False
        elif words:
            zero_pending = True
    words = (words or "零") + "元"
    if jiao or fen:
        words += (_DIGITS[jiao] + "角" if jiao else "零") + (_DIGITS[fen] + "分" if fen else "")
    else:
        words += "整"
    return words


@given(st.integers(min_value=1, max_value=99_999_99))
def test_any_amount_printed_in_words_reads_back(cents):
    assert parse_amount_in_words(_in_words(cents)) == Decimal(cents) / 100


@pytest.mark.parametrize("text, expected", [
    ("2020.05.14 14:43:33", date(2020, 5, 14)),
    ("就诊日期:2026.10.12", date(2026, 10, 12)),
    ("2020年5月15日", date(2020, 5, 15)),
    ("2020051515:41:53", date(2020, 5, 15)),   # dot-matrix date run into the time
    ("20200515", date(2020, 5, 15)),
    ("2020-02-30", None),                       # not a real day
])
def test_dates_in_every_printed_form(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text, amount", [
    ("1050.00", "1050.00"), ("¥1,250.00", "1250.00"), ("1250,00", "1250.00"), ("自费20.00", "20.00"),
])
def test_money(text, amount):
    assert parse_money(text) == Decimal(amount)


def test_id_numbers_are_checked_by_gb11643():
    assert id_check_digit("31010119810315231") == "6"
    assert id_number_problem("310101198103152316") is None
    assert id_number_problem("310101198103152314") == "check digit does not match (GB 11643)"
    assert id_number_problem("310101198102302318") is not None  # 30 February


@given(st.from_regex(r"\d{17}", fullmatch=True))
def test_a_number_with_its_computed_check_digit_passes_unless_the_birth_date_is_impossible(first17):
    number = first17 + id_check_digit(first17)
    problem = id_number_problem(number)
    assert problem is None or problem == "birth date is not a real date"


def test_masked_id_numbers_keep_nothing_that_identifies():
    assert mask_id_number("310101198103152316") == "310**************6"


@pytest.mark.parametrize("read, printed", [
    ("咳黃白色黏痰", "咳黄白色黏痰"),            # a traditional form of a simplified character
    ("奧美拉唑肠溶胶囊", "奥美拉唑肠溶胶囊"),
    ("规律作息o", "规律作息。"),                # the full stop read as a letter o
    ("作息o复诊", "作息。复诊"),
    ("盐酸氨溴索口服液10m1 tid", "盐酸氨溴索口服液10ml tid"),
])
def test_ocrs_certain_misreads_of_printed_chinese_are_undone(read, printed):
    assert as_printed(read) == printed


@pytest.mark.parametrize("text", [
    "显著", "著名", "乾隆",     # simplified characters that OpenCC also lists as traditional ones
    "O型血", "Rh(D)阳性", "no", "10m12", "¥1,250.00", "310101199001011234", "2025年03月04日",
])
def test_text_that_may_be_printed_so_is_left_as_it_is(text):
    assert as_printed(text) == text
