"""A plan year's parameters as dated, cited data (`plans/*.yaml` + `terms/*.yaml`).

Rule code never holds a plan number: every amount, limit and list comes from
here, and every value carries the clause it rests on so a decision can cite it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, NoReturn, TypeVar

import yaml

from adjudicator.claim import DRUG_KINDS
from adjudicator.errors import NoPlanError, PlanError
from adjudicator.money import add_months
from adjudicator.terms import TermList, TermMatcher

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_PLANS_DIR = PACKAGE_DIR / "plans"

CLAUSE_ID = re.compile(r"(M\d+(\.[0-9A-Z]+)*|D\d+(\.\d+)*)")
_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})")

T = TypeVar("T")


@dataclass(frozen=True)
class Param(Generic[T]):
    """One plan value and the clause it comes from."""

    value: T
    clause: str


@dataclass(frozen=True)
class RequiredDocument:
    document: str
    label: str
    clause: str
    when: str  # one of DOCUMENT_CONDITIONS


@dataclass(frozen=True)
class DrugDayLimit:
    drug_kinds: tuple[str, ...]
    when: str  # one of DRUG_LIMIT_CONDITIONS
    days: int
    clause: str


@dataclass(frozen=True)
class DrugKindRule:
    """A drug line printed without a kind is `drug_kind` when the term list matches it (and `route`, if set)."""

    drug_kind: str
    terms: str  # term list matched on the line's name and category
    route: str | None  # term list that must also match the line or the visit's 治疗意见


DOCUMENT_CONDITIONS = ("every_claim", "outpatient_visit", "inpatient_visit", "inpatient_visit_with_other_insurer",
                       "inpatient_visit_in_union_plan", "emergency_without_insurance_card")
DRUG_LIMIT_CONDITIONS = ("emergency", "general_outpatient", "any_outpatient", "chronic_disease",
                         "hypertension_diabetes_heart", "malignant_tumour")


@dataclass(frozen=True)
class Plan:
    name: str
    effective_from: date
    default_year_start: Param[tuple[int, int]]  # (month, day)
    year_length_months: Param[int]
    deductible: Param[Decimal]
    outpatient_ratio: Param[Decimal]
    inpatient_ratio: Param[Decimal]
    outpatient_cap: Param[Decimal]
    inpatient_cap: Param[Decimal]
    total_cap: Param[Decimal]
    receipt_split_tolerance: Param[Decimal]
    claim_window_months: Param[int]
    inpatient_min_level: Param[int]
    inpatient_public_only: Param[bool]
    required_documents: tuple[RequiredDocument, ...]
    record_section_labels: dict[str, str]
    first_visit_sections: Param[tuple[str, ...]]
    follow_up_sections: Param[tuple[str, ...]]
    simple_follow_up_sections: Param[tuple[str, ...]]
    fever_threshold: Param[Decimal]
    drug_day_limits: tuple[DrugDayLimit, ...]
    drug_class_marks: Param[tuple[str, ...]]  # 医保分类 marks printed before a drug's name: (甲), (乙10%)
    drug_kind_rules: tuple[DrugKindRule, ...]
    physiotherapy_kinds_per_visit: Param[int]
    physiotherapy_sessions_per_kind: Param[int]
    hyperbaric_sessions_per_year: Param[int]
    exam_window_days: Param[int]
    terms: dict[str, TermList]
    excluded_items: tuple[str, ...]  # names of term lists matched on fee items
    excluded_diagnoses: tuple[str, ...]  # names of term lists matched on chief complaint and diagnosis
    source: str = ""
    matcher: TermMatcher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "matcher", TermMatcher(list(self.terms.values())))

    def term_list(self, name: str) -> TermList:
        return self.terms[name]

    def year_start_for(self, anchor: date | None, day: date) -> date:
        """Start of the policy year that `day` falls in; years run from `anchor` (or the default start)."""
        length = self.year_length_months.value
        if anchor is None:
            month, month_day = self.default_year_start.value
            anchor = date(day.year, month, month_day)
        start = anchor
        while start > day:
            start = add_months(start, -length)
        while add_months(start, length) <= day:
            start = add_months(start, length)
        return start

    def year_end(self, year_start: date) -> date:
        """First day after the policy year."""
        return add_months(year_start, self.year_length_months.value)


# Term list roles the rules look up by name; each must exist in the plan's term files.
TERM_ROLES = ("emergency_conditions", "chronic_diseases", "hypertension_diabetes_heart", "malignant_tumour",
              "inpatient_exclusions", "basic_exams", "special_exams", "ct_exams", "mri_exams",
              "physiotherapy", "hyperbaric_oxygen", "anaesthesia", "painless_exams", "self_pay_markers")


class _Section:
    """One mapping of a plan file; errors name the file and the key path."""

    def __init__(self, obj: Any, path: str, source: str, allowed: tuple[str, ...], optional: tuple[str, ...] = ()):
        self.source, self.path = source, path
        if not isinstance(obj, dict):
            self.fail(path, "must be a mapping")
        unknown = [key for key in obj if key not in allowed and key not in optional]
        if unknown:
            self.fail(f"{path}.{unknown[0]}" if path else str(unknown[0]), "is an unknown key")
        missing = [key for key in allowed if key not in obj]
        if missing:
            self.fail(f"{path}.{missing[0]}" if path else missing[0], "is missing")
        self.obj = obj

    def fail(self, path: str, problem: str) -> NoReturn:
        raise PlanError(f"{self.source}: '{path}' {problem}")

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def section(self, key: str, allowed: tuple[str, ...]) -> "_Section":
        return _Section(self.obj[key], self.at(key), self.source, allowed)

    def param(self, key: str, convert) -> Param:
        entry = self.section(key, ("value", "clause"))
        clause = entry.obj["clause"]
        if not isinstance(clause, str) or not CLAUSE_ID.fullmatch(clause):
            self.fail(entry.at("clause"), f"is not a clause ID like M1.2 or D1: {clause!r}")
        try:
            return Param(convert(entry.obj["value"]), clause)
        except (TypeError, ValueError, InvalidOperation) as problem:
            self.fail(entry.at("value"), f"is invalid: {problem}")

    def clause(self, key: str) -> str:
        value = self.obj[key]
        if not isinstance(value, str) or not CLAUSE_ID.fullmatch(value):
            self.fail(self.at(key), f"is not a clause ID like M1.2 or D1: {value!r}")
        return value


def _decimal(value: Any) -> Decimal:
    if isinstance(value, float) or isinstance(value, bool):
        raise ValueError(f"write decimals as quoted strings, got {value!r}")
    return Decimal(str(value))


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number, got {value!r}")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _words(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(word, str) and word for word in value):
        raise ValueError("expected a list of non-empty strings")
    return tuple(value)


def _month_day(value: Any) -> tuple[int, int]:
    match = _MONTH_DAY.fullmatch(str(value))
    if not match:
        raise ValueError(f"expected \"MM-DD\", got {value!r}")
    month, day = int(match[1]), int(match[2])
    date(2001, month, day)  # raises ValueError for an impossible month-day (29 Feb is not a year start)
    return month, day


def _plan_date(value: Any) -> date:
    return date.fromisoformat(str(value))


class _DatesAsText(yaml.SafeLoader):
    """YAML that leaves dates as text, so an impossible date gets our message, not a loader crash."""


_DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_DatesAsText)
    except OSError as problem:
        raise PlanError(f"{path}: cannot read: {problem.strerror}") from None
    except yaml.YAMLError as problem:
        raise PlanError(f"{path}: not valid YAML: {' '.join(str(problem).split())}") from None


def load_term_file(path: Path) -> dict[str, TermList]:
    source = str(path)
    top = _Section(load_yaml(path), "", source, ("lists",))
    if not isinstance(top.obj["lists"], dict):
        top.fail("lists", "must be a mapping of list name to list")
    term_lists = {}
    for name, body in top.obj["lists"].items():
        allowed = ("clause", "reason", "terms", "negative_terms")
        if isinstance(body, dict) and "negative_terms" not in body:
            body = {**body, "negative_terms": []}
        entry = _Section(body, f"lists.{name}", source, allowed)
        if not isinstance(entry.obj["reason"], str):
            entry.fail(entry.at("reason"), "must be a string")
        try:
            terms = _words(entry.obj["terms"])
            negatives = _words(entry.obj["negative_terms"]) if entry.obj["negative_terms"] else ()
        except ValueError as problem:
            entry.fail(entry.at("terms"), str(problem))
        term_lists[name] = TermList(name, entry.clause("clause"), entry.obj["reason"], terms, negatives)
    return term_lists


_PLAN_KEYS = ("name", "effective_from", "policy_year", "amounts", "claim_window_months", "hospitals",
              "required_documents", "medical_record", "emergency", "drug_day_limits", "drug_kinds_from_names",
              "physiotherapy", "exams", "term_files", "term_roles", "excluded_items", "excluded_diagnoses")


def load_plan(path: str | Path) -> Plan:
    """Read and check one plan file; any problem is a one-line PlanError naming the key."""
    path = Path(path)
    source = str(path)
    top = _Section(load_yaml(path), "", source, _PLAN_KEYS)
    try:
        effective_from = _plan_date(top.obj["effective_from"])
    except (TypeError, ValueError):
        top.fail("effective_from", f"is not a date YYYY-MM-DD: {top.obj['effective_from']!r}")

    year = top.section("policy_year", ("default_start", "length_months"))
    amounts = top.section("amounts", ("deductible", "outpatient_ratio", "inpatient_ratio", "outpatient_cap",
                                      "inpatient_cap", "total_cap", "receipt_split_tolerance"))
    hospitals = top.section("hospitals", ("inpatient_min_level", "inpatient_public_only"))
    record = top.section("medical_record", ("section_labels", "first_visit", "follow_up", "simple_follow_up"))
    emergency = top.section("emergency", ("fever_threshold",))
    physio = top.section("physiotherapy", ("kinds_per_visit", "sessions_per_kind", "hyperbaric_sessions_per_year"))
    exams = top.section("exams", ("window_days",))

    terms: dict[str, TermList] = {}
    for term_file in _words_or_fail(top, "term_files"):
        for name, term_list in load_term_file(path.parent / term_file).items():
            if name in terms:
                top.fail("term_files", f"define the list {name!r} twice")
            terms[name] = term_list
    roles = top.section("term_roles", TERM_ROLES)
    role_lists = {role: roles.obj[role] for role in TERM_ROLES}
    excluded_items = _words_or_fail(top, "excluded_items")
    excluded_diagnoses = _words_or_fail(top, "excluded_diagnoses")
    drug_kinds = top.section("drug_kinds_from_names", ("class_marks", "rules"))
    drug_kind_rules = _drug_kind_rules(drug_kinds)
    for where, name in [*((f"term_roles.{role}", name) for role, name in role_lists.items()),
                        *(("excluded_items", name) for name in excluded_items),
                        *(("excluded_diagnoses", name) for name in excluded_diagnoses),
                        *((f"drug_kinds_from_names.rules[{index}]", name) for index, rule in enumerate(drug_kind_rules)
                          for name in (rule.terms, rule.route) if name is not None)]:
        if name not in terms:
            top.fail(where, f"names the term list {name!r}, which no term file defines")
    terms.update({f"role:{role}": terms[name] for role, name in role_lists.items()})

    section_labels = record.obj["section_labels"]
    if not isinstance(section_labels, dict):
        record.fail(record.at("section_labels"), "must be a mapping of section to its Chinese name")

    def sections(key: str) -> Param[tuple[str, ...]]:
        param = record.param(key, _words)
        unknown = [section for section in param.value if section not in section_labels]
        if unknown:
            record.fail(record.at(key), f"names an unknown record section {unknown[0]!r}")
        return param

    return Plan(
        name=str(top.obj["name"]),
        effective_from=effective_from,
        default_year_start=year.param("default_start", _month_day),
        year_length_months=year.param("length_months", _whole),
        deductible=amounts.param("deductible", _decimal),
        outpatient_ratio=amounts.param("outpatient_ratio", _decimal),
        inpatient_ratio=amounts.param("inpatient_ratio", _decimal),
        outpatient_cap=amounts.param("outpatient_cap", _decimal),
        inpatient_cap=amounts.param("inpatient_cap", _decimal),
        total_cap=amounts.param("total_cap", _decimal),
        receipt_split_tolerance=amounts.param("receipt_split_tolerance", _decimal),
        claim_window_months=top.param("claim_window_months", _whole),
        inpatient_min_level=hospitals.param("inpatient_min_level", _whole),
        inpatient_public_only=hospitals.param("inpatient_public_only", _boolean),
        required_documents=_required_documents(top),
        record_section_labels=dict(section_labels),
        first_visit_sections=sections("first_visit"),
        follow_up_sections=sections("follow_up"),
        simple_follow_up_sections=sections("simple_follow_up"),
        fever_threshold=emergency.param("fever_threshold", _decimal),
        drug_day_limits=_drug_day_limits(top),
        drug_class_marks=drug_kinds.param("class_marks", _words),
        drug_kind_rules=drug_kind_rules,
        physiotherapy_kinds_per_visit=physio.param("kinds_per_visit", _whole),
        physiotherapy_sessions_per_kind=physio.param("sessions_per_kind", _whole),
        hyperbaric_sessions_per_year=physio.param("hyperbaric_sessions_per_year", _whole),
        exam_window_days=exams.param("window_days", _whole),
        terms=terms,
        excluded_items=excluded_items,
        excluded_diagnoses=excluded_diagnoses,
        source=source,
    )


def _words_or_fail(top: _Section, key: str) -> tuple[str, ...]:
    try:
        return _words(top.obj[key])
    except ValueError as problem:
        top.fail(key, str(problem))


def _records(top: _Section, key: str) -> list[Any]:
    if not isinstance(top.obj[key], list):
        top.fail(key, "must be a list")
    return top.obj[key]


def _required_documents(top: _Section) -> tuple[RequiredDocument, ...]:
    documents = []
    for index, body in enumerate(_records(top, "required_documents")):
        entry = _Section(body, f"required_documents[{index}]", top.source, ("document", "label", "clause", "when"))
        if entry.obj["when"] not in DOCUMENT_CONDITIONS:
            entry.fail(entry.at("when"), f"must be one of {', '.join(DOCUMENT_CONDITIONS)}")
        documents.append(RequiredDocument(str(entry.obj["document"]), str(entry.obj["label"]),
                                          entry.clause("clause"), entry.obj["when"]))
    return tuple(documents)


def _drug_day_limits(top: _Section) -> tuple[DrugDayLimit, ...]:
    limits = []
    for index, body in enumerate(_records(top, "drug_day_limits")):
        entry = _Section(body, f"drug_day_limits[{index}]", top.source, ("drug_kinds", "when", "days", "clause"))
        if entry.obj["when"] not in DRUG_LIMIT_CONDITIONS:
            entry.fail(entry.at("when"), f"must be one of {', '.join(DRUG_LIMIT_CONDITIONS)}")
        try:
            limits.append(DrugDayLimit(_words(entry.obj["drug_kinds"]), entry.obj["when"],
                                       _whole(entry.obj["days"]), entry.clause("clause")))
        except ValueError as problem:
            entry.fail(entry.path, str(problem))
    return tuple(limits)


def _drug_kind_rules(section: _Section) -> tuple[DrugKindRule, ...]:
    if not isinstance(section.obj["rules"], list):
        section.fail(section.at("rules"), "must be a list")
    rules = []
    for index, body in enumerate(section.obj["rules"]):
        entry = _Section(body, f"{section.at('rules')}[{index}]", section.source, ("drug_kind", "terms"),
                         optional=("route",))
        if entry.obj["drug_kind"] not in DRUG_KINDS:
            entry.fail(entry.at("drug_kind"), f"must be one of {', '.join(DRUG_KINDS)}")
        for key in ("terms", "route"):
            if key in entry.obj and not isinstance(entry.obj[key], str):
                entry.fail(entry.at(key), "must name a term list")
        rules.append(DrugKindRule(entry.obj["drug_kind"], entry.obj["terms"], entry.obj.get("route")))
    return tuple(rules)


@lru_cache(maxsize=None)
def packaged_plans(plans_dir: Path = DEFAULT_PLANS_DIR) -> tuple[Plan, ...]:
    """Every plan file shipped with the package, oldest first."""
    plans = sorted((load_plan(path) for path in sorted(plans_dir.glob("*.yaml"))),
                   key=lambda plan: plan.effective_from)
    if not plans:
        raise NoPlanError(f"{plans_dir}: no plan files")
    return tuple(plans)


def plan_for(year_start: date | None, first_visit_date: date, plans: tuple[Plan, ...] | None = None) -> Plan:
    """The plan in force for a policy year: the latest whose effective date is on or before its start."""
    plans = plans or packaged_plans()
    latest_first = sorted(plans, key=lambda plan: plan.effective_from, reverse=True)
    for plan in latest_first:
        start = year_start if year_start is not None else plan.year_start_for(None, first_visit_date)
        if plan.effective_from <= start:
            return plan
    raise NoPlanError(f"no plan is in force for the policy year of {first_visit_date.isoformat()}")
