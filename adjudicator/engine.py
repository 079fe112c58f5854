"""`adjudicate`: claim in, decision out. Pure: no I/O beyond reading packaged data files once.

Order: the claim as a whole (blacklist, documents), then each visit (window,
policy year, emergency, hospital, record, diagnosis, inpatient standard), its
receipts (rejections, payment split, base) and items (exclusions), then the
money: other payers, deductible, ratio and caps, visit by visit in date order
so the running ledger is the same however receipts are batched into claims.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from adjudicator import rules
from adjudicator.claim import Claim, Item, Ledger, Receipt, Visit
from adjudicator.decision import (ACCEPTED, REJECTED, REVIEW, Decision, ItemDecision, Reason, ReceiptDecision,
                                  VisitDecision)
from adjudicator.hospitals import HospitalRegistry, packaged_hospitals
from adjudicator.money import ZERO, money_text, round_half_up
from adjudicator.plan import Plan, plan_for


def claim_year_start(claim: Claim, plan: Plan) -> date:
    first_visit = min(visit.date for visit in claim.visits)
    return claim.policy_year_start or plan.year_start_for(None, first_visit)


def adjudicate(claim: Claim, plan: Plan | None = None, hospitals: HospitalRegistry | None = None) -> Decision:
    if plan is None:
        plan = plan_for(claim.policy_year_start, min(visit.date for visit in claim.visits))
    hospitals = hospitals or packaged_hospitals()
    year_start = claim_year_start(claim, plan)

    missing = rules.missing_documents(claim, plan)
    visits = _judge_visits(claim, plan, hospitals, year_start)
    claim_rejections = [reason for reason in [rules.blacklist_reason(claim)] if reason]
    window_reasons = [reason for visit in visits for reason in visit.reasons
                      if reason.clause == plan.claim_window_months.clause]
    if len(window_reasons) == len(visits):  # every visit is out of time: the claim is, as a whole
        claim_rejections.append(window_reasons[0])

    # A claim that is rejected whole needs no further documents; otherwise a missing one holds everything.
    if claim_rejections:
        return _unpaid(claim, "rejected", (), tuple(claim_rejections), tuple(map(_rejected_whole, visits)))
    if missing:
        return _unpaid(claim, "pending_documents", tuple(required.document for required in missing),
                       tuple(map(rules.missing_document_reason, missing)), visits)
    return _settle(claim, plan, visits)


# --- visits -----------------------------------------------------------------


def _judge_visits(claim: Claim, plan: Plan, hospitals: HospitalRegistry, year_start: date) -> tuple[VisitDecision, ...]:
    """Every visit's status, receipts and items; payable is filled in later by `_settle`."""
    by_date = sorted(claim.visits, key=lambda visit: visit.date)
    already_claimed = set(claim.ledger.claimed_invoices)
    sessions = rules.SessionCounter(claim.ledger.hyperbaric_sessions_ytd)
    judged = {}
    for visit in by_date:
        judged[visit.visit_id] = _judge_visit(visit, claim, plan, hospitals, year_start, already_claimed, sessions)
    return tuple(judged[visit.visit_id] for visit in claim.visits)


def _judge_visit(visit: Visit, claim: Claim, plan: Plan, hospitals: HospitalRegistry, year_start: date,
                 already_claimed: set[str], sessions: rules.SessionCounter) -> VisitDecision:
    emergency, emergency_note = rules.counts_as_emergency(visit, plan)
    hospital = rules.hospital_outcome(visit, emergency, hospitals, plan)
    rejections = [
        *filter(None, [rules.claim_window_reason(visit, claim, plan, year_start)]),
        *hospital.rejections,
        *filter(None, [rules.record_reason(visit, plan)]),
        *rules.excluded_diagnosis_reasons(visit, plan),
        *rules.inpatient_standard_reasons(visit, plan),
    ]
    reviews = [*filter(None, [rules.policy_year_review_reason(visit, plan, year_start)]), *hospital.reviews]
    notes = [emergency_note] if emergency_note else []

    if rejections or reviews:
        status = REJECTED if rejections else REVIEW
        receipts = tuple(_unjudged_receipt(receipt, status) for receipt in visit.receipts)
        return VisitDecision(visit.visit_id, visit.kind, status, emergency, ZERO, ZERO,
                             tuple(notes + (rejections or reviews)), receipts)

    context = rules.visit_context(visit, claim, emergency, plan)
    sessions.start_visit()
    receipts = tuple(_judge_receipt(receipt, context, plan, already_claimed, sessions) for receipt in visit.receipts)
    eligible = sum((receipt.eligible for receipt in receipts if receipt.status == ACCEPTED), ZERO)
    if visit.other_paid > ZERO:
        clause = "M3.3" if visit.is_inpatient and claim.member.union_inpatient_plan else "M3.4"
        notes.append(Reason(clause, f"其他保险或总工会已赔付{money_text(visit.other_paid)}元,予以扣除"))
        eligible = max(ZERO, eligible - visit.other_paid)
    return VisitDecision(visit.visit_id, visit.kind, ACCEPTED, emergency, eligible, ZERO, tuple(notes), receipts)


def _rejected_whole(visit: VisitDecision) -> VisitDecision:
    receipts = tuple(replace(receipt, status=REJECTED, eligible=ZERO) for receipt in visit.receipts)
    return replace(visit, status=REJECTED, eligible=ZERO, payable=ZERO, receipts=receipts)


# --- receipts and items -----------------------------------------------------


def _unjudged_receipt(receipt: Receipt, status: str) -> ReceiptDecision:
    """A receipt of a rejected or held visit: the visit's reasons speak for it."""
    items = tuple(ItemDecision(item.name, item.amount, ZERO) for item in receipt.items)
    return ReceiptDecision(receipt.invoice_code, receipt.invoice_number, receipt.invoice_key, status,
                           rules.receipt_base(receipt), ZERO, ZERO, (), items)


def _judge_receipt(receipt: Receipt, context: rules.VisitContext, plan: Plan, already_claimed: set[str],
                   sessions: rules.SessionCounter) -> ReceiptDecision:
    rejections = rules.receipt_rejection_reasons(receipt, already_claimed)
    already_claimed.add(receipt.invoice_key)  # the same invoice again in this claim is a duplicate too
    if rejections:
        return replace(_unjudged_receipt(receipt, REJECTED), reasons=tuple(rejections))
    split_problem = rules.receipt_split_reason(receipt, plan)
    if split_problem:
        return replace(_unjudged_receipt(receipt, REVIEW), reasons=(split_problem,))

    hyperbaric_before = sessions.hyperbaric_used
    items = tuple(_judge_item(item, context, plan, sessions) for item in receipt.items)
    base = rules.receipt_base(receipt)
    excluded = sum((item.excluded_amount for item in items), ZERO)
    return ReceiptDecision(receipt.invoice_code, receipt.invoice_number, receipt.invoice_key, ACCEPTED,
                           base, excluded, max(ZERO, base - excluded), (), items,
                           sessions.hyperbaric_used - hyperbaric_before)


def _judge_item(item: Item, context: rules.VisitContext, plan: Plan, sessions: rules.SessionCounter) -> ItemDecision:
    if rules.is_self_pay(item, plan):
        return ItemDecision(item.name, item.amount, ZERO)
    whole = [*rules.excluded_fee_reasons(item, plan),
             *filter(None, [rules.painless_anaesthesia_reason(item, context, plan)]),
             *rules.over_routine_exam_reasons(item, context, plan)]
    if whole:
        return ItemDecision(item.name, item.amount, item.amount, tuple(whole))
    partial = rules.drug_day_exclusion(item, context, plan)
    if context.outpatient:
        partial = partial or sessions.physiotherapy_exclusion(item, plan) or sessions.hyperbaric_exclusion(item, plan)
    if partial:
        excluded, reason = partial
        return ItemDecision(item.name, item.amount, excluded, (reason,))
    return ItemDecision(item.name, item.amount, ZERO)


# --- money ------------------------------------------------------------------


@dataclass
class _RunningLedger:
    outpatient_eligible: Decimal
    outpatient_paid: Decimal
    inpatient_paid: Decimal

    def total_cap_left(self, plan: Plan) -> Decimal:
        return max(ZERO, plan.total_cap.value - self.outpatient_paid - self.inpatient_paid)


def _outpatient_due_for_year(cumulative: Decimal, plan: Plan) -> Decimal:
    """M1.2: 70 % of the year's cumulative eligible above the deductible, up to the outpatient cap."""
    due = round_half_up(plan.outpatient_ratio.value * max(ZERO, cumulative - plan.deductible.value))
    return min(due, plan.outpatient_cap.value)


def _outpatient_payable(eligible: Decimal, running: _RunningLedger, plan: Plan) -> tuple[Decimal, list[Reason]]:
    """What the visit adds to the year's due (M1.2), within what the outpatient cap leaves.

    Computing on the cumulative amount makes the year's total independent of how the member
    batches receipts into claims. A visit pays only what it adds: a ledger paid less than its
    eligible amounts would give (a supervisor lowered a decision) is not made up for by later claims.
    """
    deductible, ratio, cap = plan.deductible, plan.outpatient_ratio, plan.outpatient_cap
    cumulative = running.outpatient_eligible + eligible
    notes = []
    if cumulative <= deductible.value:
        notes.append(Reason(deductible.clause, f"本保单年度门急诊累计合规费用{money_text(cumulative)}元,"
                                               f"未超过免赔额{money_text(deductible.value)}元"))
    if round_half_up(ratio.value * max(ZERO, cumulative - deductible.value)) > cap.value:
        notes.append(Reason(cap.clause, f"门急诊保险金额已达年度上限{money_text(cap.value)}元"))
    added = _outpatient_due_for_year(cumulative, plan) - _outpatient_due_for_year(running.outpatient_eligible, plan)
    payable = max(ZERO, min(added, cap.value - running.outpatient_paid))
    payable = _apply_total_cap(payable, running, plan, notes)
    running.outpatient_eligible = cumulative
    running.outpatient_paid += payable
    return payable, notes


def _inpatient_payable(eligible: Decimal, running: _RunningLedger, plan: Plan) -> tuple[Decimal, list[Reason]]:
    """M1.3: 70 % of eligible, no deductible, within the inpatient and total caps."""
    cap = plan.inpatient_cap
    payable = round_half_up(plan.inpatient_ratio.value * eligible)
    notes = []
    cap_left = max(ZERO, cap.value - running.inpatient_paid)
    if payable > cap_left:
        notes.append(Reason(cap.clause, f"住院保险金额已达年度上限{money_text(cap.value)}元"))
        payable = cap_left
    payable = _apply_total_cap(payable, running, plan, notes)
    running.inpatient_paid += payable
    return payable, notes


def _apply_total_cap(payable: Decimal, running: _RunningLedger, plan: Plan, notes: list[Reason]) -> Decimal:
    left = running.total_cap_left(plan)
    if payable > left:
        notes.append(Reason(plan.total_cap.clause, f"保险总金额已达年度上限{money_text(plan.total_cap.value)}元"))
        return left
    return payable


def _settle(claim: Claim, plan: Plan, visits: tuple[VisitDecision, ...]) -> Decision:
    ledger = claim.ledger
    running = _RunningLedger(ledger.outpatient_eligible_ytd, ledger.outpatient_paid_ytd, ledger.inpatient_paid_ytd)
    dates = {visit.visit_id: visit.date for visit in claim.visits}
    settled = {}
    for visit in sorted(visits, key=lambda decision: dates[decision.visit_id]):
        if visit.status != ACCEPTED:
            settled[visit.visit_id] = visit
            continue
        pay = _inpatient_payable if visit.kind == "inpatient" else _outpatient_payable
        payable, notes = pay(visit.eligible, running, plan)
        settled[visit.visit_id] = replace(visit, payable=payable, reasons=visit.reasons + tuple(notes))
    visits = tuple(settled[visit.visit_id] for visit in visits)

    accepted_receipts = [receipt for visit in visits if visit.status == ACCEPTED
                         for receipt in visit.receipts if receipt.status == ACCEPTED]
    ledger_after = Ledger(
        outpatient_eligible_ytd=running.outpatient_eligible,
        outpatient_paid_ytd=running.outpatient_paid,
        inpatient_paid_ytd=running.inpatient_paid,
        hyperbaric_sessions_ytd=ledger.hyperbaric_sessions_ytd + sum(r.hyperbaric_sessions for r in accepted_receipts),
        claimed_invoices=ledger.claimed_invoices + tuple(receipt.invoice_key for receipt in accepted_receipts),
    )
    outpatient = sum((visit.payable for visit in visits if visit.kind != "inpatient"), ZERO)
    inpatient = sum((visit.payable for visit in visits if visit.kind == "inpatient"), ZERO)
    return Decision(claim.claim_id, _claim_status(visits), outpatient + inpatient, outpatient, inpatient,
                    (), (), visits, ledger_after)


def _claim_status(visits: tuple[VisitDecision, ...]) -> str:
    """rejected: everything rejected; approved: nothing rejected, excluded or held; otherwise partially."""
    outcomes = [receipt.status for visit in visits for receipt in visit.receipts]
    outcomes += [visit.status for visit in visits if not visit.receipts]
    if all(outcome == REJECTED for outcome in outcomes):
        return "rejected"
    excluded = any(receipt.excluded > ZERO for visit in visits for receipt in visit.receipts)
    if excluded or any(outcome != ACCEPTED for outcome in outcomes):
        return "partially_approved"
    return "approved"


def _unpaid(claim: Claim, status: str, missing: tuple[str, ...], reasons: tuple[Reason, ...],
            visits: tuple[VisitDecision, ...]) -> Decision:
    """Rejected whole or waiting for documents: nothing paid, the ledger unchanged."""
    return Decision(claim.claim_id, status, ZERO, ZERO, ZERO, missing, reasons, visits, claim.ledger)
