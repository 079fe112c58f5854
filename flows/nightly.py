"""The nightly run: re-decide corrected packets, sweep deadlines, pay, report.

Each step is idempotent, so a run killed at any point is simply run again:
a decision is paid once (a payment line per decision, unique), and a payment
file whose lines were committed but whose file was not written is written again.
"""

from __future__ import annotations

import csv
import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from sqlmodel import Session, select

from adjudicator.policy_year import claim_deadline, claim_window
from flows import desk, signals
from flows.decisions import policy_year_start, redecide
from flows.report import write_report
from flows.settings import Settings
from store import repository
from store.archive import written_in_place_of
from store.db import session_scope
from store.models import Decision, ExtractedField, Member, Packet, Payment

log = logging.getLogger("claims.nightly")

PENDING_REMINDER_DAYS = 30  # a packet waiting this long for documents is listed for a reminder


@dataclass
class NightlySummary:
    day: date
    redecided: dict[str, str] = field(default_factory=dict)  # claim id → new status
    expired: list[str] = field(default_factory=list)
    overdue_pending: list[str] = field(default_factory=list)
    payment_file: str | None = None
    paid_claims: int = 0
    paid_total: Decimal = Decimal("0.00")
    unpaid_no_account: list[str] = field(default_factory=list)
    lower_than_paid: list[str] = field(default_factory=list)
    report: str | None = None


@task(cache_policy=NO_CACHE)
def redecide_waiting(settings: Settings) -> dict[str, str]:
    """Packets waiting for review are decided again from their (possibly corrected) fields."""
    with session_scope(settings.db_url) as session:
        waiting = session.exec(select(Packet.id, Packet.claim_id).where(Packet.status == "needs_review")).all()
    outcome = {}
    for packet_id, claim_id in waiting:
        result = redecide(settings.db_url, packet_id)
        outcome[claim_id] = result.status
    return outcome


@task(cache_policy=NO_CACHE)
def sweep_deadlines(settings: Settings, today: date) -> tuple[list[str], list[str]]:
    """Pending claims past the claim window expire (M3.5); long-pending ones are listed for a reminder."""
    expired, overdue = [], []
    with session_scope(settings.db_url) as session:
        pending = session.exec(select(Packet, Decision).join(Decision, Decision.packet_id == Packet.id)
                               .where(Packet.status == "decided", Decision.current == True,  # noqa: E712
                                      Decision.status == "pending_documents")).all()
        for packet, decision in pending:
            # The first visit's year closes first: from then on the claim cannot be completed whole.
            year_start = policy_year_start(decision.claim)
            deadline = claim_deadline(year_start)
            if today >= deadline:
                packet.status = "expired"
                packet.reason = (f"{claim_window(year_start).clause}: documents still missing when the claim window "
                                 f"closed on {deadline.isoformat()}")
                desk.expire_requests(session, packet.id)  # what it asked for (M2.7) is asked no more
                expired.append(packet.claim_id)
            elif today - packet.received_date >= timedelta(days=PENDING_REMINDER_DAYS):
                overdue.append(packet.claim_id)
    return expired, overdue


@task(cache_policy=NO_CACHE)
def write_payment_file(settings: Settings, now: datetime) -> dict:
    """One line per decided claim whose payable exceeds what it was paid before."""
    folder = settings.claims_home / "payments"
    folder.mkdir(parents=True, exist_ok=True)
    _rewrite_missing_files(settings, folder)
    name = f"payments-{now:%Y%m%d-%H%M%S}.csv"
    outcome = {"file": None, "claims": 0, "total": Decimal("0.00"), "no_account": [], "lower": []}
    with session_scope(settings.db_url) as session:
        decided = session.exec(select(Packet, Decision).join(Decision, Decision.packet_id == Packet.id)
                               .where(Packet.status == "decided", Decision.current == True)).all()  # noqa: E712
        lines = []
        for packet, decision in decided:
            if session.exec(select(Payment).where(Payment.decision_id == decision.id)).first():
                continue  # this decision is in a payment file already
            paid = sum((Decimal(p.amount) for p in session.exec(
                select(Payment).where(Payment.claim_id == packet.claim_id)).all()), Decimal("0.00"))
            owed = Decimal(decision.payable) - paid
            if owed < 0:
                outcome["lower"].append(packet.claim_id)  # paid more than now decided: for a person
                continue
            if owed == 0:
                continue
            member = session.get(Member, packet.member_id)
            if member is None or not member.bank_account:
                outcome["no_account"].append(packet.claim_id)
                continue
            payment = Payment(decision_id=decision.id, claim_id=packet.claim_id, member_id=member.member_id,
                              bank_account=member.bank_account, amount=f"{owed:.2f}", payment_file=name)
            session.add(payment)
            lines.append(payment)
        if lines:
            outcome.update(file=str(folder / name), claims=len(lines),
                           total=sum((Decimal(p.amount) for p in lines), Decimal("0.00")))
    if lines:  # the lines are committed first, the file written second: no file holds an uncommitted line
        with session_scope(settings.db_url) as session:
            _write_committed(session, folder / name)
    return outcome


_COLUMNS = ["claim_id", "member_id", "account_holder", "bank_name", "bank_account", "amount"]


def _write_csv(session: Session, path: Path, payments: list[Payment]) -> None:
    with written_in_place_of(path) as partial, open(partial, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(_COLUMNS)
        for payment in payments:
            member = session.get(Member, payment.member_id)
            writer.writerow([payment.claim_id, payment.member_id, member.name, member.bank_name or "",
                             payment.bank_account, payment.amount])
        handle.flush()
        os.fsync(handle.fileno())


def _rewrite_missing_files(settings: Settings, folder: Path) -> None:
    """Payment lines committed by a run that died before its file was written."""
    with session_scope(settings.db_url) as session:
        files = {p.payment_file for p in session.exec(select(Payment)).all()}
        for name in sorted(files):
            if not (folder / name).exists():
                _write_committed(session, folder / name)
                log.warning("payment file %s written again from its committed lines", name)


def _write_committed(session: Session, path: Path) -> None:
    lines = session.exec(select(Payment).where(Payment.payment_file == path.name).order_by(Payment.id)).all()
    _write_csv(session, path, list(lines))


@task(cache_policy=NO_CACHE)
def refresh_member_signals(settings: Settings) -> int:
    """Frequent claimants and high payouts for every policy year: the top tail moves as others claim."""
    with session_scope(settings.db_url) as session:
        return signals.refresh_member_signals(session)


@task(cache_policy=NO_CACHE)
def report_day(settings: Settings, summary: NightlySummary) -> str:
    with session_scope(settings.db_url) as session:
        signal_counts = repository.signal_counts_by_rule(session, datetime.combine(summary.day, time.min, timezone.utc))
        # As the dashboard counts them: a decided packet by its decision's outcome.
        rows = session.exec(select(Packet.status, Decision.status).join(
            Decision, (Decision.packet_id == Packet.id) & (Decision.current == True), isouter=True)).all()  # noqa: E712
        statuses = Counter(decided if status == "decided" and decided else status for status, decided in rows)
        today_packets = [p for p in session.exec(select(Packet)).all() if p.created_at.date() == summary.day]
        review_fields = session.exec(select(ExtractedField.name).where(ExtractedField.needs_review == True)).all()  # noqa: E712
        confidences = session.exec(select(ExtractedField.confidence).where(ExtractedField.source == "ocr")).all()
        desk_lists = desk.report_lists(session)
    return str(write_report(settings.claims_home / "reports", summary, statuses, len(today_packets),
                            len(review_fields), list(confidences), signal_counts, desk_lists))


@flow(name="nightly", log_prints=False)
def nightly(settings: Settings, today: date | None = None) -> NightlySummary:
    now = datetime.now(timezone.utc)
    summary = NightlySummary(day=today or now.date())
    summary.redecided = redecide_waiting(settings)
    summary.expired, summary.overdue_pending = sweep_deadlines(settings, summary.day)
    paid = write_payment_file(settings, now)
    summary.payment_file, summary.paid_claims, summary.paid_total = paid["file"], paid["claims"], paid["total"]
    summary.unpaid_no_account, summary.lower_than_paid = paid["no_account"], paid["lower"]
    refresh_member_signals(settings)
    summary.report = report_day(settings, summary)
    return summary
