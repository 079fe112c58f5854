"""One small function per rule of interpretation.md; each outcome carries its clause.

The rules read plan parameters and term lists only through the `Plan`; no plan
number lives here. Clause IDs and the Chinese reason texts do.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from adjudicator import policy_year
from adjudicator.claim import Claim, Item, Receipt, Record, RequestedDocument, Visit
from adjudicator.decision import Reason
from adjudicator.hospitals import HospitalRegistry
from adjudicator.money import ZERO, money_text, round_half_up
from adjudicator.plan import DrugDayLimit, Plan, RequiredDocument
from adjudicator.terms import normalise_text

# --- documents (Part 2) -----------------------------------------------------


def _document_needed(condition: str, claim: Claim) -> bool:
    visits = claim.visits
    inpatient = any(visit.is_inpatient for visit in visits)
    return {
        "every_claim": True,
        "outpatient_visit": any(not visit.is_inpatient for visit in visits),
        "inpatient_visit": inpatient,
        "inpatient_visit_with_other_insurer": inpatient and claim.member.other_insurer,
        "inpatient_visit_in_union_plan": inpatient and claim.member.union_inpatient_plan,
        "emergency_without_insurance_card": any(visit.is_marked_emergency and not visit.insurance_card_used
                                                for visit in visits),
    }[condition]


def missing_documents(claim: Claim, plan: Plan) -> list[RequiredDocument]:
    """Required documents absent from the packet, each kind once (first rule that needs it)."""
    missing: dict[str, RequiredDocument] = {}
    for required in plan.required_documents:
        if (required.document not in claim.documents and required.document not in missing
                and _document_needed(required.when, claim)):
            missing[required.document] = required
    return list(missing.values())


def missing_document_reason(required: RequiredDocument) -> Reason:
    return Reason(required.clause, f"缺少{required.label},请补交")


REQUESTED_DOCUMENTS_CLAUSE = "M2.7"


def requested_document_reason(asked: RequestedDocument) -> Reason:
    """M2.7: the insurer may ask for further material (the record's original, say) to look at."""
    return Reason(REQUESTED_DOCUMENTS_CLAUSE, f"本公司要求补充提供{asked.document},原因:{asked.reason}")


# --- the claim as a whole ---------------------------------------------------


def blacklist_reason(claim: Claim) -> Reason | None:
    if not claim.member.blacklisted:
        return None
    return Reason("M4.2.26", "被保险人已列入道德风险黑名单,本保单年度理赔申请资格已取消,全额拒赔")


# --- when (M3.5, M1.1) ------------------------------------------------------


def claim_window_reason(claim: Claim, year_start: date, plan: Plan | None = None) -> Reason | None:
    """M3.5: received on or after the deadline of the visit's own policy year. Needs no plan amounts."""
    deadline = policy_year.claim_deadline(year_start, plan)
    if claim.received_date < deadline:
        return None
    window = policy_year.claim_window(year_start, plan)
    return Reason(window.clause, f"就诊所属保单年度自{year_start.isoformat()}开始,"
                                 f"理赔申请已超过{window.value}个月时效(截至{deadline.isoformat()}前)")


def no_plan_reason(year_start: date, first_plan_day: date) -> Reason:
    """A visit of a policy year before any plan this system holds: refused, citing the year's cover (M1.1)."""
    return Reason("M1.1", f"就诊所属保单年度自{year_start.isoformat()}开始,早于本保险方案的生效日期"
                          f"{first_plan_day.isoformat()},该保单年度不在本方案保障范围内,不予赔付")


# --- emergency (D1) ---------------------------------------------------------

# A temperature as printed: 39.2℃, 38.6度, T39°C (℃ is °C after normalisation).
_TEMPERATURE = re.compile(r"(\d{2}(?:\.\d{1,2})?)(?:°C|°|度|摄氏度)")
# Numbers outside this range are not body temperatures (e.g. a drug dose).
_BODY_TEMPERATURES = (Decimal("30"), Decimal("45"))


def highest_temperature(text: str) -> Decimal | None:
    readings = [Decimal(match) for match in _TEMPERATURE.findall(normalise_text(text))]
    readings = [value for value in readings if _BODY_TEMPERATURES[0] <= value <= _BODY_TEMPERATURES[1]]
    return max(readings, default=None)


def emergency_condition(visit: Visit, plan: Plan) -> str | None:
    """The D1 condition the chief complaint or diagnosis shows, as a short Chinese phrase."""
    text = visit.diagnosis_text
    term = plan.matcher.first_match(plan.term_list("role:emergency_conditions"), text)
    if term:
        return term
    temperature = highest_temperature(text)
    if temperature is not None and temperature >= plan.fever_threshold.value:
        return f"高热{temperature}℃"
    return None


def counts_as_emergency(visit: Visit, plan: Plan) -> tuple[bool, Reason | None]:
    """Marked 急诊 and showing a D1 condition; marked without one is a general visit, and the decision says so."""
    if not visit.is_marked_emergency:
        return False, None
    if emergency_condition(visit, plan):
        return True, None
    return False, Reason("D1", "标注为急诊,但主诉及诊断不符合急诊释义,按普通门诊处理")


# --- where (M1.H, M4.2.4, M4.2.19) ------------------------------------------

UNKNOWN_HOSPITAL_TEXT = "医院不在指定医院名录中,需人工复核"


@dataclass(frozen=True)
class HospitalOutcome:
    rejections: tuple[Reason, ...] = ()
    reviews: tuple[Reason, ...] = ()


def hospital_outcome(visit: Visit, emergency: bool, registry: HospitalRegistry, plan: Plan) -> HospitalOutcome:
    """Flags printed on the claim win; the registry fills the rest; an unknown name is never guessed."""
    printed = visit.hospital
    registered = registry.find(printed.name)

    def flag(name: str):
        value = getattr(printed, name)
        if value is not None or registered is None:
            return value
        return registered.designated_on(visit.date) if name == "designated" else getattr(registered, name)

    rejections, unknown = [], False
    in_shanghai = flag("in_shanghai")
    if in_shanghai is False:
        rejections.append(Reason("M4.2.19", f"{printed.name}不在上海市,在外地、境外就医不属于保险责任"))
    unknown |= in_shanghai is None
    if not emergency:
        designated = flag("designated")
        if designated is False:
            if registered is not None and registered.branch_of and printed.designated is None:
                rejections.append(Reason("M1.H", f"{printed.name}为{registered.branch_of}的分院,指定医院不含分院"))
            else:
                rejections.append(Reason("M4.2.4", f"{printed.name}不是我司指定医院,非急诊就诊不予赔付"))
        unknown |= designated is None
        if visit.is_inpatient:
            level, public = flag("level"), flag("public")
            minimum = plan.inpatient_min_level
            if level is not None and level < minimum.value:
                rejections.append(Reason(minimum.clause, f"住院须在{minimum.value}级及以上医院,{printed.name}为{level}级"))
            if public is False and plan.inpatient_public_only.value:
                rejections.append(Reason(plan.inpatient_public_only.clause, f"住院须在公立医院,{printed.name}不是公立医院"))
            unknown |= level is None or public is None
    if rejections:
        return HospitalOutcome(rejections=tuple(rejections))
    if unknown:
        return HospitalOutcome(reviews=(Reason("M1.H", UNKNOWN_HOSPITAL_TEXT),))
    return HospitalOutcome()


# --- the visit's record and diagnosis (M4.2.5, D3, M4.2.9–22, D5) ------------


def record_reason(visit: Visit, plan: Plan) -> Reason | None:
    if visit.is_inpatient:
        return None
    simple_history = (not visit.first_visit and plan.matcher.first_match(
        plan.term_list("role:hypertension_diabetes_heart"), visit.record.diagnosis if visit.record else None))
    if simple_history:
        required = plan.simple_follow_up_sections
    else:
        required = plan.first_visit_sections if visit.first_visit else plan.follow_up_sections
    record = visit.record or Record()
    missing = [plan.record_section_labels[section] for section in required.value if not record.has_section(section)]
    if not missing:
        return None
    kind = "初诊" if visit.first_visit else "复诊"
    return Reason(required.clause, f"{kind}病历不完整,缺少{'、'.join(missing)}")


def excluded_diagnosis_reasons(visit: Visit, plan: Plan) -> list[Reason]:
    reasons = []
    for name in plan.excluded_diagnoses:
        term_list = plan.term_list(name)
        term = plan.matcher.first_match(term_list, visit.diagnosis_text)
        if term:
            reasons.append(Reason(term_list.clause, term_list.reason_for(term)))
    return reasons


_NUMBERING = re.compile(r"^[(（]?\d+[)）.、:：]?")
_DIAGNOSIS_SEPARATORS = re.compile(r"[,，;；、\n]|\s+[(（]?\d+[)）.、]")


def principal_diagnosis(text: str | None) -> str:
    """The first diagnosis listed ("1.肺炎 2.高血压" → 肺炎)."""
    for part in _DIAGNOSIS_SEPARATORS.split((text or "").strip()):
        part = _NUMBERING.sub("", part.strip()).strip()
        if part:
            return part
    return ""


def inpatient_standard_reasons(visit: Visit, plan: Plan) -> list[Reason]:
    if not visit.is_inpatient:
        return []
    reasons = []
    if visit.self_discharge_without_surgery:
        reasons.append(Reason("D5", "入院手术治疗者因个人原因自动出院或转院且未行手术,不予理赔"))
    if not visit.rescue:
        diagnosis = visit.discharge_summary.diagnosis if visit.discharge_summary else None
        diagnosis = diagnosis or (visit.record.diagnosis if visit.record else None)
        term_list = plan.term_list("role:inpatient_exclusions")
        term = plan.matcher.first_match(term_list, principal_diagnosis(diagnosis))
        if term:
            reasons.append(Reason(term_list.clause, term_list.reason_for(term) + ",可门诊治疗的疾病不可住院治疗"))
    return reasons


# --- receipts (M4.2.8, M4.2.25, M3.4) ---------------------------------------


def receipt_rejection_reasons(receipt: Receipt, already_claimed: set[str]) -> list[Reason]:
    checks = [
        (not receipt.original, "M4.2.8", "非发票原件,不予赔付"),
        (not receipt.insurance_invoice, "M4.2.8", "非医保发票,不予赔付"),
        (not receipt.complete, "M4.2.8", "半联发票,不予赔付"),
        (not receipt.legible, "M4.2.8", "发票打印不清,不予赔付"),
        (receipt.date is None, "M4.2.8", "发票无就诊日期,不予赔付"),
        (receipt.handwritten, "M4.2.8", "手写发票,不予赔付"),
        (receipt.lost, "M4.2.25", "医疗收据原件遗失,医院证明或收据复印件均无效,不予赔付"),
        (receipt.invoice_key in already_claimed, "M3.4", f"发票{receipt.invoice_key}已申请理赔,不重复给付"),
    ]
    return [Reason(clause, text) for failed, clause, text in checks if failed]


def cash_borne(receipt: Receipt) -> Decimal:
    """Cash the member bore: the printed cash, or the sum of its parts; a third-party payment if larger."""
    cash = receipt.cash_paid
    if cash is None:
        cash = receipt.category_self_pay + receipt.self_borne + receipt.self_pay
    return max(cash, receipt.third_party_paid)


def receipt_split_reason(receipt: Receipt, plan: Plan) -> Reason | None:
    """A split that does not add up is an extraction problem for a person, not a rejection."""
    tolerance = plan.receipt_split_tolerance
    cash = cash_borne(receipt)
    paid = receipt.fund_paid + receipt.additional_paid + receipt.account_paid + cash
    parts = receipt.category_self_pay + receipt.self_borne + receipt.self_pay
    if abs(receipt.total - paid) <= tolerance.value and parts <= receipt.account_paid + cash + tolerance.value:
        return None
    return Reason(tolerance.clause, f"收据金额不平(合计{money_text(receipt.total)},各项支付合计{money_text(paid)}),需人工复核")


def receipt_base(receipt: Receipt) -> Decimal:
    """自负 incl. the personal account, less 分类自负 (M4.2.1) and 自费 (M4.2.2); never below zero, and
    never above the receipt's total (cash rounding lets the parts exceed it by a few fen)."""
    borne = receipt.account_paid + cash_borne(receipt) - receipt.category_self_pay - receipt.self_pay
    return min(receipt.total, max(ZERO, borne))


# --- items ------------------------------------------------------------------


@dataclass(frozen=True)
class VisitContext:
    """What the item rules need to know about the visit an item belongs to."""

    outpatient: bool
    emergency: bool
    chronic_disease: bool
    hypertension_diabetes_heart: bool
    malignant_tumour: bool
    painless_exam: bool  # an item of the visit is a painless endoscopy (M4.2.24)
    basic_exam_in_window: bool  # D6
    ct_in_window: bool  # D6
    treatment: str | None  # the record's 治疗意见: where a drip (静滴, 补液) is prescribed


def _names_match(plan: Plan, role: str, texts: list[str | None]) -> bool:
    term_list = plan.term_list(role)
    return any(plan.matcher.first_match(term_list, text) for text in texts)


def visit_context(visit: Visit, claim: Claim, emergency: bool, plan: Plan) -> VisitContext:
    window_start = visit.date - timedelta(days=plan.exam_window_days.value)
    window = [other for other in claim.visits if window_start <= other.date <= visit.date]
    exam_texts = [item.name for other in window for receipt in other.receipts for item in receipt.items]
    exam_texts += [other.record.auxiliary_exam for other in window if other.record]
    diagnosis = visit.diagnosis_text
    return VisitContext(
        outpatient=not visit.is_inpatient,
        emergency=emergency,
        chronic_disease=_names_match(plan, "role:chronic_diseases", [diagnosis]),
        hypertension_diabetes_heart=_names_match(plan, "role:hypertension_diabetes_heart", [diagnosis]),
        malignant_tumour=_names_match(plan, "role:malignant_tumour", [diagnosis]),
        painless_exam=_names_match(plan, "role:painless_exams",
                                   [item.name for receipt in visit.receipts for item in receipt.items]),
        basic_exam_in_window=_names_match(plan, "role:basic_exams", exam_texts),
        ct_in_window=_names_match(plan, "role:ct_exams", exam_texts),
        treatment=visit.record.treatment if visit.record else None,
    )


def is_self_pay(item: Item, plan: Plan) -> bool:
    """自费 items are already outside the base (M4.2.2), flagged or printed as "(自费)"."""
    return item.self_pay or _names_match(plan, "role:self_pay_markers", [item.name])


def excluded_fee_reasons(item: Item, plan: Plan) -> list[Reason]:
    """Fee items the plan never pays (M4.2.1, M4.2.3, M4.2.11–15, M4.2.23)."""
    reasons = []
    for name in plan.excluded_items:
        term_list = plan.term_list(name)
        term = plan.matcher.first_match(term_list, item.name) or plan.matcher.first_match(term_list, item.category)
        if term:
            reasons.append(Reason(term_list.clause, term_list.reason_for(term)))
    return reasons


def painless_anaesthesia_reason(item: Item, context: VisitContext, plan: Plan) -> Reason | None:
    term_list = plan.term_list("role:anaesthesia")
    term = plan.matcher.first_match(term_list, item.name)
    if not term or not context.painless_exam:
        return None
    return Reason(term_list.clause, term_list.reason_for(term))


def over_routine_exam_reasons(item: Item, context: VisitContext, plan: Plan) -> list[Reason]:
    """D6: a special exam without a basic exam in the window; an MRI without a CT. Emergencies are exempt."""
    if context.emergency or not _names_match(plan, "role:special_exams", [item.name]):
        return []
    days = plan.exam_window_days
    reasons = []
    if not context.basic_exam_in_window:
        reasons.append(Reason(days.clause, f"{item.name}为特殊检查,{days.value}天内未做基础检查,属超常规检查"))
    if _names_match(plan, "role:mri_exams", [item.name]) and not context.ct_in_window:
        reasons.append(Reason(days.clause, f"{item.name}为磁共振检查,{days.value}天内未做CT,属超常规检查"))
    return reasons


def _limit_applies(condition: str, context: VisitContext) -> bool:
    return {
        "emergency": context.emergency,
        "general_outpatient": not context.emergency,
        "any_outpatient": True,
        "chronic_disease": context.chronic_disease,
        "hypertension_diabetes_heart": context.hypertension_diabetes_heart,
        "malignant_tumour": context.malignant_tumour,
    }[condition]


DRUG_KIND_LABELS = {"western": "西药", "patent": "中成药", "herbal_decoction": "中药汤剂", "auxiliary": "辅助用药",
                    "infusion": "补液"}

# A bracketed mark at the front of a printed drug name, after NFKC: "(乙10%)", "[甲]", "【自费】".
_LEADING_MARK = re.compile(r"^[(\[【]([^)\]】]{1,10})[)\]】]")
# The self-paid share printed inside a class mark ("乙10%") is not part of the mark's word.
_MARK_SHARE = re.compile(r"[\d.%]")


def drug_name(printed: str, plan: Plan) -> str:
    """The printed name without its 医保分类 marks: "(乙10%)头孢羟氨苄片" → "头孢羟氨苄片"."""
    marks = {normalise_text(mark) for mark in plan.drug_class_marks.value}
    name = unicodedata.normalize("NFKC", printed).strip()
    while (mark := _LEADING_MARK.match(name)) and normalise_text(_MARK_SHARE.sub("", mark[1])) in marks:
        name = name[mark.end():].strip()
    return name


def drug_kind(item: Item, context: VisitContext, plan: Plan) -> str | None:
    """The kind the claim gives, else the first of the plan's rules matching name or category; None: no drug."""
    if item.drug_kind is not None:
        return item.drug_kind
    name = drug_name(item.name, plan)
    for rule in plan.drug_kind_rules:
        if not _names_match(plan, rule.terms, [name, item.category]):
            continue
        if rule.route is None or _names_match(plan, rule.route, [name, context.treatment]):
            return rule.drug_kind
    return None


def drug_day_limit(kind: str, context: VisitContext, plan: Plan) -> DrugDayLimit | None:
    """The largest limit that applies to a drug of this kind in this visit (M4.1.1–M4.1.4)."""
    applicable = [limit for limit in plan.drug_day_limits
                  if kind in limit.drug_kinds and _limit_applies(limit.when, context)]
    return max(applicable, key=lambda limit: limit.days, default=None)


def pro_rata(amount: Decimal, excess: int, whole: int) -> Decimal:
    return round_half_up(amount * excess / whole)


def drug_day_exclusion(item: Item, context: VisitContext, plan: Plan) -> tuple[Decimal, Reason] | None:
    if not context.outpatient or not item.days:
        return None
    kind = drug_kind(item, context, plan)
    limit = drug_day_limit(kind, context, plan) if kind else None
    if limit is None or item.days <= limit.days:
        return None
    excluded = pro_rata(item.amount, item.days - limit.days, item.days)
    return excluded, Reason(limit.clause, f"{drug_name(item.name, plan)}({DRUG_KIND_LABELS[kind]})开药{item.days}天,"
                                          f"超过{limit.days}天用量限制,超出部分{money_text(excluded)}元不予赔付")


class SessionCounter:
    """Physiotherapy kinds and sessions within one visit, hyperbaric sessions across the year (M4.1.5)."""

    def __init__(self, hyperbaric_used: int):
        self.hyperbaric_used = hyperbaric_used
        self._physio_sessions: dict[str, int] = {}

    def start_visit(self) -> None:
        self._physio_sessions = {}

    def physiotherapy_exclusion(self, item: Item, plan: Plan) -> tuple[Decimal, Reason] | None:
        if not _names_match(plan, "role:physiotherapy", [item.name]):
            return None
        kinds, per_kind = plan.physiotherapy_kinds_per_visit, plan.physiotherapy_sessions_per_kind
        kind, sessions = normalise_text(item.name), item.sessions or 1
        if kind not in self._physio_sessions and len(self._physio_sessions) >= kinds.value:
            return item.amount, Reason(kinds.clause, f"一次门诊理疗项目限{kinds.value}项,{item.name}超出项目数,不予赔付")
        used = self._physio_sessions.get(kind, 0)
        self._physio_sessions[kind] = used + sessions
        excess = min(sessions, max(0, used + sessions - per_kind.value))
        if not excess:
            return None
        excluded = pro_rata(item.amount, excess, sessions)
        return excluded, Reason(per_kind.clause, f"{item.name}每项限{per_kind.value}次,超出{excess}次,"
                                                 f"{money_text(excluded)}元不予赔付")

    def hyperbaric_exclusion(self, item: Item, plan: Plan) -> tuple[Decimal, Reason] | None:
        if not _names_match(plan, "role:hyperbaric_oxygen", [item.name]):
            return None
        limit, sessions = plan.hyperbaric_sessions_per_year, item.sessions or 1
        excess = min(sessions, max(0, self.hyperbaric_used + sessions - limit.value))
        self.hyperbaric_used += sessions
        if not excess:
            return None
        excluded = pro_rata(item.amount, excess, sessions)
        return excluded, Reason(limit.clause, f"高压氧治疗每保单年度限{limit.value}次,超出{excess}次,"
                                              f"{money_text(excluded)}元不予赔付")
