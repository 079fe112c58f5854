"""The manual's clause texts, by the clause IDs that decisions cite (`data/clauses.yaml`).

A decision's reason says in one line why; the review screen shows the clause's
full text beside it, as the insurer wrote it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from adjudicator.errors import PlanError, UnknownClauseError
from adjudicator.plan import CLAUSE_ID, load_yaml

DEFAULT_CLAUSES_PATH = Path(__file__).resolve().parent / "data" / "clauses.yaml"


def load_clauses(path: str | Path = DEFAULT_CLAUSES_PATH) -> dict[str, str]:
    """Clause ID → text; a malformed file is a one-line PlanError naming the entry."""
    path = Path(path)
    data = load_yaml(path)
    if not isinstance(data, dict) or set(data) != {"clauses"} or not isinstance(data["clauses"], dict):
        raise PlanError(f"{path}: must hold exactly one mapping 'clauses' of clause ID to text")
    for clause_id, text in data["clauses"].items():
        if not isinstance(clause_id, str) or not CLAUSE_ID.fullmatch(clause_id):
            raise PlanError(f"{path}: 'clauses.{clause_id}' is not a clause ID like M1.2 or D1")
        if not isinstance(text, str) or not text.strip():
            raise PlanError(f"{path}: 'clauses.{clause_id}' must be the clause's text")
    return dict(data["clauses"])


@lru_cache(maxsize=1)
def packaged_clauses() -> dict[str, str]:
    return load_clauses()


def clause_text(clause_id: str) -> str:
    """The insurer's own text of a clause, e.g. M4.2.1 → "挂号费、诊疗费、…"."""
    try:
        return packaged_clauses()[clause_id]
    except KeyError:
        raise UnknownClauseError(f"no clause {clause_id!r} in {DEFAULT_CLAUSES_PATH.name}") from None
