"""The moral-hazard blacklist (M4.2.26): a member put on it for one policy year, by a supervisor
with a mandatory reason or by the insurer's roster, and lifted again the same way. Every change
is a new row (the table refuses UPDATE and DELETE).

What follows a change: the member's claims of that year are decided again at once, each with an
audit row. M4.2.26 then rejects every claim of the year that was not paid before the blacklisting;
what was paid stays paid and is never clawed back by the machine: each such claim gets a
`paid_before_blacklisting` signal for a supervisor instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from adjudicator.policy_year import policy_year_start as year_of
from flows import signals
from flows.decisions import policy_year_start, redecide, stored_result
from pipeline import signals as rules
from pipeline.errors import BadInputError
from store import repository
from store.db import session_scope
from store.models import Member, Packet

log = logging.getLogger("claims.blacklist")  # member ids and counts only

RECONSIDERED_STATUSES = ("decided", "needs_review")  # an expired claim stays expired


@dataclass
class BlacklistChange:
    member_id: str
    year_start: date
    action: str  # blacklisted | lifted
    redecided: dict[str, str] = field(default_factory=dict)  # claim id → status after
    paid_before: list[str] = field(default_factory=list)  # claims paid before the blacklisting: signalled


def blacklist(db_url: str, member: str, day_in_year: str, reason: str, actor: str) -> BlacklistChange:
    """Put a member (member id or ID number) on the blacklist for the policy year containing the day."""
    return _change(db_url, member, day_in_year, reason, actor, "blacklisted")


def lift(db_url: str, member: str, day_in_year: str, reason: str, actor: str) -> BlacklistChange:
    return _change(db_url, member, day_in_year, reason, actor, "lifted")


def _change(db_url: str, member_ref: str, day_in_year: str, reason: str, actor: str, action: str) -> BlacklistChange:
    reason = reason.strip()
    if not reason:
        raise BadInputError("列入或移出黑名单必须填写理由")
    with session_scope(db_url) as session:
        member = _member(session, member_ref)
        year = _policy_year(member, day_in_year)
        listed = repository.on_blacklist(session, member.member_id, year)
        if listed == (action == "blacklisted"):
            raise BadInputError(f"成员 {member.member_id} 在自 {year} 起的保单年度{'已' if listed else '不'}在黑名单上")
        repository.add_blacklisting(session, member.member_id, year, action, reason, actor)
        log.info("member %s %s for the policy year from %s by %s", member.member_id, action, year, actor)
    return reconsider(db_url, member.member_id, year, action, reason, actor)


def _member(session, reference: str) -> Member:
    reference = reference.strip().upper()
    member = session.get(Member, reference) or repository.member_by_id_number(session, reference)
    if member is None:
        raise BadInputError("找不到该成员：请输入成员号（如 M498C31BC52）或身份证号")
    return member


def _policy_year(member: Member, day_in_year: str) -> date:
    """The start of the member's policy year that contains the day (any day of the year will do)."""
    try:
        day = date.fromisoformat(day_in_year.strip())
    except ValueError:
        raise BadInputError("保单年度：请输入该年度内的一个日期，格式 YYYY-MM-DD") from None
    return year_of(member.policy_year_start, day)


def follow_roster(db_url: str, changes: list[tuple[str, date]]) -> list[BlacklistChange]:
    """After a roster import: the claims of each member-year whose standing the roster changed."""
    done = []
    for member_id, year in changes:
        with session_scope(db_url) as session:
            latest = repository.blacklist_standing(session, member_id, year)
        done.append(reconsider(db_url, member_id, year, latest.action, latest.reason, latest.actor))
    return done


def reconsider(db_url: str, member_id: str, year_start: date, action: str, reason: str,
               actor: str) -> BlacklistChange:
    """Decide the member's claims of the year again after a blacklist change, and audit each."""
    change = BlacklistChange(member_id, year_start, action)
    kind = "blacklisted" if action == "blacklisted" else "unblacklisted"
    with session_scope(db_url) as session:
        affected = [(packet.id, packet.claim_id) for packet, decision in
                    repository.decided_packets_of_member(session, member_id)
                    if packet.status in RECONSIDERED_STATUSES and decision.claim.get("visits")
                    and policy_year_start(decision.claim) == year_start]
        for packet_id, claim_id in affected:
            paid = repository.paid_before(session, claim_id)
            flagged = rules.paid_before_blacklisting(packet_id, claim_id, member_id, year_start, paid)
            if action == "blacklisted" and paid > 0:
                signals.keep(session, packet_id, claim_id, member_id, [flagged], [])
                change.paid_before.append(claim_id)
            else:
                signals.keep(session, packet_id, claim_id, member_id, [], [flagged.fingerprint])
    for packet_id, claim_id in affected:
        with session_scope(db_url) as session:
            before = stored_result(session, session.get(Packet, packet_id))
        result = redecide(db_url, packet_id)
        change.redecided[claim_id] = result.status
        with session_scope(db_url) as session:
            repository.add_audit_entry(
                session, packet_id=packet_id, claim_id=claim_id, kind=kind, actor=actor, reason=reason,
                new_value=year_start.isoformat(), status_before=before.status, payable_before=before.payable,
                status_after=result.status, payable_after=result.payable)
    log.info("member %s: %d claims decided again, %d paid before the blacklisting", member_id,
             len(change.redecided), len(change.paid_before))
    return change

