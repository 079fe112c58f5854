"""Accuracy of extraction against truth files (`NAME.truth.json` beside each scan)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from extractors.model import Document, OcrPage
from pipeline.normalize import clean_text

MONEY_FIELDS = {"total", "total_in_words", "fund_paid", "additional_paid", "account_paid", "cash_paid",
                "self_borne", "category_self_pay", "self_pay", "third_party_paid", "account_balance_current",
                "account_balance_past", "paid_amount", "amount", "unit_price"}


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


@dataclass
class EvalReport:
    engine: str = ""
    pages: int = 0
    seconds: float = 0.0
    doc_type: Tally = field(default_factory=Tally)
    fields: Tally = field(default_factory=Tally)
    amounts: Tally = field(default_factory=Tally)
    rotation: Tally = field(default_factory=Tally)
    per_doc_type: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    per_doc_type_fields: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    per_field: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    wrong_fields: int = 0
    wrong_flagged: int = 0
    mistakes: list[str] = field(default_factory=list)

    def render(self) -> str:
        return render(self)


def truth_path(scan: Path) -> Path:
    return scan.with_name(scan.stem + ".truth.json")


def load_truth(scan: Path) -> dict:
    with open(truth_path(scan), encoding="utf-8") as handle:
        return json.load(handle)


def score_document(report: EvalReport, scan_name: str, truth: dict, document: Document) -> None:
    """Every truth field read right, and every field or item read that the page does not hold is a mistake.

    An invented field is as wrong as a misread one: downstream it decides money just
    the same. Fields the truth lists as `uncertain` are scored neither way.
    """
    ok_type = document.doc_type == truth["doc_type"]
    report.doc_type.add(ok_type)
    report.per_doc_type[truth["doc_type"]].add(ok_type)
    if "rotation" in truth:
        report.rotation.add(document.rotation == truth["rotation"])
    uncertain = set(truth.get("uncertain", []))
    expected_fields = truth.get("fields", {})
    flagged = set(document.needs_review)
    doc_tally = report.per_doc_type_fields[truth["doc_type"]]

    def tally(name: str, ok: bool, is_amount: bool, is_flagged: bool, mistake: str) -> None:
        report.fields.add(ok)
        doc_tally.add(ok)
        report.per_field[f"{truth['doc_type']}.{name}"].add(ok)
        if is_amount:
            report.amounts.add(ok)
        if not ok:
            report.wrong_fields += 1
            report.wrong_flagged += int(is_flagged)
            report.mistakes.append(f"{scan_name}: {mistake}{'' if is_flagged else ' [not flagged]'}")

    for name, expected in expected_fields.items():
        if name in uncertain:
            continue
        got = document.fields.get(name)
        ok = got is not None and _same(got.value, expected)
        tally(name, ok, name in MONEY_FIELDS, name in flagged,
              f"{name} expected {expected!r} got {got.value if got else None!r}")
    for name in sorted(set(document.fields) - set(expected_fields) - uncertain):
        tally(name, False, name in MONEY_FIELDS, name in flagged,
              f"{name} invented: {document.fields[name].value!r} is not on the page")
    if "items" in truth:
        expected_items = [(i.get("name"), i.get("amount")) for i in truth["items"]]
        got_items = [(str(i["name"].value) if "name" in i else None, str(i["amount"].value) if "amount" in i else None)
                     for i in document.items]
        items_flagged = any(name == "items" or name.startswith("items[") for name in flagged)
        missing = [expected for expected in expected_items if expected not in got_items]
        unexpected = [got for got in got_items if got not in expected_items]
        for expected in expected_items:
            tally("items", expected not in missing, True, items_flagged, f"item {expected} missing (got {got_items})")
        # A misread row is one mistake (its right form missing), not two; rows beyond that are invented.
        for got in unexpected[len(missing):]:
            tally("items", False, True, items_flagged, f"item {got} invented")


def _same(got, expected) -> bool:
    """Equal as values; text compared without spacing or full-/half-width differences."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return got == expected
    return clean_text(str(got)) == clean_text(str(expected))


def labelled_scans(folder: Path) -> list[Path]:
    from pipeline.pages import is_page_file

    return sorted(p for p in folder.rglob("*") if is_page_file(p) and truth_path(p).is_file())


def evaluate_folder(folder: Path, engine_name: str, threads: int = 0) -> "EvalReport":
    """Read every labelled scan under `folder` with the OCR engine and score it against its truth."""
    from pipeline.ocr import get_engine
    from pipeline.pages import split
    from pipeline.reading import read_page

    engine = get_engine(engine_name, threads)
    return score_folder(folder, engine_name, lambda scan: [read_page(page, engine) for page in split(scan)])


def evaluate_stored(folder: Path, store: Path) -> "EvalReport":
    """Score extraction on OCR lines stored beforehand (tests/tools/store_ocr.py --eval-set).

    Extraction only: the page image still goes through the real cleanup, because
    extractors look at its ink (signatures, seals), but OCR is not run again.
    """
    return score_folder(folder, "stored", lambda scan: stored_pages(scan, store / scan.parent.name / f"{scan.stem}.json"))


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


def score_folder(folder: Path, engine_name: str, read_pages: Callable[[Path], list[OcrPage]]) -> "EvalReport":
    import time

    from extractors.registry import extract
    from pipeline import checks

    report = EvalReport(engine=engine_name)
    started = time.monotonic()
    for scan in labelled_scans(folder):
        truth = load_truth(scan)
        # A multi-page file's truth is a list, one object per page ("page" counts from 1).
        truths = {t["page"]: t for t in truth} if isinstance(truth, list) else {1: truth}
        for page in read_pages(scan):
            if page.index in truths:
                document = checks.check_document(extract(page))
                score_document(report, f"{scan.relative_to(folder)}#{page.index}", truths[page.index], document)
                report.pages += 1
    report.seconds = time.monotonic() - started
    return report


def render(report: "EvalReport") -> str:
    import resource

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        f"engine {report.engine}: {report.pages} pages in {report.seconds:.1f}s "
        f"({60 * report.pages / report.seconds if report.seconds else 0:.1f} pages/min), peak memory {peak_mb:.0f} MB",
        f"doc_type  {report.doc_type.share:7.2%} ({report.doc_type.right}/{report.doc_type.total})",
        f"fields    {report.fields.share:7.2%} ({report.fields.right}/{report.fields.total})",
        f"amounts   {report.amounts.share:7.2%} ({report.amounts.right}/{report.amounts.total})",
        f"rotation  {report.rotation.share:7.2%} ({report.rotation.right}/{report.rotation.total})",
        f"wrong fields flagged for review: {report.wrong_flagged}/{report.wrong_fields}"
        f" ({report.wrong_flagged / report.wrong_fields if report.wrong_fields else 1:.0%})",
        "per document type (doc_type, fields):",
        *(f"  {name:<30} {t.share:7.2%} ({t.right}/{t.total})   fields {report.per_doc_type_fields[name].share:7.2%} "
          f"({report.per_doc_type_fields[name].right}/{report.per_doc_type_fields[name].total})"
          for name, t in sorted(report.per_doc_type.items())),
        "per field:",
        *(f"  {name:<40} {t.share:7.2%} ({t.right}/{t.total})" for name, t in sorted(report.per_field.items())),
    ]
    if report.mistakes:
        lines += ["mistakes:", *(f"  {m}" for m in report.mistakes)]
    return "\n".join(lines)
