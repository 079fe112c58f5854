"""Normalising what OCR reads: money, capital-numeral amounts, dates, ID numbers."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from importlib.resources import files

CENT = Decimal("0.01")


def clean_text(text: str) -> str:
    """Full-width forms folded to ASCII (NFKC), spaces removed, lookalike colons unified."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", text).replace("：", ":")


# --- what OCR misreads in printed Chinese ---------------------------------

# A lowercase "o" right after a Chinese character, ending the line or followed by one, is a misread 。
_FULL_STOP_AS_O = re.compile(r"(?<=[\u4e00-\u9fff])o(?=$|[\u4e00-\u9fff])")
# "m1" right after a number, as in 10m1: the unit ml with its l read as 1.
_MILLILITRE_AS_M1 = re.compile(r"(?<=\d)m1(?![\d.])")


@lru_cache(maxsize=1)
def _traditional_forms() -> dict[int, str]:
    """Traditional characters OCR may give for simplified ones, each with its one simplified form.

    From OpenCC's TSCharacters table, keeping a character only when its simplified form is
    unambiguous and the character itself is not a simplified character (not in GB 2312, which
    holds simplified characters only): 著 and 乾 stay, 黃 and 奧 become 黄 and 奥."""
    table = {}
    for entry in (files("opencc_purepy") / "dicts" / "TSCharacters.txt").read_text(encoding="utf-8").splitlines():
        traditional, _, simplified = entry.partition("\t")
        forms = simplified.split()
        if len(traditional) == 1 and len(forms) == 1 and forms[0] != traditional \
                and not _in_gb2312(traditional) and _in_gb2312(forms[0]):
            table[ord(traditional)] = forms[0]
    return table


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def as_printed(text: str) -> str:
    """A line of Shanghai paperwork as printed, where OCR's commonest misreads of it are certain:
    traditional forms of simplified characters, 。 read as o, ml read as m1."""
    text = text.translate(_traditional_forms())
    text = _FULL_STOP_AS_O.sub("。", text)
    return _MILLILITRE_AS_M1.sub("ml", text)


def money_text(amount: Decimal) -> str:
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


# --- money in digits ------------------------------------------------------

# A printed amount: digits with an optional decimal part; OCR sometimes reads the
# decimal point as a comma or drops a leading ¥ as "Y"/"羊".
_MONEY = re.compile(r"(?<![\d.])(\d{1,7})(?:[.,](\d{1,2}))?(?![\d])")
# A comma between digits with exactly three after it groups thousands (1,250,000.00); 1250,00 is a misread point.
_THOUSANDS_COMMA = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def without_thousands_commas(text: str) -> str:
    return _THOUSANDS_COMMA.sub("", text)


def parse_money(text: str) -> Decimal | None:
    """The first amount in the text, or None."""
    text = without_thousands_commas(clean_text(text).lstrip("¥Y羊￥"))
    match = _MONEY.search(text)
    if not match:
        return None
    whole, fraction = match.group(1), match.group(2) or "0"
    return Decimal(f"{int(whole)}.{fraction.ljust(2, '0')}").quantize(CENT)


# --- money in capital numerals (大写) -------------------------------------

_DIGITS = {"零": 0, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9,
           "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
           "〇": 0, "参": 3, "陸": 6}
_SMALL_UNITS = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}
_FRACTION_UNITS = {"角": Decimal("0.1"), "分": Decimal("0.01")}
_AMOUNT_IN_WORDS = re.compile(r"[零壹贰叁肆伍陆柒捌玖拾佰仟万亿元圆角分整正一二三四五六七八九十百千两参陸〇]+")


def parse_amount_in_words(text: str) -> Decimal | None:
    """壹仟贰佰伍拾元整 → 1250.00; 壹佰零玖元贰角肆分 → 109.24; None when it is not an amount."""
    text = clean_text(text)
    candidates = [m.group(0) for m in _AMOUNT_IN_WORDS.finditer(text)]
    words = max(candidates, key=len, default="")
    if not words or not any(unit in words for unit in "元圆角分"):
        return None
    yuan_part, _, fraction_part = re.split(r"([元圆])", words, maxsplit=1) if re.search("[元圆]", words) else ("", "", words)
    yuan = _integer_words(yuan_part)
    if yuan is None:
        return None
    total = Decimal(yuan)
    pending = None
    last_unit = None
    for char in fraction_part:
        if char in _DIGITS:
            pending = _DIGITS[char]
        elif char in _FRACTION_UNITS:
            if pending is None:
                return None
            total += _FRACTION_UNITS[char] * pending
            pending, last_unit = None, char
    if pending is not None and last_unit == "角":
        # Only 分 can follow 角: a digit left after it lost its 分 (under a seal, 肆众 for 肆分).
        total += _FRACTION_UNITS["分"] * pending
    return total.quantize(CENT)


def lost_leading_digit(text: str) -> bool:
    """Capital numerals opening with a unit right after some other character: the digit before the
    unit was misread (侧拾壹元 for 捌拾壹元), and 拾壹元 alone would read as 11.00."""
    text = clean_text(text).lstrip(":")
    return (len(text) > 1 and "\u4e00" <= text[0] <= "\u9fff" and text[0] not in _DIGITS
            and (text[1] in _SMALL_UNITS or text[1] in _BIG_UNITS))


def _integer_words(words: str) -> int | None:
    if words == "":
        return 0
    total, section, digit = 0, 0, None
    for char in words:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _SMALL_UNITS:
            section += (1 if digit is None else digit) * _SMALL_UNITS[char]
            digit = None
        elif char in _BIG_UNITS:
            section += digit or 0
            total += section * _BIG_UNITS[char]
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


# --- dates ----------------------------------------------------------------

_DATE_PATTERNS = [
    re.compile(r"(20\d{2}|19\d{2})\s*[.\-/年]\s*(\d{1,2})\s*[.\-/月]\s*(\d{1,2})"),
    re.compile(r"(20\d{2}|19\d{2})(\d{2})(\d{2})"),  # 20200515 or 2020051515:41:53
]


def parse_date(text: str) -> date | None:
    """The first date in 2020.05.15, 2020-05-15, 2020年5月15日 or 20200515 form.

    Read first with the printed spaces kept, where a space ends a one-digit day (2026-3-5 14:03 is
    the 5th, not the 51st); then with all spaces removed, for digits OCR spaced apart.
    """
    normalised = unicodedata.normalize("NFKC", text)
    for form in (normalised, clean_text(normalised)):
        for pattern in _DATE_PATTERNS:
            for match in pattern.finditer(form):
                try:
                    return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
                except ValueError:
                    continue
    return None


# --- ID numbers (GB 11643-1999) -------------------------------------------

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
ID_NUMBER = re.compile(r"(?<!\d)(\d{17}[\dXx])(?!\d)")


def id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def id_number_problem(number: str) -> str | None:
    """Why an 18-character ID number is invalid, or None when its check digit and birth date hold."""
    number = number.upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return "not 17 digits and a check character"
    if id_check_digit(number[:17]) != number[17]:
        return "check digit does not match (GB 11643)"
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "birth date is not a real date"
    return None


def mask_id_number(number: str) -> str:
    """For logs and screens: keep the region and the check character only."""
    return number[:3] + "*" * (len(number) - 4) + number[-1:] if len(number) > 4 else "*" * len(number)


def mask_name(name: str) -> str:
    return name[:1] + "*" * (len(name) - 1) if name else name


def parse_decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None
