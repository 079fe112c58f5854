"""The member's letter: a decision told in plain Chinese.

What was paid (in total, per visit and receipt), what was not and why, each
with its clause; what is missing, what a person still checks; the deductible
and the year's cover left. Pure: the claim, its decision and the plan in, text
out. The letter names the member by a masked name only and never prints an ID
number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from adjudicator.claim import Claim, Receipt, Visit, parse_claim
from adjudicator.decision import (ACCEPTED, REJECTED, REVIEW, Decision, Reason, ReceiptDecision, VisitDecision,
                                  decision_from_json)
from adjudicator.engine import claim_year_start
from adjudicator.errors import BadInputError, NoPlanError
from adjudicator.money import ZERO, money_text
from adjudicator.plan import Plan, plan_for
from adjudicator.policy_year import claim_deadline, policy_year_end
from adjudicator.rules import REQUESTED_DOCUMENTS_CLAUSE

VISIT_KIND_LABELS = {"outpatient": "门诊", "emergency": "急诊", "inpatient": "住院"}
SECTION_NUMBERS = "一二三四五六七八九十"

# What a receipt's split leaves outside the base (interpretation.md, Money), as the member reads it.
CATEGORY_SELF_PAY_REASON = Reason("M4.2.1", "医保分类药品中属于分类自负的费用不属于保险责任")
SELF_PAY_REASON = Reason("M4.2.2", "医保范围外的自费项目和药品不属于保险责任")
QUESTIONS_CLAUSE = "M3.2"
ORIGINALS_CLAUSE = "M2.9"
STATUS_LABELS = {"approved": "全部赔付", "partially_approved": "部分赔付", "rejected": "不予赔付",
                 "pending_documents": "待补材料"}


@dataclass(frozen=True)
class OriginalsReturn:
    """The member asked for the receipts' originals back (M2.9): whether the receipt copies and the stamped,
    addressed envelope came with the claim (None: not checked yet), and when the originals were sent."""

    receipt_copy: bool | None
    envelope: bool | None
    sent_on: date | None = None


@dataclass(frozen=True)
class Contact:
    """Where the member asks about the letter (the caller's configuration gives it)."""

    phone: str
    address: str
    hours: str


def member_letter(claim: Claim, decision: Decision, plan: Plan | None = None, contact: Contact | None = None,
                  originals: OriginalsReturn | None = None) -> str:
    """The letter to the member about one decided claim (plan: the one the claim was decided under;
    by default each policy year's own). `originals`: the member asked for the receipts' originals back."""
    if decision.claim_id != claim.claim_id:
        raise BadInputError(f"the decision is for claim {decision.claim_id!r}, not {claim.claim_id!r}")
    visits = {visit.visit_id: visit for visit in claim.visits}
    unknown = [visit.visit_id for visit in decision.visits if visit.visit_id not in visits]
    if unknown:
        raise BadInputError(f"the decision's visit {unknown[0]} is not in claim {claim.claim_id}")
    years = _years_of(claim, decision, plan)
    plan = plan or next((in_force for _, in_force, _ in years if in_force is not None), None)
    pairs = [(visits[decided.visit_id], decided) for decided in decision.visits]

    if decision.status == "pending_documents":
        sections = [("审核结果", _outcome(decision, pairs, False, False)),
                    ("需要补交的材料", _missing_documents(decision, plan) + _deadline(claim, plan))]
    else:
        not_paid, under_review = _not_paid(decision, pairs), _under_review(pairs)
        sections = [("审核结果", _outcome(decision, pairs, bool(not_paid), bool(under_review))),
                    ("不予赔付的费用及原因", not_paid), ("正在人工复核的费用", under_review)]
        if decision.status != "rejected" and plan:  # nothing was computed: how it would have been is noise
            sections.append(("赔付说明", _notes(pairs, plan)))
    if originals is not None:
        sections.append(("收据原件退回", _originals(originals)))
    sections.append(("免赔额与本保单年度剩余保险金额",
                     [line for start, in_force, ledger in years if in_force
                      for line in _year_left(start, ledger, in_force)]))

    masked = _masked_name(claim.member.name)
    lines = [f"尊敬的{masked}:" if masked else "尊敬的被保险人:", "",
             f"您好!我们已于{_day(claim.received_date)}收到您的理赔申请(案件号 {claim.claim_id}),审核结果如下。"]
    for number, (title, body) in zip(SECTION_NUMBERS, [section for section in sections if section[1]]):
        lines += ["", f"{number}、{title}", *body]
    lines += ["", f"如对本次审核结果有疑问,请与我们联系(条款 {QUESTIONS_CLAUSE})。"]
    if contact:
        lines += [f"联系电话:{contact.phone}", f"地址:{contact.address}", f"服务时间:{contact.hours}"]
    lines += ["", "天安人寿保险公司 理赔服务部"]
    return "\n".join(lines) + "\n"


def member_letter_from_json(claim_json: dict, decision_json: dict, contact: Contact | None = None,
                            originals: OriginalsReturn | None = None) -> str:
    """The letter from a stored claim (the API input) and its stored decision (the API output)."""
    claim = parse_claim(claim_json)
    return member_letter(claim, decision_from_json(decision_json, claim), contact=contact, originals=originals)


def _years_of(claim: Claim, decision: Decision, plan: Plan | None) -> list[tuple[date, Plan | None, object]]:
    """Each policy year the decision's ledgers speak of: its start, its plan (None: none covers it), its ledger."""
    ledgers = list(decision.ledgers_after) or [(claim_year_start(claim, plan), decision.ledger_after)]
    years = []
    for start, ledger in ledgers:
        try:
            in_force = plan or plan_for(start)
        except NoPlanError:
            in_force = None
        years.append((start, in_force, ledger))
    return years


# --- sections ---------------------------------------------------------------


def _outcome(decision: Decision, pairs: list[tuple[Visit, VisitDecision]], some_not_paid: bool,
             some_under_review: bool) -> list[str]:
    paid = (f"本次赔付合计 {_yuan(decision.payable)}(门急诊 {_yuan(decision.outpatient_payable)},"
            f"住院 {_yuan(decision.inpatient_payable)})。")
    if decision.status == "pending_documents":
        return [f"您提交的材料尚不齐全,本次申请暂未赔付(赔付金额 {_yuan(ZERO)})。"
                "请补交下列材料,材料补齐后我们将完成审核并另行通知您结果。"]
    if decision.status == "rejected":
        lines = [f"经审核,您本次申请的费用不予赔付,原因见下文。本次赔付 {_yuan(ZERO)}。"]
    elif decision.status == "approved":
        lines = [f"经审核,您本次申请的费用均符合保险责任。{paid}"]
    else:
        lines = ["经审核,您本次申请的费用部分符合保险责任。" + paid
                 + ("不予赔付的部分及原因见下文。" if some_not_paid else "")
                 + ("部分费用正在人工复核,复核后另行通知。" if some_under_review else "")]
    if decision.override:
        before = STATUS_LABELS.get(decision.override.status_before, "审核中")
        lines.append(f"本案经理赔主管复核后改判,理由:{decision.override.reason}"
                     f"(原审核结果:{before},赔付 {_yuan(decision.override.payable_before)})。"
                     "下列各次就诊的明细为原审核的结果。")
    if decision.payable > ZERO:
        lines.append("赔款将转入您提供的银行存折账户。")
    for number, (visit, decided) in enumerate(pairs, start=1):
        lines.append(f"{number}. {_visit_title(visit)}:{_visit_outcome(decided)}")
        for printed, receipt in zip(visit.receipts, decided.receipts):
            lines.append(f"   收据 {receipt.invoice_key}(金额 {_yuan(printed.total)}):"
                         f"{_receipt_outcome(receipt, decided.status)}")
    return lines


def _visit_outcome(decided: VisitDecision) -> str:
    if decided.status == REJECTED:
        return "不予赔付,原因见下文。"
    if decided.status == REVIEW:
        return "正在人工复核,复核后另行通知。"
    return f"计入赔付的费用 {_yuan(decided.eligible)},赔付 {_yuan(decided.payable)}。"


def _receipt_outcome(receipt: ReceiptDecision, visit_status: str) -> str:
    if visit_status == REJECTED:
        return "随本次就诊不予赔付。"
    if visit_status == REVIEW:
        return "随本次就诊人工复核。"
    if receipt.status == REJECTED:
        return "不予赔付,原因见下文。"
    if receipt.status == REVIEW:
        return "正在人工复核。"
    if receipt.excluded == ZERO:
        return f"符合医保规定的自负费用 {_yuan(receipt.base)},全部计入赔付。"
    return (f"符合医保规定的自负费用 {_yuan(receipt.base)},其中 {_yuan(receipt.excluded)}不予赔付,"
            f"计入赔付的费用 {_yuan(receipt.eligible)}。")


def _missing_documents(decision: Decision, plan: Plan) -> list[str]:
    lines = []
    for number, document in enumerate(decision.missing_documents, start=1):
        required = next((entry for entry in plan.required_documents if entry.document == document), None)
        label = required.label if required else document
        # The clause of the rule that asked for it, as the decision gives it.
        reason = next((reason for reason in decision.reasons if label in reason.text), None)
        clause = reason.clause if reason else (required.clause if required else "")
        line = f"{number}. {label}" + (f"(条款 {clause})" if clause else "")
        # Asked for by the insurer (M2.7): the member reads why, not only what.
        lines.append(line + (f":{reason.text}。" if clause == REQUESTED_DOCUMENTS_CLAUSE else ""))
    return lines


def _deadline(claim: Claim, plan: Plan | None) -> list[str]:
    """M3.5: the claim lapses if the documents are not in when the first visit's window closes."""
    last_day = claim_deadline(claim_year_start(claim, plan), plan) - timedelta(days=1)
    return [f"请于{_day(last_day)}前补交上述材料;逾期未补交的,本次申请的保险金请求权失效(条款 M3.5)。"]


def _originals(originals: OriginalsReturn) -> list[str]:
    asked = "您申请退回医疗费用收据原件。"
    missing = [what for what, enclosed in (("医疗费用收据复印件", originals.receipt_copy),
                                          ("贴有4.2元邮票并写明收件人地址及邮编的信封", originals.envelope))
               if enclosed is False]
    if missing:
        return [asked + f"因您未提供{'和'.join(missing)},依条款 {ORIGINALS_CLAUSE},相关材料不予退回。"]
    if originals.receipt_copy is None or originals.envelope is None:
        return [asked + f"我们正在核对您随附的收据复印件和信封(条款 {ORIGINALS_CLAUSE}),核对后按规定办理。"]
    if originals.sent_on is not None:
        return [asked + f"收据原件已于{_day(originals.sent_on)}用您提供的信封寄回(条款 {ORIGINALS_CLAUSE})。"]
    return [asked + f"审核完成后,我们将用您提供的信封寄回收据原件(条款 {ORIGINALS_CLAUSE})。"]


def _not_paid(decision: Decision, pairs: list[tuple[Visit, VisitDecision]]) -> list[str]:
    lines = [f"本次理赔申请不予赔付({_cited([reason])})。" for reason in decision.reasons]
    for visit, decided in pairs:
        if decided.status == REJECTED:
            own = [reason for reason in decided.reasons if reason not in decision.reasons]
            if own:
                lines.append(f"{_visit_title(visit)}的费用 {_yuan(_receipts_total(visit))}不予赔付({_cited(own)})。")
        elif decided.status == ACCEPTED:
            for printed, receipt in zip(visit.receipts, decided.receipts):
                lines += _receipt_not_paid(printed, receipt)
    return [f"{number}. {line}" for number, line in enumerate(lines, start=1)]


def _receipt_not_paid(printed: Receipt, receipt: ReceiptDecision) -> list[str]:
    key = receipt.invoice_key
    if receipt.status == REJECTED:
        return [f"收据 {key}(金额 {_yuan(printed.total)})不予赔付({_cited(receipt.reasons)})。"]
    if receipt.status != ACCEPTED:
        return []
    lines = []
    if printed.category_self_pay > ZERO:
        lines.append(f"收据 {key} 中的分类自负费用 {_yuan(printed.category_self_pay)}不予赔付"
                     f"({_cited([CATEGORY_SELF_PAY_REASON])})。")
    if printed.self_pay > ZERO:
        lines.append(f"收据 {key} 中的自费费用 {_yuan(printed.self_pay)}不予赔付({_cited([SELF_PAY_REASON])})。")
    for item in receipt.items:
        if item.excluded_amount == ZERO:
            continue
        if item.excluded_amount == item.amount:
            lines.append(f"{item.name} {_yuan(item.amount)}不予赔付({_cited(item.reasons)})。")
        else:
            lines.append(f"{item.name} {_yuan(item.amount)}中的 {_yuan(item.excluded_amount)}不予赔付"
                         f"({_cited(item.reasons)})。")
    return lines


def _under_review(pairs: list[tuple[Visit, VisitDecision]]) -> list[str]:
    lines = []
    for visit, decided in pairs:
        if decided.status == REVIEW:
            lines.append(f"{_visit_title(visit)}的费用 {_yuan(_receipts_total(visit))}正在人工复核,"
                         f"复核后另行通知({_cited(decided.reasons)})。")
        elif decided.status == ACCEPTED:
            lines += [f"收据 {receipt.invoice_key}(金额 {_yuan(printed.total)})正在人工复核,复核后另行通知"
                      f"({_cited(receipt.reasons)})。"
                      for printed, receipt in zip(visit.receipts, decided.receipts) if receipt.status == REVIEW]
    return [f"{number}. {line}" for number, line in enumerate(lines, start=1)]


def _notes(pairs: list[tuple[Visit, VisitDecision]], plan: Plan) -> list[str]:
    """How the amounts were computed, and what the decision noted without rejecting anything."""
    accepted = [decided for _, decided in pairs if decided.status == ACCEPTED]
    counted = [decided for decided in accepted if any(receipt.status == ACCEPTED for receipt in decided.receipts)]
    lines = []
    if any(decided.kind != "inpatient" for decided in counted):
        lines.append(f"门急诊费用:本保单年度累计计入赔付的费用超过免赔额 {_yuan(plan.deductible.value)}的部分,"
                     f"按 {_percent(plan.outpatient_ratio.value)} 赔付(条款 {plan.outpatient_ratio.clause})。")
    if any(decided.kind == "inpatient" for decided in counted):
        lines.append(f"住院费用:计入赔付的费用按 {_percent(plan.inpatient_ratio.value)} 赔付,不设免赔额"
                     f"(条款 {plan.inpatient_ratio.clause})。")
    lines += [f"{reason.text}(条款 {reason.clause})。" for decided in accepted for reason in decided.reasons]
    return [f"- {line}" for line in lines]


def _year_left(start: date, ledger, plan: Plan) -> list[str]:
    """The deductible and the caps of one policy year after this claim (unchanged while pending or rejected)."""
    last_day = policy_year_end(start, plan) - timedelta(days=1)
    deductible = plan.deductible.value
    outpatient_cap, inpatient_cap, total_cap = plan.outpatient_cap, plan.inpatient_cap, plan.total_cap
    paid = ledger.outpatient_paid_ytd + ledger.inpatient_paid_ytd
    return [
        f"本保单年度:{_day(start)}至{_day(last_day)}。",
        f"门急诊免赔额 {_yuan(deductible)}:已累计计入 {_yuan(ledger.outpatient_eligible_ytd)},"
        f"已用 {_yuan(min(deductible, ledger.outpatient_eligible_ytd))},"
        f"尚余 {_yuan(_left(deductible, ledger.outpatient_eligible_ytd))}(条款 {plan.deductible.clause})。",
        f"门急诊保险金额尚余 {_yuan(_left(outpatient_cap.value, ledger.outpatient_paid_ytd))}"
        f"(年度上限 {_yuan(outpatient_cap.value)},已赔付 {_yuan(ledger.outpatient_paid_ytd)};条款 {outpatient_cap.clause})。",
        f"住院保险金额尚余 {_yuan(_left(inpatient_cap.value, ledger.inpatient_paid_ytd))}"
        f"(年度上限 {_yuan(inpatient_cap.value)},已赔付 {_yuan(ledger.inpatient_paid_ytd)};条款 {inpatient_cap.clause})。",
        f"保险总金额尚余 {_yuan(_left(total_cap.value, paid))}"
        f"(年度上限 {_yuan(total_cap.value)},已赔付 {_yuan(paid)};条款 {total_cap.clause})。",
    ]


# --- wording ----------------------------------------------------------------


def _masked_name(name: str | None) -> str | None:
    """First character and a star: enough to greet, not enough to identify."""
    name = (name or "").strip()
    return f"{name[0]}*" if name else None


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _yuan(amount: Decimal) -> str:
    return f"{money_text(amount)} 元"


def _percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).normalize():f}%"


def _left(cap: Decimal, used: Decimal) -> Decimal:
    return max(ZERO, cap - used)


def _cited(reasons) -> str:
    return ";".join(f"条款 {reason.clause}:{reason.text}" for reason in reasons)


def _visit_title(visit: Visit) -> str:
    kind = VISIT_KIND_LABELS[visit.kind]
    if visit.is_inpatient and visit.discharge_date:
        return f"{_day(visit.date)}至{_day(visit.discharge_date)}在{visit.hospital.name}{kind}"
    return f"{_day(visit.date)}在{visit.hospital.name}{kind}"


def _receipts_total(visit: Visit) -> Decimal:
    return sum((receipt.total for receipt in visit.receipts), ZERO)
