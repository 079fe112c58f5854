"""Policy cases as data: cases/*.yaml, each a claim in and the expected part of the decision out."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from adjudicator import adjudicate, decision_to_json, packaged_plans, parse_claim
from adjudicator.plan import Param

from case_claims import build_claim

CASES_DIR = Path(__file__).parent / "cases"
CASE_FILES = sorted(CASES_DIR.glob("*.yaml"))


def _plan_with(overrides: dict):
    """The packaged plan with some amounts changed: plan numbers are data, so a case may vary them."""
    plan = packaged_plans()[0]
    changed = replace(plan, **{name: Param(Decimal(value), getattr(plan, name).clause)
                               for name, value in overrides.items()})
    object.__setattr__(changed, "matcher", plan.matcher)  # same terms: reuse the loaded segmenter
    return changed


def assert_subset(expected, actual, path="decision"):
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{path}.{key} missing in {sorted(actual)}"
            assert_subset(value, actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), \
            f"{path}: expected {len(expected)} entries, got {actual!r}"
        for index, (want, got) in enumerate(zip(expected, actual)):
            assert_subset(want, got, f"{path}[{index}]")
    else:
        assert actual == expected, f"{path}: expected {expected!r}, got {actual!r}"


@pytest.mark.parametrize("case_file", CASE_FILES, ids=[path.stem for path in CASE_FILES])
def test_case(case_file):
    case = yaml.safe_load(case_file.read_text(encoding="utf-8"))
    plan = _plan_with(case["plan_amounts"]) if "plan_amounts" in case else None
    decision = adjudicate(parse_claim(build_claim(case["claim"])), plan=plan)
    assert_subset(case["decision"], decision_to_json(decision))


def test_there_are_enough_cases_each_computed_by_hand():
    assert len(CASE_FILES) >= 60  # issue 4: "at least 60 cases"
    uncommented = [path.name for path in CASE_FILES if not path.read_text(encoding="utf-8").startswith("# ")]
    assert uncommented == [], "every case opens with its hand computation as a comment"
