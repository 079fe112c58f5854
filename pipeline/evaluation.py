"""Accuracy of extraction against truth files (`NAME.truth.json` beside each scan).

Every truth names the layout family its page belongs to (`"family"`; the eval set's
own pages, which carry none, are `generator-v1`). The families file
(tests/eval_set/families.yaml) says which families the extractors were tuned on and
which are held out; a report keeps the two apart, because only paper nobody tuned
on says how the product reads paper it has never seen.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Callable

import yaml

from extractors.model import Document, OcrPage
from pipeline.errors import BadInputError, ClaimsError
from pipeline.normalize import clean_text

MONEY_FIELDS = {"total", "total_in_words", "fund_paid", "additional_paid", "account_paid", "cash_paid",
                "self_borne", "category_self_pay", "self_pay", "third_party_paid", "account_balance_current",
                "account_balance_past", "paid_amount", "amount", "unit_price"}
# Free-text sections, scored by how similar the text read is to the text printed.
SECTION_FIELDS = {
    "medical_record": ("chief_complaint", "present_illness", "past_history", "positive_signs",
                       "auxiliary_exam", "diagnosis", "treatment"),
    "discharge_summary": ("diagnosis", "surgery", "treatment"),
}
ITEM_LISTS = ("detail_list", "inpatient_fee_detail")  # the "detail items" figure
# Receipt checks that are the paper's own arithmetic: a value one of them confirms is sure.
ARITHMETIC_CHECKS = {"split_adds_up", "cash_split_adds_up", "total_matches_words", "items_add_up"}
# Upper bounds of the reliability table's confidence buckets; the last bucket runs to 1.
BUCKET_BOUNDS = (0.5, 0.7, 0.8, 0.9, 0.95)
DEFAULT_FAMILY = "generator-v1"  # truths without "family": the eval set of make_eval_set.py
DEFAULT_FAMILIES_FILE = Path(__file__).resolve().parent.parent / "tests" / "eval_set" / "families.yaml"
GROUPS = ("held-out", "tuned")  # report order: the figure that counts first
_FAMILY_KEYS = {"doc_type": str, "held_out": bool, "description": str, "script": str}


class FamiliesError(ClaimsError):
    """The families file is malformed, or a truth names a family it does not list."""

    code = "BAD_FAMILIES"


class NoLabelledScansError(BadInputError):
    code = "NO_LABELLED_SCANS"


@dataclass(frozen=True)
class Family:
    name: str
    doc_type: str  # "all": the family has pages of every type
    held_out: bool
    description: str
    script: str

    @property
    def group(self) -> str:
        return "held-out" if self.held_out else "tuned"


def load_families(path: Path = DEFAULT_FAMILIES_FILE) -> dict[str, Family]:
    """The families file: `families: {name: {doc_type, held_out, description, script}}`, one line each."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise FamiliesError(f"{path}: cannot read the families file ({error.__class__.__name__})") from None
    entries = data.get("families") if isinstance(data, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise FamiliesError(f"{path}: no 'families:' mapping")
    families = {}
    for name, entry in entries.items():
        if not isinstance(entry, dict):
            raise FamiliesError(f"{path}: family {name!r} is not a mapping")
        unknown = sorted(set(entry) - set(_FAMILY_KEYS))
        if unknown:
            raise FamiliesError(f"{path}: family {name!r} has unknown keys {unknown}")
        for key, kind in _FAMILY_KEYS.items():
            if not isinstance(entry.get(key), kind):
                raise FamiliesError(f"{path}: family {name!r} needs {key} ({kind.__name__})")
        families[str(name)] = Family(str(name), **entry)
    return families


def family_of(truth: dict, families: dict[str, Family], scan_name: str) -> Family:
    name = truth.get("family", DEFAULT_FAMILY)
    family = families.get(name)
    if family is None:
        raise FamiliesError(f"{scan_name}: family {name!r} is not in the families file")
    if family.doc_type not in ("all", truth["doc_type"]):
        raise FamiliesError(f"{scan_name}: family {name!r} holds {family.doc_type}, the truth says {truth['doc_type']}")
    return family


@dataclass
class Tally:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += int(ok)
        self.total += 1

    @property
    def share(self) -> float:
        return self.right / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.share:7.2%} ({self.right}/{self.total})" if self.total else "      - (0/0)"

    def to_json(self) -> dict:
        return {"right": self.right, "total": self.total, "share": round(self.share, 4) if self.total else None}


@dataclass(frozen=True)
class Observation:
    """One value read, for the reliability table."""

    confidence: float
    correct: bool
    money: bool
    accepted: bool  # not under review: money would move on it
    confirmed: bool  # a passing check of the paper's own arithmetic covers it


@dataclass
class Score:
    pages: int = 0
    doc_type: Tally = field(default_factory=Tally)
    fields: Tally = field(default_factory=Tally)
    amounts: Tally = field(default_factory=Tally)
    rotation: Tally = field(default_factory=Tally)
    items: Tally = field(default_factory=Tally)  # rows of detail lists whose name and amount are right
    section_exact: Tally = field(default_factory=Tally)
    sections: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    per_doc_type: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    per_doc_type_fields: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    per_doc_type_amounts: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    per_doc_type_items: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    per_doc_type_sections: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    per_rotation: dict[str, dict[int, Tally]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Tally)))
    per_field: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    wrong_fields: int = 0
    wrong_flagged: int = 0
    observations: list[Observation] = field(default_factory=list)

    @property
    def section_similarity(self) -> float | None:
        values = [v for values in self.sections.values() for v in values]
        return sum(values) / len(values) if values else None

    def reliability(self, money_only: bool = False) -> list[tuple[str, Tally]]:
        """Confidence bucket -> how many values fell in it and the share of them read right."""
        bounds = (0.0, *BUCKET_BOUNDS, float("inf"))
        rows = []
        for low, high in zip(bounds, bounds[1:]):
            tally = Tally()
            for o in self.observations:
                if low <= o.confidence < high and (o.money or not money_only):
                    tally.add(o.correct)
            label = f"<{high:.2f}" if low == 0 else (f"{low:.2f}-{high:.2f}" if high != float("inf") else f"≥{low:.2f}")
            rows.append((label, tally))
        return rows

    def money_accepted(self, confirmed: bool | None = None) -> Tally:
        """Money values accepted without review, counted as right or wrong (confirmed: only those the
        arithmetic confirms, or only those it does not)."""
        tally = Tally()
        for o in self.observations:
            if o.money and o.accepted and (confirmed is None or o.confirmed == confirmed):
                tally.add(o.correct)
        return tally

    def to_json(self) -> dict:
        def tallies(d):
            return {k: t.to_json() for k, t in sorted(d.items())}

        def mean(values):
            return round(sum(values) / len(values), 4) if values else None

        wrong = self.money_accepted()
        return {
            "pages": self.pages, "doc_type": self.doc_type.to_json(), "fields": self.fields.to_json(),
            "amounts": self.amounts.to_json(), "rotation": self.rotation.to_json(), "detail_items": self.items.to_json(),
            "sections": {"similarity": mean([v for vs in self.sections.values() for v in vs]),
                         "exact": self.section_exact.to_json(),
                         "per_section": {k: mean(v) for k, v in sorted(self.sections.items())}},
            "per_doc_type": {name: {"doc_type": t.to_json(), "fields": self.per_doc_type_fields[name].to_json(),
                                    "amounts": self.per_doc_type_amounts[name].to_json(),
                                    "items": self.per_doc_type_items[name].to_json(),
                                    "sections": mean(self.per_doc_type_sections[name]),
                                    "rotation": {str(a): t.to_json() for a, t in sorted(self.per_rotation[name].items())}}
                             for name, t in sorted(self.per_doc_type.items())},
            "per_field": tallies(self.per_field),
            "wrong_fields": self.wrong_fields, "wrong_flagged": self.wrong_flagged,
            "reliability": [{"bucket": label, "values": t.to_json(), "money": m.to_json()}
                            for (label, t), (_, m) in zip(self.reliability(), self.reliability(money_only=True))],
            "money_accepted_wrong": {"wrong": wrong.total - wrong.right, "accepted": wrong.total,
                                     "confirmed": self.money_accepted(True).to_json(),
                                     "unconfirmed": self.money_accepted(False).to_json()},
        }


@dataclass
class EvalReport(Score):
    """The whole folder, and the same figures per group (held-out, tuned) and per family."""

    engine: str = ""
    seconds: float = 0.0
    mistakes: list[str] = field(default_factory=list)
    groups: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    families: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))

    def render(self) -> str:
        return render(self)

    def to_json(self) -> dict:
        return {"engine": self.engine, "seconds": round(self.seconds, 1), "all": Score.to_json(self),
                "groups": {name: self.groups[name].to_json() for name in GROUPS if name in self.groups},
                "families": {name: s.to_json() for name, s in sorted(self.families.items())},
                "mistakes": self.mistakes}


def truth_path(scan: Path) -> Path:
    return scan.with_name(scan.stem + ".truth.json")


def load_truth(scan: Path) -> dict:
    with open(truth_path(scan), encoding="utf-8") as handle:
        return json.load(handle)


def score_document(report: EvalReport, scan_name: str, truth: dict, document: Document,
                   family: str = DEFAULT_FAMILY, held_out: bool = False) -> None:
    """Every truth field read right, and every field or item read that the page does not hold is a mistake.

    An invented field is as wrong as a misread one: downstream it decides money just
    the same. Fields the truth lists as `uncertain` are scored neither way. The
    page counts in the whole report, in its group and in its family.
    """
    group = "held-out" if held_out else "tuned"
    scores = (report, report.groups[group], report.families[family])
    doc_type = truth["doc_type"]
    ok_type = document.doc_type == doc_type
    for score in scores:
        score.pages += 1
        score.doc_type.add(ok_type)
        score.per_doc_type[doc_type].add(ok_type)
        if "rotation" in truth:
            score.rotation.add(document.rotation == truth["rotation"])
            score.per_rotation[doc_type][truth["rotation"]].add(document.rotation == truth["rotation"])
    uncertain = set(truth.get("uncertain", []))
    expected_fields = truth.get("fields", {})
    # A field a failing check names waits for a person too: the check's other fields are queued, and once
    # they are settled the check itself is (pipeline/checks.py), with the missing field's label on the page.
    flagged = set(document.needs_review) | {name for check in document.checks if not check.ok
                                            and check.check not in document.settled_checks for name in check.fields}
    confirmed = {name for check in document.checks if check.ok and check.check in ARITHMETIC_CHECKS
                 for name in check.fields}

    def tally(name: str, ok: bool, is_amount: bool, is_flagged: bool, mistake: str) -> None:
        for score in scores:
            score.fields.add(ok)
            score.per_doc_type_fields[doc_type].add(ok)
            score.per_field[f"{doc_type}.{name}"].add(ok)
            if is_amount:
                score.amounts.add(ok)
                score.per_doc_type_amounts[doc_type].add(ok)
            if not ok:
                score.wrong_fields += 1
                score.wrong_flagged += int(is_flagged)
        if not ok:
            report.mistakes.append(f"[{group}] {scan_name}: {mistake}{'' if is_flagged else ' [not flagged]'}")

    def observe(confidence: float, ok: bool, money: bool, accepted: bool, sure: bool) -> None:
        for score in scores:
            score.observations.append(Observation(float(confidence), ok, money, accepted, sure))

    for name, expected in expected_fields.items():
        if name in uncertain:
            continue
        got = document.fields.get(name)
        ok = got is not None and _same(got.value, expected)
        tally(name, ok, name in MONEY_FIELDS, name in flagged,
              f"{name} expected {expected!r} got {got.value if got else None!r}")
        if got is not None:
            observe(got.confidence, ok, name in MONEY_FIELDS, name not in flagged, name in confirmed)
        if name in SECTION_FIELDS.get(doc_type, ()):
            similarity = _similarity(got.value if got else None, expected)
            for score in scores:
                score.sections[name].append(similarity)
                score.per_doc_type_sections[doc_type].append(similarity)
                score.section_exact.add(ok)
    for name in sorted(set(document.fields) - set(expected_fields) - uncertain):
        got = document.fields[name]
        tally(name, False, name in MONEY_FIELDS, name in flagged,
              f"{name} invented: {got.value!r} is not on the page")
        observe(got.confidence, False, name in MONEY_FIELDS, name not in flagged, name in confirmed)
    if "items" in truth:
        _score_items(truth, document, tally, observe, scores, flagged, "items" in confirmed)


def _score_items(truth, document, tally, observe, scores, flagged, sum_confirmed) -> None:
    expected_items = [(i.get("name"), i.get("amount")) for i in truth["items"]]
    got_items = [(str(i["name"].value) if "name" in i else None, str(i["amount"].value) if "amount" in i else None)
                 for i in document.items]
    items_flagged = any(name == "items" or name.startswith("items[") for name in flagged)
    missing = [expected for expected in expected_items if expected not in got_items]
    unexpected = [got for got in got_items if got not in expected_items]
    for expected in expected_items:
        ok = expected not in missing
        tally("items", ok, True, items_flagged, f"item {expected} missing (got {got_items})")
        if truth["doc_type"] in ITEM_LISTS:
            for score in scores:
                score.items.add(ok)
                score.per_doc_type_items[truth["doc_type"]].add(ok)
    # A misread row is one mistake (its right form missing), not two; rows beyond that are invented.
    for got in unexpected[len(missing):]:
        tally("items", False, True, items_flagged, f"item {got} invented")
        if truth["doc_type"] in ITEM_LISTS:
            for score in scores:
                score.items.add(False)
                score.per_doc_type_items[truth["doc_type"]].add(False)
    # Each row's amount as a money value: right when the truth holds that amount on a row not yet matched.
    unmatched = [amount for _, amount in expected_items]
    for index, item in enumerate(document.items):
        if "amount" not in item:
            continue
        amount = item["amount"]
        ok = any(_same(amount.value, expected) for expected in unmatched)
        if ok:
            unmatched.remove(next(e for e in unmatched if _same(amount.value, e)))
        row_flagged = "items" in flagged or any(name.startswith(f"items[{index}]") for name in flagged)
        observe(amount.confidence, ok, True, not row_flagged, sum_confirmed)


def _same(got, expected) -> bool:
    """Equal as values; text compared without spacing or full-/half-width differences."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return got == expected
    return clean_text(str(got)) == clean_text(str(expected))


def _similarity(got, expected) -> float:
    """Character-level similarity of a section's text to the truth (difflib ratio); nothing read is 0."""
    if got is None:
        return 0.0
    return SequenceMatcher(None, clean_text(str(got)), clean_text(str(expected)), autojunk=False).ratio()


def labelled_scans(folder: Path) -> list[Path]:
    from pipeline.pages import is_page_file

    return sorted(p for p in folder.rglob("*") if is_page_file(p) and truth_path(p).is_file())


def evaluate_folder(folder: Path, engine_name: str, threads: int = 0,
                    families: dict[str, Family] | None = None) -> "EvalReport":
    """Read every labelled scan under `folder` with the OCR engine and score it against its truth."""
    from pipeline.ocr import get_engine
    from pipeline.pages import split
    from pipeline.reading import read_page

    scans = _labelled_or_error(folder)
    engine = get_engine(engine_name, threads)
    return score_folder(folder, engine_name, lambda scan: [read_page(page, engine) for page in split(scan)],
                        families, scans)


def evaluate_stored(folder: Path, store: Path, families: dict[str, Family] | None = None) -> "EvalReport":
    """Score extraction on OCR lines stored beforehand (tests/tools/store_ocr.py --eval-set / --heldout).

    Extraction only: the page image still goes through the real cleanup, because
    extractors look at its ink (signatures, seals), but OCR is not run again.
    """
    def read(scan: Path) -> list[OcrPage]:
        stored = store / scan.parent.name / f"{scan.stem}.json"
        if not stored.is_file():
            raise BadInputError(f"{scan.relative_to(folder)}: no stored OCR at {stored}")
        return stored_pages(scan, stored)

    return score_folder(folder, "stored", read, families, _labelled_or_error(folder))


def _labelled_or_error(folder: Path) -> list[Path]:
    scans = labelled_scans(folder)
    if not scans:
        raise NoLabelledScansError(f"{folder}: no labelled scans (NAME.truth.json beside a scan) in it")
    return scans


def stored_pages(scan: Path, stored: Path) -> list[OcrPage]:
    from pipeline.cleanup import crop_document, deskew, rotate_right_angle
    from pipeline.ocr import TextLine
    from pipeline.pages import split

    record = json.loads(stored.read_text(encoding="utf-8"))
    pages = []
    for image_page, entry in zip(split(scan), record["pages"]):
        lines = tuple(TextLine.from_json(line) for line in entry["lines"])
        image = image_page.image
        if not entry["text_layer"]:
            # The stored rotation, not a new guess: the lines were read on that upright image.
            image = deskew(rotate_right_angle(crop_document(image)[0], entry["rotation"]))[0]
        pages.append(OcrPage(source=scan.name, index=image_page.index, rotation=entry["rotation"],
                             lines=lines, image=image, skew=entry["skew"]))
    return pages


def score_folder(folder: Path, engine_name: str, read_pages: Callable[[Path], list[OcrPage]],
                 families: dict[str, Family] | None = None, scans: list[Path] | None = None) -> "EvalReport":
    import time

    from extractors.registry import extract
    from pipeline import checks

    families = load_families() if families is None else families
    report = EvalReport(engine=engine_name)
    started = time.monotonic()
    for scan in scans if scans is not None else labelled_scans(folder):
        truth = load_truth(scan)
        # A multi-page file's truth is a list, one object per page ("page" counts from 1).
        truths = {t["page"]: t for t in truth} if isinstance(truth, list) else {1: truth}
        name = str(scan.relative_to(folder))
        page_families = {index: family_of(t, families, name) for index, t in truths.items()}
        for page in read_pages(scan):
            if page.index in truths:
                document = checks.check_document(extract(page))
                family = page_families[page.index]
                score_document(report, f"{name}#{page.index}", truths[page.index], document,
                               family.name, family.held_out)
    report.seconds = time.monotonic() - started
    return report


def _pct(value: float | None) -> str:
    return f"{value:7.2%}" if value is not None else "      -"


def _render_score(title: str, score: Score) -> list[str]:
    money = score.money_accepted()
    wrong = money.total - money.right
    sure, unsure = score.money_accepted(True), score.money_accepted(False)
    lines = [
        f"== {title}: {score.pages} pages",
        f"  doc_type        {score.doc_type}",
        f"  fields          {score.fields}",
        f"  amounts         {score.amounts}",
        f"  sections        {_pct(score.section_similarity)} similar, exact {score.section_exact}",
        f"  detail items    {score.items}",
        f"  rotation        {score.rotation}",
        f"  wrong fields flagged for review: {score.wrong_flagged}/{score.wrong_fields}"
        f" ({score.wrong_flagged / score.wrong_fields if score.wrong_fields else 1:.0%})",
        f"  money fields accepted without review that are wrong: {wrong}/{money.total}"
        f" ({wrong / money.total if money.total else 0:.2%}); confirmed by the arithmetic "
        f"{sure.total - sure.right}/{sure.total}, on confidence alone {unsure.total - unsure.right}/{unsure.total}",
        "  reliability: confidence → values (share right) | money values (share right)",
        *(f"    {label:<10} {t.total:5d} {_pct(t.share) if t.total else '      -'} | {m.total:5d} "
          f"{_pct(m.share) if m.total else '      -'}"
          for (label, t), (_, m) in zip(score.reliability(), score.reliability(money_only=True))),
        "  per document type: doc_type | fields | amounts | items | sections | rotation per angle",
    ]
    for name, t in sorted(score.per_doc_type.items()):
        sections = score.per_doc_type_sections[name]
        angles = "  ".join(f"{a}°:{r.right}/{r.total}" for a, r in sorted(score.per_rotation[name].items()))
        lines.append(f"    {name:<28} {t} | {score.per_doc_type_fields[name]} | {score.per_doc_type_amounts[name]}"
                     f" | {score.per_doc_type_items[name]} | "
                     f"{_pct(sum(sections) / len(sections) if sections else None)} | {angles}")
    if score.sections:
        lines.append("  sections: " + "  ".join(f"{k} {sum(v) / len(v):.0%}" for k, v in sorted(score.sections.items())))
    return lines


def render(report: "EvalReport") -> str:
    import resource

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        f"engine {report.engine}: {report.pages} pages in {report.seconds:.1f}s "
        f"({60 * report.pages / report.seconds if report.seconds else 0:.1f} pages/min), peak memory {peak_mb:.0f} MB",
    ]
    titles = {"held-out": "HELD-OUT families (never tuned on: the figure that counts)", "tuned": "tuned families"}
    for group in GROUPS:
        if group in report.groups:
            lines += _render_score(titles[group], report.groups[group])
    lines.append("per family: pages | doc_type | fields | amounts | items | sections")
    for name, s in sorted(report.families.items()):
        lines.append(f"  {name:<28} {s.pages:3d} | {s.doc_type} | {s.fields} | {s.amounts} | {s.items} | "
                     f"{_pct(s.section_similarity)}")
    lines += ["per field (all pages):",
              *(f"  {name:<40} {t}" for name, t in sorted(report.per_field.items()))]
    if report.mistakes:
        lines += ["mistakes:", *(f"  {m}" for m in report.mistakes)]
    return "\n".join(lines)
