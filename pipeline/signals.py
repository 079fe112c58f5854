"""Abuse signals: the claims a supervisor should look at twice.

Each rule is a named function of a packet's facts and of the history it needs, both passed in
(no database here), and gives `Signal`s with their evidence. A signal never changes a decision:
a supervisor dismisses or escalates it. The numbers are data (pipeline/data/signals.yaml), each
with where it comes from. Evidence and summaries name claims, members (by member id), receipts
and hospitals, never a person's name or ID number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import yaml

from adjudicator.hospitals import normalise_hospital_name, packaged_hospitals
from extractors.model import Check, Document
from extractors.settlements import coloured_ink

SIGNALS_CONFIG = Path(__file__).resolve().parent / "data" / "signals.yaml"
CONFIRMED_SOURCE = "clerk"  # a value a person typed, or checked against the paper, in the review app
MEMBER_RULES = ("frequent_claimant", "high_payout")  # about a member's policy year, not one packet
STANDINGS = {"counted": "已计入赔付", "waiting": "尚待处理", "not_counted": "未予赔付"}


@lru_cache(maxsize=1)
def signal_rules() -> dict:
    with open(SIGNALS_CONFIG, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["rules"]


def rule_label(rule: str) -> str:
    return signal_rules().get(rule, {}).get("label", rule)


@dataclass(frozen=True)
class Signal:
    rule: str
    severity: str  # high | medium | low
    subject: str  # what is signalled, e.g. "packet 12 receipt 2610453381" or "member M1 year 2026-01-01"
    summary: str  # one line for a supervisor
    evidence: dict
    clause: str | None = None

    @property
    def fingerprint(self) -> str:
        """The same rule on the same subject is one signal, however often it is computed."""
        return f"{self.rule}|{self.subject}"


# --- what the rules look at -------------------------------------------------------


@dataclass(frozen=True)
class StoredDocument:
    """A document of the packet as stored (with every correction) and checked, and where it is."""

    document: Document
    document_id: int
    page_id: int
    coloured_ink_pixels: int | None = None  # red/blue ink on its page; None: not measured


@dataclass(frozen=True)
class PacketFacts:
    packet_id: int
    claim_id: str
    member_id: str | None  # the roster's or the ID copy's member, even while the packet is held
    year_start: date | None  # the claim's policy year, once it has a decision
    documents: tuple[StoredDocument, ...]
    packet_checks: tuple[Check, ...] = ()

    def of_type(self, doc_type: str) -> list[StoredDocument]:
        return [stored for stored in self.documents if stored.document.doc_type == doc_type]


@dataclass(frozen=True)
class Presentation:
    """A receipt as another packet presented it.

    standing: counted (in the member's ledger) | waiting (no final decision yet) | not_counted."""

    packet_id: int
    claim_id: str
    member_id: str | None
    invoice_code: str | None
    invoice_number: str
    hospital: str | None
    day: str | None
    standing: str


@dataclass(frozen=True)
class NumberedReceipt:
    """A receipt of another packet, for the hospital's series of receipt numbers."""

    packet_id: int
    claim_id: str
    hospital: str
    invoice_code: str | None
    invoice_number: str
    day: date


@dataclass(frozen=True)
class Stay:
    """An inpatient stay of the member: in hospital from `admitted` to `discharged`."""

    packet_id: int
    claim_id: str
    doc_type: str
    hospital: str
    admitted: date
    discharged: date


@dataclass(frozen=True)
class MemberYear:
    """A member's final decisions in one policy year."""

    member_id: str
    claims: int
    paid: Decimal


@dataclass(frozen=True)
class History:
    presentations: tuple[Presentation, ...] = ()  # other packets' receipts with this packet's numbers
    hospital_receipts: tuple[NumberedReceipt, ...] = ()  # other packets' receipts of this packet's hospitals
    stays: tuple[Stay, ...] = ()  # the member's stays found in other packets
    member_years: tuple[MemberYear, ...] = ()  # every member with a final decision in the packet's year


# --- helpers -------------------------------------------------------------------------


def receipt_key(invoice_code: str | None, invoice_number: str) -> str:
    """A receipt's identity as the adjudicator compares them: code + number, or the number alone."""
    return f"{invoice_code}-{invoice_number}" if invoice_code else invoice_number


def hospital_identity(printed: str | None) -> str | None:
    """The registry's name for a printed hospital name, else the name normalised (aliases agree)."""
    if not printed:
        return None
    known = packaged_hospitals().find(printed)
    return known.name if known else normalise_hospital_name(printed)


def coloured_ink_pixels(image: np.ndarray) -> int:
    return int(coloured_ink(image).sum())


def stay_from(values: Mapping[str, str | None], doc_type: str, packet_id: int, claim_id: str) -> Stay | None:
    """The stay a discharge summary or an inpatient receipt shows, or None."""
    if doc_type == "discharge_summary":
        start, end = values.get("admission_date"), values.get("discharge_date")
    elif doc_type == "receipt" and values.get("visit_kind") == "inpatient":
        start, end = values.get("visit_date"), values.get("issue_date")
    else:
        return None
    hospital = hospital_identity(values.get("hospital"))
    first, last = _day(start), _day(end)
    if hospital is None or first is None or last is None or last <= first:
        return None
    return Stay(packet_id, claim_id, doc_type, hospital, first, last)


def _day(value) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _receipt_subject(facts: PacketFacts, stored: StoredDocument) -> str:
    number = stored.document.value("invoice_number")
    what = receipt_key(stored.document.value("invoice_code"), number) if number else f"document {stored.document_id}"
    return f"packet {facts.packet_id} receipt {what}"


def _where(stored: StoredDocument) -> dict:
    return {"document_id": stored.document_id, "page_id": stored.page_id, "doc_type": stored.document.doc_type}


def _settled(document: Document, name: str) -> bool:
    """Read and not waiting for a person: confident OCR, or confirmed by a clerk."""
    return document.value(name) is not None and name not in document.needs_review


def _severity(config: dict, case: str = "default") -> str:
    """A rule's severity, or the one for this case when the rule's severity depends on it."""
    severity = config["severity"]
    return severity if isinstance(severity, str) else severity.get(case, severity.get("default"))


# --- the rules -----------------------------------------------------------------------


def duplicate_receipt(facts: PacketFacts, history: History, rules: dict) -> list[Signal]:
    """The same receipt (code + number) presented by another member, or again by the same one,
    in any policy year. A member's resubmission after a decision that paid nothing for it is not."""
    config = rules["duplicate_receipt"]
    found = []
    for stored in facts.of_type("receipt"):
        receipt = stored.document
        number = receipt.value("invoice_number")
        if not number:
            continue
        code, hospital = receipt.value("invoice_code"), hospital_identity(receipt.value("hospital"))
        earlier = [p for p in history.presentations
                   if p.packet_id != facts.packet_id and _same_receipt(code, number, hospital, p)]
        others = [p for p in earlier if p.member_id is None or p.member_id != facts.member_id]
        again = [p for p in earlier if p not in others and p.standing != "not_counted"]
        if not others and not again:
            continue
        key = receipt_key(code, number)
        listed = "; ".join(f"{p.claim_id}（{'其他被保险人' if p in others else '同一被保险人'}，"
                           f"{STANDINGS.get(p.standing, p.standing)}）" for p in others + again)
        found.append(Signal(
            "duplicate_receipt", _severity(config, "other_member" if others else "same_member"),
            _receipt_subject(facts, stored), f"票据 {key} 已在其他案件中提交: {listed}",
            {**_where(stored), "receipt": key, "member_id": facts.member_id,
             "presented_in": [{"claim_id": p.claim_id, "packet_id": p.packet_id, "member_id": p.member_id,
                               "day": p.day, "standing": p.standing, "other_member": p in others}
                              for p in others + again]},
            config.get("clause"),
        ))
    return found


def _same_receipt(code: str | None, number: str, hospital: str | None, other: Presentation) -> bool:
    """Same number and code; with a code unread on either side, the same hospital stands in for it."""
    if other.invoice_number != number:
        return False
    if code and other.invoice_code:
        return code == other.invoice_code
    if code or other.invoice_code:
        return hospital is not None and hospital == hospital_identity(other.hospital)
    return True


def copy_not_original(facts: PacketFacts, history: History, rules: dict) -> list[Signal]:
    """A paper receipt without any red or blue ink: a photocopy, where originals carry the seal (M4.2.8)."""
    config = rules["copy_not_original"]
    found = []
    for stored in facts.of_type("receipt"):
        pixels = stored.coloured_ink_pixels
        if pixels is None or stored.document.value("check_code") or pixels >= config["min_coloured_ink_pixels"]:
            continue
        number = stored.document.value("invoice_number") or "（号码未读出）"
        found.append(Signal(
            "copy_not_original", _severity(config), _receipt_subject(facts, stored),
            f"票据 {number} 的扫描页上没有红色或蓝色印章墨迹（{pixels} 个彩色像素，原件至少 "
            f"{config['min_coloured_ink_pixels']}），疑为复印件",
            {**_where(stored), "invoice_number": stored.document.value("invoice_number"),
             "coloured_ink_pixels": pixels, "min_coloured_ink_pixels": config["min_coloured_ink_pixels"]},
            config.get("clause"),
        ))
    return found


def amounts_disagree(facts: PacketFacts, history: History, rules: dict) -> list[Signal]:
    """A document whose amounts disagree with each other after a clerk confirmed every one of them."""
    config = rules["amounts_disagree"]
    found = []
    for stored in facts.documents:
        for check in stored.document.checks:
            if check.ok or check.check not in config["checks"] or not _all_confirmed(stored.document, check.fields):
                continue
            found.append(_disagreement(facts, config, check, [stored],
                                       f"packet {facts.packet_id} document {stored.document_id} {check.check}"))
    for check in facts.packet_checks:
        if check.ok or check.check != "detail_list_matches_receipt":
            continue
        involved = [s for s in facts.documents if s.document.doc_type in ("receipt", "detail_list")]
        totals = [(s.document, "total" if s.document.value("total") else "total_in_words") for s in involved]
        if involved and all(_all_confirmed(document, (name,)) for document, name in totals):
            found.append(_disagreement(facts, config, check, involved, f"packet {facts.packet_id} {check.check}"))
    return found


def _all_confirmed(document: Document, names: tuple[str, ...]) -> bool:
    """Every amount the check names that the document has, typed or confirmed by a clerk."""
    fields = [document.fields[name] for name in names if name in document.fields]
    if "items" in names:
        fields += [item["amount"] for item in document.items if "amount" in item]
    return bool(fields) and all(f.source == CONFIRMED_SOURCE for f in fields)


def _disagreement(facts: PacketFacts, config: dict, check: Check, involved: list[StoredDocument],
                  subject: str) -> Signal:
    return Signal(
        "amounts_disagree", _severity(config, check.check), subject,
        f"经人工核对后金额仍不一致（{check.check}）: {check.detail}",
        {"check": check.check, "detail": check.detail, "documents": [_where(s) for s in involved],
         **_where(involved[0])},
        config.get("clause"),
    )


def visit_after_receipt(facts: PacketFacts, history: History, rules: dict) -> list[Signal]:
    """A receipt whose visit date is after the day it was printed."""
    config = rules["visit_after_receipt"]
    found = []
    for stored in facts.of_type("receipt"):
        receipt = stored.document
        if not (_settled(receipt, "visit_date") and _settled(receipt, "issue_date")):
            continue
        visit, issued = _day(receipt.value("visit_date")), _day(receipt.value("issue_date"))
        if visit is None or issued is None or visit <= issued:
            continue
        found.append(Signal(
            "visit_after_receipt", _severity(config), _receipt_subject(facts, stored),
            f"票据 {receipt.value('invoice_number') or ''} 就诊日期 {visit} 晚于收费日期 {issued}",
            {**_where(stored), "invoice_number": receipt.value("invoice_number"), "visit_date": visit.isoformat(),
             "issue_date": issued.isoformat()},
            config.get("clause"),
        ))
    return found


def receipt_number_out_of_series(facts: PacketFacts, history: History, rules: dict) -> list[Signal]:
    """A receipt number far outside the numbers already seen from the same hospital."""
    config = rules["receipt_number_out_of_series"]
    found = []
    for stored in facts.of_type("receipt"):
        receipt = stored.document
        number, code = receipt.value("invoice_number"), receipt.value("invoice_code")
        hospital = hospital_identity(receipt.value("hospital"))
        day = _day(receipt.value("issue_date") or receipt.value("visit_date"))
        if not number or not number.isdigit() or hospital is None or day is None:
            continue
        series = {r.invoice_number: r for r in history.hospital_receipts
                  if r.packet_id != facts.packet_id and r.hospital == hospital and r.invoice_code == code
                  and r.invoice_number.isdigit() and len(r.invoice_number) == len(number) and r.invoice_number != number}
        judged = _outside_series(int(number), day, list(series.values()), config)
        if judged is None:
            continue
        low, high, pace = judged
        found.append(Signal(
            "receipt_number_out_of_series", _severity(config), _receipt_subject(facts, stored),
            f"票据号 {number} 远离 {hospital} 已见的 {len(series)} 张票据号段（{day} 前后应在 {low}–{high} 之间，"
            f"约每天 {pace} 号）",
            {**_where(stored), "invoice_number": number, "hospital": hospital, "day": day.isoformat(),
             "series_size": len(series), "expected_low": low, "expected_high": high, "numbers_per_day": pace,
             "seen_low": min(series), "seen_high": max(series)},
            config.get("clause"),
        ))
    return found


def _outside_series(number: int, day: date, series: list[NumberedReceipt], config: dict) -> tuple[int, int, int] | None:
    """(lowest, highest, numbers per day) the number should lie in on its day when it lies outside, else None."""
    if len(series) < config["min_series"] or len({r.day for r in series}) < 2:
        return None
    numbers = [int(r.invoice_number) for r in series]
    first, last = min(r.day for r in series), max(r.day for r in series)
    pace = math.ceil((max(numbers) - min(numbers)) / max(1, (last - first).days))
    slack = max(config["min_gap"], pace * config["tolerance_days"])
    low = min(numbers) - pace * max(0, (first - day).days) - slack
    high = max(numbers) + pace * max(0, (day - last).days) + slack
    return None if low <= number <= high else (max(0, low), high, pace)


def receipt_on_day_elsewhere(facts: PacketFacts, history: History, rules: dict) -> list[Signal]:
    """An outpatient receipt dated inside the member's inpatient stay at another hospital."""
    config = rules["receipt_on_day_elsewhere"]
    own_stays = [stay for stored in facts.documents
                 if (stay := stay_from({n: f.value for n, f in stored.document.fields.items()},
                                       stored.document.doc_type, facts.packet_id, facts.claim_id))]
    stays = own_stays + [s for s in history.stays if s.packet_id != facts.packet_id]
    found = []
    for stored in facts.of_type("receipt"):
        receipt = stored.document
        if receipt.value("visit_kind") == "inpatient":
            continue
        day = _day(receipt.value("visit_date") or receipt.value("issue_date"))
        hospital = hospital_identity(receipt.value("hospital"))
        inside = [s for s in stays if day and hospital and s.hospital != hospital and s.admitted < day < s.discharged]
        if not inside:
            continue
        stay = inside[0]
        found.append(Signal(
            "receipt_on_day_elsewhere", _severity(config), _receipt_subject(facts, stored),
            f"票据 {receipt.value('invoice_number') or ''} 在 {hospital} 就诊于 {day}，"
            f"而案件 {stay.claim_id} 显示当日住院于 {stay.hospital}（{stay.admitted} 至 {stay.discharged}）",
            {**_where(stored), "invoice_number": receipt.value("invoice_number"), "day": day.isoformat(),
             "hospital": hospital,
             "stays": [{"claim_id": s.claim_id, "packet_id": s.packet_id, "doc_type": s.doc_type,
                        "hospital": s.hospital, "admitted": s.admitted.isoformat(),
                        "discharged": s.discharged.isoformat()} for s in inside]},
            config.get("clause"),
        ))
    return found


def frequent_claimant(facts: PacketFacts, history: History, rules: dict) -> list[Signal]:
    """A member in the top tail of claims per policy year."""
    return _top_tail(facts, history, rules, "frequent_claimant", lambda year: Decimal(year.claims), "件索赔")


def high_payout(facts: PacketFacts, history: History, rules: dict) -> list[Signal]:
    """A member in the top tail of paid per claim in the policy year."""
    return _top_tail(facts, history, rules, "high_payout",
                     lambda year: (year.paid / year.claims).quantize(Decimal("0.01")), "元/件")


def _top_tail(facts: PacketFacts, history: History, rules: dict, rule: str,
              measure: Callable[[MemberYear], Decimal], unit: str) -> list[Signal]:
    config = rules[rule]
    years = [year for year in history.member_years if year.claims > 0]
    mine = next((year for year in years if year.member_id == facts.member_id), None)
    if mine is None or facts.year_start is None:
        return []
    values = sorted(measure(year) for year in years)
    floor = Decimal(str(config["at_least"]))
    tail = values[max(0, math.ceil(config["percentile"] / 100 * len(values)) - 1)] \
        if len(values) >= config["min_members"] else None
    threshold = max(floor, tail) if tail is not None else floor
    value = measure(mine)
    if value < threshold:
        return []
    return [Signal(
        rule, _severity(config), f"member {facts.member_id} year {facts.year_start.isoformat()}",
        f"成员 {facts.member_id} 本保单年度（自 {facts.year_start}）{value} {unit}，不低于阈值 {threshold}"
        + (f"（{len(values)} 名被保险人中的第 {config['percentile']} 百分位）" if tail is not None else ""),
        {"member_id": facts.member_id, "year_start": facts.year_start.isoformat(), "value": str(value),
         "threshold": str(threshold), "percentile_value": None if tail is None else str(tail),
         "members": len(values), "claims": mine.claims, "paid": f"{mine.paid:.2f}"},
        config.get("clause"),
    )]


RULES: dict[str, Callable[[PacketFacts, History, dict], list[Signal]]] = {
    "duplicate_receipt": duplicate_receipt,
    "copy_not_original": copy_not_original,
    "amounts_disagree": amounts_disagree,
    "visit_after_receipt": visit_after_receipt,
    "receipt_number_out_of_series": receipt_number_out_of_series,
    "receipt_on_day_elsewhere": receipt_on_day_elsewhere,
    "frequent_claimant": frequent_claimant,
    "high_payout": high_payout,
}


PACKET_RULES = tuple(rule for rule in RULES if rule not in MEMBER_RULES)


def raise_signals(facts: PacketFacts, history: History, rules: dict | None = None) -> list[Signal]:
    """Every rule on one packet."""
    rules = rules or signal_rules()
    return [signal for rule in RULES.values() for signal in rule(facts, history, rules)]


def member_subjects(member_id: str, year_start: date) -> list[str]:
    """Fingerprints the member rules give for a member's year: what a recomputation may withdraw."""
    return [f"{rule}|member {member_id} year {year_start.isoformat()}" for rule in MEMBER_RULES]


def paid_before_blacklisting(packet_id: int, claim_id: str, member_id: str, year_start: date, paid: Decimal,
                             rules: dict | None = None) -> Signal:
    """A claim of the member's blacklisted year that was paid before the blacklisting (M4.2.26)."""
    config = (rules or signal_rules())["paid_before_blacklisting"]
    return Signal(
        "paid_before_blacklisting", _severity(config), f"packet {packet_id} year {year_start.isoformat()}",
        f"成员 {member_id} 已列入 {year_start} 起保单年度的黑名单，案件 {claim_id} 此前已付 {paid:.2f} 元，未自动追回",
        {"member_id": member_id, "year_start": year_start.isoformat(), "claim_id": claim_id, "paid": f"{paid:.2f}"},
        config.get("clause"),
    )
