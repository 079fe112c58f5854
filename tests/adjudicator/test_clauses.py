"""The manual's clause texts: every clause the data or the rules cite is there, in the insurer's words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from adjudicator import DEFAULT_CLAUSES_PATH, PlanError, UnknownClauseError, clause_text, load_clauses
from adjudicator.plan import CLAUSE_ID

PACKAGE = DEFAULT_CLAUSES_PATH.parent.parent
MANUAL = Path(__file__).resolve().parents[3] / "shared" / "policy" / "service-manual.md"
# A clause ID written as a string literal in the rule code, e.g. Reason("M4.2.8", ...).
QUOTED_CLAUSE = re.compile(r"""["'](M\d+(?:\.[0-9A-Z]+)*|D\d+)["']""")


def _clauses_in(value) -> set[str]:
    """Every value of a `clause` (or a dated value's `reference`) key, anywhere in a parsed YAML document."""
    if isinstance(value, dict):
        found = {value[key] for key in ("clause", "reference") if isinstance(value.get(key), str)}
        return found.union(*(_clauses_in(child) for child in value.values()))
    if isinstance(value, list):
        return set().union(*(_clauses_in(child) for child in value))
    return set()


def _cited_by_data() -> set[str]:
    files = [*(PACKAGE / "plans").glob("*.yaml"), *(PACKAGE / "terms").glob("*.yaml")]
    return set().union(*(_clauses_in(yaml.safe_load(path.read_text(encoding="utf-8"))) for path in files))


def _cited_by_code() -> set[str]:
    return set().union(*(set(QUOTED_CLAUSE.findall(path.read_text(encoding="utf-8")))
                         for path in PACKAGE.glob("*.py")))


def test_every_cited_clause_has_its_text():
    cited_by_data, cited_by_code = _cited_by_data(), _cited_by_code()
    assert {"M1.2", "M4.1.4", "M4.2.24", "D6"} <= cited_by_data and {"M4.2.8", "M4.2.26"} <= cited_by_code
    known = set(load_clauses())
    assert cited_by_data - known == set()
    assert cited_by_code - known == set()


def test_clause_text_is_the_insurers_own():
    assert clause_text("M4.2.1").startswith("挂号费、诊疗费、院外会诊费")
    assert clause_text("D6").splitlines()[0] == "超常规检查(急诊除外)"
    with pytest.raises(UnknownClauseError) as caught:
        clause_text("M9.9")
    assert "M9.9" in caught.value.one_line()


@pytest.mark.skipif(not MANUAL.exists(), reason="the shared policy folder is not beside the repository")
def test_clauses_are_still_the_manuals_words():
    manual = MANUAL.read_text(encoding="utf-8")
    in_manual = set(re.findall(r"\[((?:M|D)[0-9A-Z.]+)\]", manual))
    clauses = load_clauses()
    assert set(clauses) == in_manual
    for clause_id, text in clauses.items():
        for line in text.splitlines():
            assert line in manual, f"{clause_id}: {line!r} is not in the manual"


@pytest.mark.parametrize("text, message", [
    ("clauses:\n  M1.2: \"\"\n", "'clauses.M1.2' must be the clause's text"),
    ("clauses:\n  Section 2: text\n", "'clauses.Section 2' is not a clause ID"),
    ("terms: {}\n", "must hold exactly one mapping 'clauses'"),
])
def test_bad_clause_files(tmp_path, text, message):
    path = tmp_path / "clauses.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError, match=re.escape(message)):
        load_clauses(path)


def test_clause_ids_are_the_plans_pattern():
    assert all(CLAUSE_ID.fullmatch(clause_id) for clause_id in load_clauses())
