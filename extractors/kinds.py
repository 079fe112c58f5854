"""Value parsers by kind: text after a label becomes a normalised value, or None."""

from __future__ import annotations

import re

from pipeline.normalize import (ID_NUMBER, clean_text, lost_leading_digit, money_text, parse_amount_in_words,
                                parse_date, parse_money, without_thousands_commas)


_PRINTED_AMOUNT = re.compile(r"(?<![\d.])\d{1,7}[.,]\d{2}(?!\d)")


def _money(text: str):
    """Printed amounts always carry two decimals; a bare digit is a misread, not an amount."""
    text = without_thousands_commas(clean_text(text))
    match = _PRINTED_AMOUNT.search(text)
    return money_text(parse_money(match.group(0))) if match else None


# In an amount column, a seal or a faint ribbon turns the decimal point into a dash, a middle dot
# or nothing: 230-00, 230·00, 23000. Only there is a bare number known to be yuan and cents.
_CELL_POINT_MISREAD = re.compile(r"^(\d{1,7})[-·~_](\d{2})$")
_CELL_POINT_LOST = re.compile(r"^(\d{3,9})$")


def amount_cell(text: str) -> tuple[str, bool] | None:
    """An amount printed in an amount column, and whether its decimal point had to be restored."""
    printed = _money(text)
    if printed is not None:
        return printed, False
    text = clean_text(text)
    match = _CELL_POINT_MISREAD.match(text)
    if match:
        return f"{int(match.group(1))}.{match.group(2)}", True
    match = _CELL_POINT_LOST.match(text)
    if match:
        digits = match.group(1)
        return f"{int(digits[:-2])}.{digits[-2:]}", True
    return None


def _amount_in_words(text: str):
    amount = parse_amount_in_words(text)
    if amount is None or lost_leading_digit(text):
        return None
    return money_text(amount)


def _date(text: str):
    found = parse_date(text)
    return found.isoformat() if found else None


def _digits(min_len: int, max_len: int):
    pattern = re.compile(rf"(?<!\d)(\d{{{min_len},{max_len}}})(?!\d)")

    def parse(text: str):
        match = pattern.search(clean_text(text))
        return match.group(1) if match else None

    return parse


def _account_number(text: str):
    digits = re.sub(r"[\s-]", "", text)
    match = re.search(r"\d{12,21}", digits)
    return match.group(0) if match else None


def _id_number(text: str):
    match = ID_NUMBER.search(clean_text(text))
    return match.group(1).upper() if match else None


def _person_name(text: str):
    match = re.match(r"([\u4e00-\u9fff·]{2,5})", clean_text(text))
    return match.group(1) if match else None


def _sex(text: str):
    match = re.search(r"[男女]", text)
    return match.group(0) if match else None


def _text(text: str):
    text = clean_text(text).strip(":;,.，。")
    return text or None


def _chinese_text(text: str):
    match = re.match(r"([\u4e00-\u9fff()（）]{2,})", clean_text(text))
    return match.group(1) if match else None


KINDS = {
    "money": _money,
    "amount_in_words": _amount_in_words,
    "date": _date,
    "invoice_number": _digits(8, 12),
    "invoice_code": _digits(8, 12),
    "account_number": _account_number,
    "id_number": _id_number,
    "person_name": _person_name,
    "sex": _sex,
    "text": _text,
    "chinese_text": _chinese_text,
}
