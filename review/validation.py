"""What a clerk may type for a field, by the field's kind: a date is a date, an amount an amount,
an ID number passes GB 11643. Each normaliser gives the value as the pipeline stores it."""

from __future__ import annotations

import re
from decimal import Decimal

from extractors.spec import load_spec
from pipeline.errors import BadInputError
from pipeline.normalize import (
    clean_text, id_number_problem, money_text, parse_amount_in_words, parse_date, without_thousands_commas,
)

# Fields that no layout file describes (found by the extractors' own code) and item columns.
_EXTRA_KINDS = {
    "hospital": "text", "visit_kind": "visit_kind", "first_visit": "bool", "doctor_signature": "bool",
    "bank_name": "text",
}
_ITEM_KINDS = {"amount": "money", "unit_price": "money", "quantity": "number", "days": "int", "self_pay": "bool"}
_LAYOUT_KINDS = {"money": "money", "amount_in_words": "money", "date": "date", "id_number": "id_number",
                 "invoice_number": "digits", "invoice_code": "digits", "account_number": "account_number",
                 "person_name": "person_name", "sex": "sex"}

KIND_HINTS = {
    "money": "金额，如 385.00", "date": "日期，如 2026-10-12", "id_number": "18 位公民身份号码",
    "digits": "8–12 位数字", "account_number": "12–21 位账号数字", "person_name": "2–5 个汉字",
    "sex": "男 或 女", "bool": "是 或 否", "int": "整数", "number": "数字", "visit_kind": "门诊 / 急诊 / 住院",
    "text": "文字",
}
_TRUE, _FALSE = {"是", "有", "true", "yes", "y", "1", "初诊"}, {"否", "无", "false", "no", "n", "0", "复诊"}
_VISIT_KINDS = {"门诊": "outpatient", "outpatient": "outpatient", "急诊": "emergency", "emergency": "emergency",
                "住院": "inpatient", "inpatient": "inpatient"}


def field_kind(doc_type: str, name: str, is_item: bool) -> str:
    if is_item:
        return _ITEM_KINDS.get(name, "text")
    if name in _EXTRA_KINDS:
        return _EXTRA_KINDS[name]
    try:
        specs = {spec.name: spec.kind for spec in load_spec(doc_type).fields}
    except FileNotFoundError:
        return "text"
    return _LAYOUT_KINDS.get(specs.get(name, "text"), "text")


def value_type_of(kind: str) -> str:
    """How the stored string is read back (store.models.ExtractedField.value_type)."""
    return {"bool": "bool", "int": "int"}.get(kind, "str")


def normalise(kind: str, typed: str) -> str:
    """The value to store, or a BadInputError whose message the clerk sees."""
    text = typed.strip()
    if not text:
        raise BadInputError("请输入值")
    return _NORMALISERS.get(kind, _text)(text)


def _money(text: str) -> str:
    plain = without_thousands_commas(clean_text(text).lstrip("¥￥"))  # 1,250 yes; 12,50 is ambiguous
    if re.fullmatch(r"\d{1,9}(\.\d{1,2})?", plain):
        return money_text(Decimal(plain))
    in_words = parse_amount_in_words(plain)
    if in_words is not None and re.fullmatch(r"[零壹贰叁肆伍陆柒捌玖拾佰仟万亿元圆角分整正]+", plain):
        return money_text(in_words)
    raise BadInputError(f"“{text}”不是金额：请输入如 385.00 的数字（最多两位小数）")


def _date(text: str) -> str:
    plain = clean_text(text)
    found = parse_date(plain)
    if found is None or not re.fullmatch(r"\d{4}[-./年]\d{1,2}[-./月]\d{1,2}日?|\d{8}", plain):
        raise BadInputError(f"“{text}”不是有效日期：请输入如 2026-10-12 的日期")
    return found.isoformat()


def _id_number(text: str) -> str:
    number = clean_text(text).upper()
    problem = id_number_problem(number)
    if problem == "check digit does not match (GB 11643)":
        raise BadInputError("身份证号码校验位不符（GB 11643）")
    if problem == "birth date is not a real date":
        raise BadInputError("身份证号码中的出生日期无效")
    if problem:
        raise BadInputError("身份证号码应为 17 位数字加 1 位校验码（数字或 X）")
    return number


def _digits_between(low: int, high: int, what: str):
    def parse(text: str) -> str:
        plain = re.sub(r"[\s-]", "", clean_text(text))
        if not re.fullmatch(rf"\d{{{low},{high}}}", plain):
            raise BadInputError(f"{what}应为 {low}–{high} 位数字")
        return plain
    return parse


def _person_name(text: str) -> str:
    plain = clean_text(text)
    if not re.fullmatch(r"[\u4e00-\u9fff·]{2,5}", plain):
        raise BadInputError("姓名应为 2–5 个汉字")
    return plain


def _sex(text: str) -> str:
    if text not in ("男", "女"):
        raise BadInputError("性别应为“男”或“女”")
    return text


def _bool(text: str) -> str:
    lowered = text.lower()
    if lowered in _TRUE:
        return "True"
    if lowered in _FALSE:
        return "False"
    raise BadInputError("请输入“是”或“否”")


def _int(text: str) -> str:
    if not re.fullmatch(r"\d{1,6}", clean_text(text)):
        raise BadInputError("请输入整数")
    return str(int(clean_text(text)))


def _number(text: str) -> str:
    plain = clean_text(text)
    if not re.fullmatch(r"\d{1,7}(\.\d{1,4})?", plain):
        raise BadInputError("请输入数字")
    return plain


def _visit_kind(text: str) -> str:
    if text.lower() not in _VISIT_KINDS:
        raise BadInputError("就诊类型应为 门诊、急诊 或 住院")
    return _VISIT_KINDS[text.lower()]


def _text(text: str) -> str:
    if len(text) > 2000:
        raise BadInputError("内容过长（最多 2000 字）")
    return text


_NORMALISERS = {
    "money": _money, "date": _date, "id_number": _id_number,
    "digits": _digits_between(8, 12, "票据号码/代码"), "account_number": _digits_between(12, 21, "账号"),
    "person_name": _person_name, "sex": _sex, "bool": _bool, "int": _int, "number": _number,
    "visit_kind": _visit_kind, "text": _text,
}
