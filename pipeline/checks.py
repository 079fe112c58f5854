"""Cross-checks of what was read: each a `Check`; a failing one sends its fields to review."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml

from extractors.model import Check, Document
from pipeline.normalize import id_number_problem

CASH_ROUNDING = Decimal("0.05")  # cash is rounded to 0.1 yuan (5舍6进): sums hold within this
SELF_PAYING = "自费"  # 医保类型 of a patient outside medical insurance: no 现金支付中 split
REVIEW_CONFIG = Path(__file__).resolve().parent.parent / "extractors" / "data" / "review.yaml"


@lru_cache(maxsize=1)
def review_config() -> dict:
    with open(REVIEW_CONFIG, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _money(document: Document, name: str) -> Decimal | None:
    value = document.value(name)
    return Decimal(value) if value is not None else None


# Receipts the plan does not pay as Shanghai medical receipts (extractors/receipt_kind.py).
RECEIPT_KIND_NAMES = {"vat_invoice": "增值税发票", "general_invoice": "通用发票", "medical_receipt": "医疗收费票据"}


def receipt_kind_check(receipt: Document) -> Check | None:
    """Another province's receipt is a visit outside Shanghai (the adjudicator rejects it, M4.2.19);
    an invoice of another kind prints no payment split to work the plan's amounts from: a person reads it."""
    kind, region = receipt.value("receipt_kind"), receipt.value("issuer_region")
    if kind is None and region is None:
        return None  # the Shanghai medical receipt
    name = (region or "") + RECEIPT_KIND_NAMES.get(kind, "票据")
    if region is not None and not region.startswith("上海"):
        return Check("shanghai_receipt", True, f"{name}: 外地票据, 按外地就医处理 (M4.2.19)", ("issuer_region",))
    return Check("shanghai_receipt", False, f"{name}: 非上海市医疗收费票据, 无医保结算明细, 需人工审核",
                 ("receipt_kind",))


def receipt_checks(receipt: Document) -> list[Check]:
    kind = receipt_kind_check(receipt)
    if kind is not None:
        return [kind]  # the sums below are the Shanghai form's
    checks = []
    money = {name: _money(receipt, name) for name in (
        "total", "total_in_words", "fund_paid", "additional_paid", "account_paid", "cash_paid",
        "third_party_paid", "category_self_pay", "self_borne", "self_pay")}
    zero = Decimal("0")
    cash_paid, third_party = money["cash_paid"] or zero, money["third_party_paid"] or zero
    cash = max(cash_paid, third_party)
    cash_note = "（现金按框外所印第三方支付计）" if third_party > cash_paid else ""
    total = money["total"] if money["total"] is not None else money["total_in_words"]
    if total is not None:
        paid = (money["fund_paid"] or zero) + (money["additional_paid"] or zero) + (money["account_paid"] or zero) + cash
        checks.append(Check(
            "split_adds_up", abs(paid - total) <= CASH_ROUNDING,
            f"统筹 + 附加 + 个人账户 + 现金 = {paid:.2f}, 合计 {total:.2f}{cash_note}",
            ("total", "fund_paid", "additional_paid", "account_paid", "cash_paid", "third_party_paid"),
        ))
        own_parts = (money["category_self_pay"] or zero) + (money["self_borne"] or zero) + (money["self_pay"] or zero)
        borne = (money["account_paid"] or zero) + cash
        checks.append(Check(
            "self_parts_within_paid", own_parts <= borne + CASH_ROUNDING,
            f"分类自负 + 自负 + 自费 = {own_parts:.2f}, 个人账户 + 现金 = {borne:.2f}{cash_note}",
            ("category_self_pay", "self_borne", "self_pay", "account_paid", "cash_paid"),
        ))
    self_paying = (receipt.value("insurance_type") or "").strip("()[]（）") == SELF_PAYING
    if "paper_cash_split" in receipt.marks and not self_paying:
        parts = (money["category_self_pay"] or zero) + (money["self_borne"] or zero) + (money["self_pay"] or zero)
        checks.append(Check(
            "cash_split_adds_up", abs(parts - cash_paid) <= CASH_ROUNDING,
            f"现金支付中: 分类自负 + 自负 + 自费 = {parts:.2f}, 现金支付 {cash_paid:.2f}",
            ("cash_paid", "category_self_pay", "self_borne", "self_pay"),
        ))
    if money["total"] is not None and money["total_in_words"] is not None:
        checks.append(Check(
            "total_matches_words", money["total"] == money["total_in_words"],
            f"合计 {money['total']:.2f}, 大写 {money['total_in_words']:.2f}", ("total", "total_in_words"),
        ))
    if total is not None and receipt.items:
        item_sum = sum((Decimal(str(item["amount"].value)) for item in receipt.items if "amount" in item), zero)
        checks.append(Check(
            "items_add_up", item_sum == total, f"项目金额之和 {item_sum:.2f}, 合计 {total:.2f}",
            # the total is as likely misread as an item
            ("items", "total" if money["total"] is not None else "total_in_words"),
        ))
    return checks


def id_copy_checks(id_copy: Document) -> list[Check]:
    number = id_copy.value("id_number")
    if number is None:
        return []
    problem = id_number_problem(number)
    checks = [Check("id_number_valid", problem is None, problem or "check digit and birth date valid", ("id_number",))]
    if problem is None:
        checks.append(_id_number_agrees_with_card(id_copy, number.upper()))
    return checks


def _id_number_agrees_with_card(id_copy: Document, number: str) -> Check:
    """A check digit catches one misread digit, not two (1 in 11 of those still holds it): the card's own
    出生 and 性别 lines read the birth digits and the sex digit (odd: 男) a second time, and must agree.
    A 出生 the extractor derived from the number (same box) is no second reading. The other digits rest
    on the number's own confidence (its review threshold) and, once a roster is in use, on the roster."""
    birth, sex = id_copy.fields.get("birth_date"), id_copy.value("sex")
    witnesses, disagree = [], []
    if birth is not None and birth.box != id_copy.fields["id_number"].box:
        witnesses.append("出生")
        if str(birth.value).replace("-", "") != number[6:14]:
            disagree.append(f"出生 {birth.value}")
    if sex in ("男", "女"):
        witnesses.append("性别")
        if (sex == "男") != (int(number[16]) % 2 == 1):
            disagree.append(f"性别 {sex}")
    if not witnesses:
        return Check("id_number_agrees_with_card", False, "卡面出生日期和性别均未读出,身份证号无从复核",
                     ("id_number",))
    if disagree:
        return Check("id_number_agrees_with_card", False, "身份证号与卡面不一致: " + ", ".join(disagree),
                     ("id_number", "birth_date", "sex"))
    return Check("id_number_agrees_with_card", True, "身份证号与卡面" + "、".join(witnesses) + "一致")


def detail_list_checks(detail_list: Document) -> list[Check]:
    total = _money(detail_list, "total")
    if total is None or not detail_list.items:
        return []
    item_sum = sum((Decimal(str(item["amount"].value)) for item in detail_list.items if "amount" in item), Decimal(0))
    return [Check("items_add_up", item_sum == total, f"明细金额之和 {item_sum:.2f}, 合计 {total:.2f}",
                  ("items", "total"))]


DOCUMENT_CHECKS = {"receipt": receipt_checks, "id_copy": id_copy_checks, "detail_list": detail_list_checks}


CHECK_PREFIX = "check."  # a failing check itself under review: `check.items_add_up`


def check_document(document: Document) -> Document:
    """Run the document's own checks and list what a person must look at.

    A failing check sends every field it involves that the page has and no clerk has settled yet.
    Once a clerk has settled all of them and the check still fails, the check itself waits
    (`check.<name>`): the clerk says which of the numbers that disagree is right, unless a clerk
    already did (`document.settled_checks`).
    """
    document.checks.extend(DOCUMENT_CHECKS.get(document.doc_type, lambda _: [])(document))
    config = review_config()
    review = set(document.unread)
    for name, field in document.fields.items():
        if field.source != CLERK and field.confidence < config["thresholds"].get(name, config["default_threshold"]):
            review.add(name)
    for index, item in enumerate(document.items):
        for name, field in item.items():
            if field.source != CLERK and field.confidence < config["thresholds"].get(name, config["default_threshold"]):
                review.add(f"items[{index}].{name}")
    for check in document.checks:
        if check.ok:
            continue
        involved = involved_fields(document, check)
        open_fields = [key for key in involved if _field_at(document, key).source != CLERK]
        review.update(open_fields)
        if not open_fields and check.check not in document.settled_checks and \
                not any(name in document.unread for name in check.fields):
            review.add(CHECK_PREFIX + check.check)
    document.needs_review = sorted(review)
    return document


CLERK = "clerk"  # the source of a value a clerk typed or confirmed: settled, never sent back to review


def involved_fields(document: Document, check: Check) -> list[str]:
    """The fields on the page a check involves: `items` stands for every item's amount."""
    found = []
    for name in check.fields:
        if name == "items":
            found += [f"items[{index}].amount" for index, item in enumerate(document.items) if "amount" in item]
        elif name in document.fields:
            found.append(name)
    return found


def _field_at(document: Document, key: str):
    if key.startswith("items["):
        index, _, name = key[len("items["):].partition("].")
        return document.items[int(index)][name]
    return document.fields[key]


def _money_of(document: Document, key: str) -> Decimal | None:
    if key.startswith("items[") or key in document.fields:
        return Decimal(str(_field_at(document, key).value))
    return None


@dataclass(frozen=True)
class Side:
    """One of the numbers a failing check compares: what it is, its amount, and the fields it adds up."""

    label: str
    amount: Decimal
    fields: tuple[str, ...]


# For each money check, the two sides it compares, as field names (`items`: every item's amount).
SIDES = {
    "split_adds_up": (("统筹 + 附加 + 个人账户 + 现金", ("fund_paid", "additional_paid", "account_paid", "cash_paid")),
                      ("合计", ("total",))),
    "self_parts_within_paid": (("分类自负 + 自负 + 自费", ("category_self_pay", "self_borne", "self_pay")),
                               ("个人账户 + 现金", ("account_paid", "cash_paid"))),
    "cash_split_adds_up": (("分类自负 + 自负 + 自费", ("category_self_pay", "self_borne", "self_pay")),
                           ("现金支付", ("cash_paid",))),
    "total_matches_words": (("合计", ("total",)), ("合计（大写）", ("total_in_words",))),
    "items_add_up": (("各项金额之和", ("items",)), ("合计", ("total",))),
}


# The checks whose sides must be equal: choosing one side makes a lone field on the other side its number.
EQUALITIES = frozenset({"split_adds_up", "cash_split_adds_up", "total_matches_words", "items_add_up"})


def check_sides(document: Document, check: str) -> list[Side]:
    """The numbers that disagree, side by side, for a clerk to say which is right (money checks only)."""
    sides = []
    for label, names in SIDES.get(check, ()):
        keys = involved_fields(document, Check(check, False, "", names))
        if names == ("total",) and "total" not in document.fields and "total_in_words" in document.fields:
            keys = ["total_in_words"]
        amounts = [_money_of(document, key) for key in keys]
        sides.append(Side(label, sum((a for a in amounts if a is not None), Decimal("0")), tuple(keys)))
    return sides


def blocking_review(document: Document) -> list[str]:
    """The fields under review that decide money, and the failing checks that involve such fields."""
    blocking = set(review_config()["blocking"].get(document.doc_type, []))
    involved = {check.check: check.fields for check in document.checks}
    return [name for name in document.needs_review if _decides_money(name, blocking, involved)]


def _decides_money(name: str, blocking: set[str], involved: dict[str, tuple[str, ...]]) -> bool:
    if name.startswith(CHECK_PREFIX):
        return bool(blocking & set(involved.get(name[len(CHECK_PREFIX):], ())))
    return name.split("[")[0].split(".")[0] in blocking


def packet_checks(documents: list[Document]) -> list[Check]:
    """Checks across the documents of one packet."""
    checks = []
    names = {d.doc_type + "." + f: d.value(f) for d in documents
             for f in ("payer_name", "patient_name", "name", "account_holder") if d.value(f)}
    if len(set(names.values())) > 1:
        checks.append(Check("names_agree", False, "不同文件上的姓名不一致: " + ", ".join(sorted(names)), tuple(names)))
    elif names:
        checks.append(Check("names_agree", True, f"{len(names)} 处姓名一致"))
    record_dates = {d.value("visit_date") for d in documents if d.doc_type == "medical_record"}
    for receipt in (d for d in documents if d.doc_type == "receipt"):
        visit_date = receipt.value("visit_date") or receipt.value("issue_date")
        if visit_date and record_dates:
            checks.append(Check("record_for_visit_date", visit_date in record_dates,
                                f"收据就诊日期 {visit_date}, 病历日期 {', '.join(sorted(d for d in record_dates if d))}",
                                ("visit_date",)))
    receipt_totals = {d.value("total") or d.value("total_in_words") for d in documents if d.doc_type == "receipt"}
    for detail in (d for d in documents if d.doc_type == "detail_list" and d.value("total")):
        checks.append(Check("detail_list_matches_receipt", detail.value("total") in receipt_totals,
                            f"明细合计 {detail.value('total')}, 收据合计 {', '.join(sorted(t for t in receipt_totals if t))}",
                            ("total",)))
    return checks
