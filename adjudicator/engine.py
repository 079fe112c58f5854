"""`adjudicate`: claim in, decision out. Pure: no I/O beyond reading packaged data files once.

Order: each visit's policy year and the claim window (M3.5), which need no plan
amounts, then the plan in force for that year (none: refused, M1.1); the claim as
a whole (blacklist, documents), then each visit (emergency, hospital, record,
diagnosis, inpatient standard), its receipts (rejections, payment split, base)
and items (exclusions), then the money: other payers, deductible, ratio and caps,
visit by visit in date order so the running ledger is the same however receipts
are batched into claims. A visit counts in its own policy year's ledger, with that
year's deductible and caps, whichever year the claim's other visits fall in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from adjudicator import rules
from adjudicator.claim import Claim, Item, Ledger, Receipt, Visit
from adjudicator.decision import (ACCEPTED, REJECTED, REVIEW, Decision, ItemDecision, Reason, ReceiptDecision,
                                  VisitDecision)
from adjudicator.errors import NoPlanError
from adjudicator.hospitals import HospitalRegistry, packaged_hospitals
from adjudicator.money import ZERO, money_text, round_half_up
from adjudicator.plan import Plan, packaged_plans, plan_for
from adjudicator.policy_year import policy_year_start


def claim_year_start(claim: Claim, plan: Plan | None = None) -> date:
    """The policy year of the claim's first visit: the one its `ledger` is of."""
    return policy_year_start(claim.policy_year_start, min(visit.date for visit in claim.visits), plan)


def visit_years(claim: Claim, plan: Plan | None = None) -> dict[str, date]:
    """Each visit's own policy year (its start), by visit id."""
    return {visit.visit_id: policy_year_start(claim.policy_year_start, visit.date, plan) for visit in claim.visits}


@dataclass(frozen=True)
class _Year:
    """One policy year a claim's visits fall in: its plan (None: no plan covers it) and ledger."""

    start: date
    plan: Plan | None
    ledger: Ledger


def _years(claim: Claim, plan: Plan | None) -> dict[str, _Year]:
    """Each visit's policy year, by visit id."""
    claim_year = claim_year_start(claim, plan)
    years = {}
    for start in sorted(set(visit_years(claim, plan).values())):
        try:
            in_force = plan or plan_for(start)
        except NoPlanError:
            in_force = None
        years[start] = _Year(start, in_force, claim.ledger_of(start, claim_year))
    return {visit_id: years[start] for visit_id, start in visit_years(claim, plan).items()}


def adjudicate(claim: Claim, plan: Plan | None = None, hospitals: HospitalRegistry | None = None) -> Decision:
    """`plan`: decide every policy year under this plan (tests vary amounts); by default each year
    is decided under the plan in force on its start."""
    hospitals = hospitals or packaged_hospitals()
    years = _years(claim, plan)
    late = {visit.visit_id: reason for visit in claim.visits
            if (reason := _time_reason(claim, years[visit.visit_id], plan))}
    visits = _judge_visits(claim, hospitals, years, late)
    claim_rejections = [reason for reason in [rules.blacklist_reason(claim)] if reason]
    # Every visit out of time or of a year no plan covers: the claim is rejected as a whole.
    untimely = list(late.values())
    if len(untimely) == len(visits):
        claim_rejections.extend({reason.clause: reason for reason in untimely}.values())

    # A claim that is rejected whole needs no further documents; otherwise a missing one holds everything.
    if claim_rejections:
        return _unpaid(claim, "rejected", (), tuple(claim_rejections), tuple(map(_rejected_whole, visits)), years)
    documents_plan = next(year.plan for year in years.values() if year.plan is not None)
    missing = rules.missing_documents(claim, documents_plan)
    if missing or claim.requested_documents:
        return _unpaid(claim, "pending_documents",
                       tuple(required.document for required in missing)
                       + tuple(asked.document for asked in claim.requested_documents),
                       tuple(map(rules.missing_document_reason, missing))
                       + tuple(map(rules.requested_document_reason, claim.requested_documents)), visits, years)
    return _settle(claim, visits, years)


def _time_reason(claim: Claim, year: _Year, plan: Plan | None) -> Reason | None:
    """M3.5 first, whatever plan covers the year; then a year no plan covers (M1.1)."""
    late = rules.claim_window_reason(claim, year.start, plan)
    if late or year.plan is not None:
        return late
    return rules.no_plan_reason(year.start, packaged_plans()[0].effective_from)


# --- visits -----------------------------------------------------------------


def _judge_visits(claim: Claim, hospitals: HospitalRegistry, years: dict[str, _Year],
                  late: dict[str, Reason]) -> tuple[VisitDecision, ...]:
    """Every visit's status, receipts and items; payable is filled in later by `_settle`."""
    by_date = sorted(claim.visits, key=lambda visit: visit.date)
    # A receipt is paid once, ever: the invoices of every year's ledger count.
    already_claimed = {key for year in years.values() for key in year.ledger.claimed_invoices}
    sessions = {year.start: rules.SessionCounter(year.ledger.hyperbaric_sessions_ytd) for year in years.values()}
    judged = {}
    for visit in by_date:
        year = years[visit.visit_id]
        if visit.visit_id in late:
            judged[visit.visit_id] = _out_of_time(visit, late[visit.visit_id])
            continue
        judged[visit.visit_id] = _judge_visit(visit, claim, year.plan, hospitals, already_claimed,
                                              sessions[year.start])
    return tuple(judged[visit.visit_id] for visit in claim.visits)


def _out_of_time(visit: Visit, reason: Reason) -> VisitDecision:
    receipts = tuple(_unjudged_receipt(receipt, REJECTED) for receipt in visit.receipts)
    return VisitDecision(visit.visit_id, visit.kind, REJECTED, False, ZERO, ZERO, (reason,), receipts)


def _judge_visit(visit: Visit, claim: Claim, plan: Plan, hospitals: HospitalRegistry,
                 already_claimed: set[str], sessions: rules.SessionCounter) -> VisitDecision:
    emergency, emergency_note = rules.counts_as_emergency(visit, plan)
    hospital = rules.hospital_outcome(visit, emergency, hospitals, plan)
    rejections = [
        *hospital.rejections,
        *filter(None, [rules.record_reason(visit, plan)]),
        *rules.excluded_diagnosis_reasons(visit, plan),
        *rules.inpatient_standard_reasons(visit, plan),
    ]
    reviews = list(hospital.reviews)
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


def _settle(claim: Claim, visits: tuple[VisitDecision, ...], years: dict[str, _Year]) -> Decision:
    """Money visit by visit in date order, each on its own policy year's running ledger and plan."""
    running = {year.start: _RunningLedger(year.ledger.outpatient_eligible_ytd, year.ledger.outpatient_paid_ytd,
                                          year.ledger.inpatient_paid_ytd) for year in years.values()}
    dates = {visit.visit_id: visit.date for visit in claim.visits}
    settled = {}
    for visit in sorted(visits, key=lambda decision: dates[decision.visit_id]):
        if visit.status != ACCEPTED:
            settled[visit.visit_id] = visit
            continue
        year = years[visit.visit_id]
        pay = _inpatient_payable if visit.kind == "inpatient" else _outpatient_payable
        payable, notes = pay(visit.eligible, running[year.start], year.plan)
        settled[visit.visit_id] = replace(visit, payable=payable, reasons=visit.reasons + tuple(notes))
    visits = tuple(settled[visit.visit_id] for visit in visits)

    after = {}
    for year in {year.start: year for year in years.values()}.values():
        accepted_receipts = [receipt for visit in visits if visit.status == ACCEPTED
                             and years[visit.visit_id].start == year.start
                             for receipt in visit.receipts if receipt.status == ACCEPTED]
        after[year.start] = Ledger(
            outpatient_eligible_ytd=running[year.start].outpatient_eligible,
            outpatient_paid_ytd=running[year.start].outpatient_paid,
            inpatient_paid_ytd=running[year.start].inpatient_paid,
            hyperbaric_sessions_ytd=year.ledger.hyperbaric_sessions_ytd + sum(r.hyperbaric_sessions
                                                                              for r in accepted_receipts),
            claimed_invoices=year.ledger.claimed_invoices + tuple(r.invoice_key for r in accepted_receipts),
        )
    outpatient = sum((visit.payable for visit in visits if visit.kind != "inpatient"), ZERO)
    inpatient = sum((visit.payable for visit in visits if visit.kind == "inpatient"), ZERO)
    return Decision(claim.claim_id, _claim_status(visits), outpatient + inpatient, outpatient, inpatient,
                    (), (), visits, after[_first_year(claim, years)], _other_years(after))


def _first_year(claim: Claim, years: dict[str, _Year]) -> date:
    return years[min(claim.visits, key=lambda visit: visit.date).visit_id].start


def _other_years(after: dict[date, Ledger]) -> tuple[tuple[date, Ledger], ...]:
    """Every year's ledger, when the claim reaches more than one policy year."""
    return tuple(sorted(after.items())) if len(after) > 1 else ()


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
            visits: tuple[VisitDecision, ...], years: dict[str, _Year]) -> Decision:
    """Rejected whole or waiting for documents: nothing paid, the ledgers unchanged."""
    unchanged = _other_years({year.start: year.ledger for year in years.values()})
    return Decision(claim.claim_id, status, ZERO, ZERO, ZERO, missing, reasons, visits, claim.ledger, unchanged)
