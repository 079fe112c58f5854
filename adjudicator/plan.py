"""The plan's parameters as dated, cited data (`plans/plan.yaml` + `terms/*.yaml`).

Rule code never holds a plan number: every amount, limit and list comes from
here, and every value carries the clause it rests on so a decision can cite it.
Each value is dated one by one, as OpenFisca's parameters are: it holds from the
date it takes effect until a later dated value of the same parameter, so a change
the insurer publishes costs one line. `Plan` is the plan as it stands on one date.
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
from adjudicator.terms import TermList, TermMatcher

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_PLANS_DIR = PACKAGE_DIR / "plans"
DEFAULT_PLAN_PATH = DEFAULT_PLANS_DIR / "plan.yaml"

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

    def param(self, key: str, convert) -> "Dated":
        """`key: {values: {YYYY-MM-DD: {value, reference}, ...}}`: the value from each date on."""
        holder = self.section(key, ("values",))
        if not isinstance(holder.obj["values"], dict) or not holder.obj["values"]:
            self.fail(holder.at("values"), "must map each date a value takes effect to {value, reference}")
        values = _Section(holder.obj["values"], holder.at("values"), self.source, tuple(holder.obj["values"]))
        dated = []
        for when in values.obj:
            try:
                since = _plan_date(when)
            except (TypeError, ValueError):
                self.fail(values.at(str(when)), "is not a date YYYY-MM-DD")
            entry = values.section(when, ("value", "reference"))
            clause = entry.obj["reference"]
            if not isinstance(clause, str) or not CLAUSE_ID.fullmatch(clause):
                self.fail(entry.at("reference"), f"is not a clause ID like M1.2 or D1: {clause!r}")
            try:
                dated.append((since, Param(convert(entry.obj["value"]), clause)))
            except (TypeError, ValueError, InvalidOperation) as problem:
                self.fail(entry.at("value"), f"is invalid: {problem}")
        return Dated(self.at(key), tuple(sorted(dated, key=lambda pair: pair[0])))

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


_PLAN_KEYS = ("name", "policy_year", "amounts", "claim_window_months", "hospitals",
              "required_documents", "medical_record", "emergency", "drug_day_limits", "drug_kinds_from_names",
              "physiotherapy", "exams", "term_files", "term_roles", "excluded_items", "excluded_diagnoses")


@dataclass(frozen=True)
class Dated(Generic[T]):
    """One parameter's values, each from the date it takes effect, oldest first."""

    path: str
    values: tuple[tuple[date, Param[T]], ...]

    def on(self, day: date) -> Param[T] | None:
        """The value in effect on `day`; None before the first."""
        current = None
        for since, param in self.values:
            if since <= day:
                current = param
        return current


@dataclass(frozen=True)
class PlanBook:
    """A plan file: its dated values, and the plan as it stands from each date a value changes."""

    source: str
    dated: dict[str, Dated]
    plans: tuple[Plan, ...]  # oldest first; the first starts when every parameter has a value

    def on(self, day: date) -> Plan | None:
        current = None
        for plan in self.plans:
            if plan.effective_from <= day:
                current = plan
        return current


def load_plan(path: str | Path, on: date | None = None) -> Plan:
    """The plan of a file as it stands on a date (by default: its latest values)."""
    book = load_plan_book(path)
    plan = book.plans[-1] if on is None else book.on(on)
    if plan is None:
        raise NoPlanError(f"{book.source}: no plan is in force on {on.isoformat()}")
    return plan


def load_plan_book(path: str | Path) -> PlanBook:
    """Read and check one plan file; any problem is a one-line PlanError naming the key."""
    path = Path(path)
    source = str(path)
    top = _Section(load_yaml(path), "", source, _PLAN_KEYS)

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

    def sections(key: str) -> Dated:
        dated = record.param(key, _words)
        for _, param in dated.values:
            unknown = [section for section in param.value if section not in section_labels]
            if unknown:
                record.fail(record.at(key), f"names an unknown record section {unknown[0]!r}")
        return dated

    dated = {
        "default_year_start": year.param("default_start", _month_day),
        "year_length_months": year.param("length_months", _whole),
        "deductible": amounts.param("deductible", _decimal),
        "outpatient_ratio": amounts.param("outpatient_ratio", _decimal),
        "inpatient_ratio": amounts.param("inpatient_ratio", _decimal),
        "outpatient_cap": amounts.param("outpatient_cap", _decimal),
        "inpatient_cap": amounts.param("inpatient_cap", _decimal),
        "total_cap": amounts.param("total_cap", _decimal),
        "receipt_split_tolerance": amounts.param("receipt_split_tolerance", _decimal),
        "claim_window_months": top.param("claim_window_months", _whole),
        "inpatient_min_level": hospitals.param("inpatient_min_level", _whole),
        "inpatient_public_only": hospitals.param("inpatient_public_only", _boolean),
        "first_visit_sections": sections("first_visit"),
        "follow_up_sections": sections("follow_up"),
        "simple_follow_up_sections": sections("simple_follow_up"),
        "fever_threshold": emergency.param("fever_threshold", _decimal),
        "drug_class_marks": drug_kinds.param("class_marks", _words),
        "physiotherapy_kinds_per_visit": physio.param("kinds_per_visit", _whole),
        "physiotherapy_sessions_per_kind": physio.param("sessions_per_kind", _whole),
        "hyperbaric_sessions_per_year": physio.param("hyperbaric_sessions_per_year", _whole),
        "exam_window_days": exams.param("window_days", _whole),
    }
    undated = dict(
        name=str(top.obj["name"]),
        required_documents=_required_documents(top),
        record_section_labels=dict(section_labels),
        drug_day_limits=_drug_day_limits(top),
        drug_kind_rules=drug_kind_rules,
        terms=terms,
        excluded_items=excluded_items,
        excluded_diagnoses=excluded_diagnoses,
        source=source,
    )
    # A plan exists from the first day every parameter has a value, and changes wherever one does.
    first_complete = max(values.values[0][0] for values in dated.values())
    change_days = sorted({since for values in dated.values() for since, _ in values.values
                          if since >= first_complete} | {first_complete})
    plans: list[Plan] = []
    for day in change_days:
        plan = Plan(effective_from=day, **undated, **{name: values.on(day) for name, values in dated.items()})
        if plans:  # the same term lists: reuse the segmenter built for the first
            object.__setattr__(plan, "matcher", plans[0].matcher)
        plans.append(plan)
    return PlanBook(source, dated, tuple(plans))


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
def packaged_plan_book(path: Path = DEFAULT_PLAN_PATH) -> PlanBook:
    return load_plan_book(path)


def packaged_plans() -> tuple[Plan, ...]:
    """The packaged plan as it stands from each date one of its values changes, oldest first."""
    return packaged_plan_book().plans


def plan_for(year_start: date | None, first_visit_date: date | None = None, book: PlanBook | None = None) -> Plan:
    """The plan in force for a policy year: as its values stand on the year's start (plan amounts
    hold for a whole policy year, whenever in it a change takes effect)."""
    from adjudicator.policy_year import policy_year_start

    book = book or packaged_plan_book()
    start = year_start if year_start is not None else policy_year_start(None, first_visit_date)
    plan = book.on(start)
    if plan is None:
        raise NoPlanError(f"no plan is in force for the policy year starting {start.isoformat()}")
    return plan
