"""Plan and hospital files are data with clauses; a bad file is a one-line PlanError."""

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from adjudicator import (DEFAULT_PLANS_DIR, PlanError, adjudicate, load_hospitals, load_plan, packaged_hospitals,
                         packaged_plans, parse_claim, plan_for)
from adjudicator.errors import NoPlanError
from adjudicator.plan import load_plan_book, load_yaml

from case_claims import build_claim

PLAN_FILE = DEFAULT_PLANS_DIR / "plan.yaml"
FIRST_DAY = "2024-01-01"  # the day the manual's values take effect (plan.yaml says why)


def test_packaged_plan_parameters_carry_their_clauses():
    plan = packaged_plans()[0]
    assert (plan.deductible.value, plan.deductible.clause) == (Decimal("600.00"), "M1.2")
    assert (plan.outpatient_cap.value, plan.inpatient_cap.value, plan.total_cap.value) == (
        Decimal("1400.00"), Decimal("2600.00"), Decimal("4000.00"))
    assert plan.claim_window_months.value == 15 and plan.claim_window_months.clause == "M3.5"
    assert "诊查费" in plan.term_list("m4_2_1_fees").terms


def _write_plan(tmp_path: Path, change) -> Path:
    """A copy of the packaged plan (with its term files) after `change` edits the parsed YAML."""
    shutil.copytree(DEFAULT_PLANS_DIR.parent / "terms", tmp_path / "terms")
    (tmp_path / "plans").mkdir()
    data = load_yaml(PLAN_FILE)  # dates stay text, as the loader reads them
    change(data)
    path = tmp_path / "plans" / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _deductible(data: dict) -> dict:
    return data["amounts"]["deductible"]["values"][FIRST_DAY]


@pytest.mark.parametrize("change, message", [
    (lambda data: _deductible(data).pop("reference"),
     f"'amounts.deductible.values.{FIRST_DAY}.reference' is missing"),
    (lambda data: data["amounts"].update(bonus={"values": {FIRST_DAY: {"value": "1.00", "reference": "M1.2"}}}),
     "'amounts.bonus' is an unknown key"),
    (lambda data: data["amounts"]["deductible"].update(values={}), "'amounts.deductible.values' must map each date"),
    (lambda data: data["amounts"]["deductible"]["values"].update({"2027-13-01": {"value": "800.00",
                                                                                 "reference": "M1.2"}}),
     "'amounts.deductible.values.2027-13-01' is not a date"),
    (lambda data: data["amounts"]["deductible"].update(value="600.00"), "'amounts.deductible.value' is an unknown key"),
    (lambda data: _deductible(data).update(reference="section 2"), "is not a clause ID"),
    (lambda data: _deductible(data).update(value=600.5), "write decimals as quoted strings"),
    (lambda data: data["term_roles"].update(ct_exams="no_such_list"), "names the term list 'no_such_list'"),
    (lambda data: data["drug_kinds_from_names"]["class_marks"].pop("values"),
     "'drug_kinds_from_names.class_marks.values' is missing"),
    (lambda data: data["drug_kinds_from_names"]["rules"][0].update(drug_kind="tablet"),
     "'drug_kinds_from_names.rules[0].drug_kind' must be one of western"),
    (lambda data: data["drug_kinds_from_names"]["rules"][2].update(route="no_such_list"),
     "'drug_kinds_from_names.rules[2]' names the term list 'no_such_list'"),
    (lambda data: data["drug_kinds_from_names"]["rules"][0].update(when="always"),
     "'drug_kinds_from_names.rules[0].when' is an unknown key"),
])
def test_bad_plan_files(tmp_path, change, message):
    with pytest.raises(PlanError) as caught:
        load_plan(_write_plan(tmp_path, change))
    assert message in caught.value.message
    assert "\n" not in caught.value.one_line()


def test_a_plan_file_loads_from_anywhere(tmp_path):
    plan = load_plan(_write_plan(tmp_path, lambda data: _deductible(data).update(value="500.00")))
    assert plan.deductible.value == Decimal("500.00")


def test_a_change_of_one_value_costs_one_dated_line(tmp_path):
    path = _write_plan(tmp_path, lambda data: data["amounts"]["deductible"]["values"].update(
        {"2027-01-01": {"value": "800.00", "reference": "M1.2"}}))
    book = load_plan_book(path)
    assert [plan.effective_from for plan in book.plans] == [date(2024, 1, 1), date(2027, 1, 1)]
    assert plan_for(date(2026, 1, 1), book=book).deductible.value == Decimal("600.00")
    assert plan_for(date(2027, 1, 1), book=book).deductible.value == Decimal("800.00")
    # a policy year decides with the values of its start: a change within the year waits for the next
    assert plan_for(date(2026, 7, 1), book=book).deductible.value == Decimal("600.00")
    assert plan_for(date(2027, 7, 1), book=book).total_cap.value == Decimal("4000.00")


def test_no_plan_before_the_first_effective_date():
    with pytest.raises(NoPlanError):
        plan_for(date(2023, 1, 1), date(2023, 3, 1))


def test_the_manuals_values_cover_last_policy_year():
    assert plan_for(None, date(2025, 6, 10)).deductible.value == Decimal("600.00")
    assert plan_for(None, date(2026, 5, 1)).effective_from == date(2024, 1, 1)


def test_registry_resolves_printed_variants():
    registry = packaged_hospitals()
    assert len(registry.hospitals) >= 40
    for printed, name in [("上海交通大学附属第六人民医院", "上海市第六人民医院"), ("六院", "上海市第六人民医院"),
                          ("中医药大学附属龙华医院", "上海中医药大学附属龙华医院"),
                          ("复旦大学附属肿瘤医院（上海市肿瘤医院）", "复旦大学附属肿瘤医院"),
                          ("上海 市第一人民医院", "上海市第一人民医院")]:
        assert registry.find(printed).name == name
    branch = registry.find("上海交通大学医学院附属第九人民医院黄浦分院")
    assert branch.branch_of == "上海交通大学医学院附属第九人民医院" and not branch.designated_on(date(2026, 6, 1))
    assert registry.find("某某医院") is None


def test_designation_ends_on_its_date(tmp_path):
    path = tmp_path / "hospitals.yaml"
    path.write_text("""hospitals:
  - {name: 上海市测试医院, level: 3, public: true, in_shanghai: true,
     designated_from: 2026-01-01, designated_to: 2026-06-30}
""", encoding="utf-8")
    registry = load_hospitals(path)
    def decide(visit_date):
        claim = build_claim({"visits": [{"date": visit_date, "hospital": {"name": "测试医院"},
                                         "receipts": [{"total": "100.00", "cash_paid": "100.00"}]}]})
        return adjudicate(parse_claim(claim), hospitals=registry).visits[0]
    assert decide("2026-06-30").status == "accepted"
    rejected = decide("2026-07-01")
    assert rejected.status == "rejected" and rejected.reasons[0].clause == "M4.2.4"


@pytest.mark.parametrize("text, message", [
    ("hospitals:\n  - {name: X, level: 3, public: true, in_shanghai: true, colour: red}\n", "colour is an unknown key"),
    ("hospitals:\n  - {name: X, level: 5, public: true, in_shanghai: true}\n", "level must be 1, 2 or 3"),
    ("hospitals:\n  - {name: X, level: 3, public: true, in_shanghai: true, designated_from: 2026-02-30}\n",
     "designated_from is not a date"),
    ("hospitals:\n  - {name: 上海X, level: 3, public: true, in_shanghai: true}\n"
     "  - {name: Y, aliases: [X], level: 3, public: true, in_shanghai: true}\n", "belongs to both"),
])
def test_bad_registry_files(tmp_path, text, message):
    path = tmp_path / "hospitals.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError, match=message):
        load_hospitals(path)
