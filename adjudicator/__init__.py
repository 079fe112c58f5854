"""The pure policy engine: a structured claim in, a decision out (see README.md)."""

import json
from decimal import Decimal

from adjudicator.claim import (Claim, DischargeSummary, Hospital, Item, Ledger, Member, Receipt, Record, Visit,
                               parse_claim)
from adjudicator.clauses import DEFAULT_CLAUSES_PATH, clause_text, load_clauses
from adjudicator.decision import Decision, Reason, decision_from_json, decision_to_json
from adjudicator.engine import adjudicate
from adjudicator.errors import BadInputError, NoPlanError, PlanError, UnknownClauseError, UnknownKeyError
from adjudicator.hospitals import (DEFAULT_HOSPITALS_PATH, HospitalRegistry, load_hospitals,
                                   packaged_hospitals)
from adjudicator.letter import member_letter, member_letter_from_json
from adjudicator.plan import DEFAULT_PLANS_DIR, Plan, load_plan, packaged_plans, plan_for


def adjudicate_json(text: str) -> dict:
    """Decode, validate, adjudicate and serialise one claim given as JSON text."""
    try:
        # Decimal for any JSON number, so that a float never exists; money must be strings anyway.
        obj = json.loads(text, parse_float=Decimal)
    except RecursionError:
        raise BadInputError("not JSON this system reads: nested too deeply") from None
    except ValueError as problem:  # a JSONDecodeError, or an integer too long to convert
        raise BadInputError(f"not JSON: {problem}") from None
    return decision_to_json(adjudicate(parse_claim(obj)))


__all__ = [
    "adjudicate", "adjudicate_json", "decision_to_json", "decision_from_json", "parse_claim",
    "member_letter", "member_letter_from_json", "clause_text", "load_clauses",
    "load_plan", "load_hospitals", "packaged_plans", "packaged_hospitals", "plan_for",
    "DEFAULT_PLANS_DIR", "DEFAULT_HOSPITALS_PATH", "DEFAULT_CLAUSES_PATH",
    "Claim", "Member", "Ledger", "Visit", "Hospital", "Record", "DischargeSummary", "Receipt", "Item",
    "Decision", "Reason", "Plan", "HospitalRegistry",
    "BadInputError", "PlanError", "UnknownKeyError", "NoPlanError", "UnknownClauseError",
]
