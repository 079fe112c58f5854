"""Accuracy of extraction against truth files (`NAME.truth.json` beside each scan)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from extractors.model import Document
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
    ok_type = document.doc_type == truth["doc_type"]
    report.doc_type.add(ok_type)
    report.per_doc_type[truth["doc_type"]].add(ok_type)
    if "rotation" in truth:
        report.rotation.add(document.rotation == truth["rotation"])
    uncertain = set(truth.get("uncertain", []))
    for name, expected in truth.get("fields", {}).items():
        if name in uncertain:
            continue
        got = document.fields.get(name)
        ok = got is not None and _same(got.value, expected)
        report.fields.add(ok)
        report.per_field[f"{truth['doc_type']}.{name}"].add(ok)
        if name in MONEY_FIELDS:
            report.amounts.add(ok)
        if not ok:
            report.wrong_fields += 1
            report.wrong_flagged += int(name in document.needs_review)
            report.mistakes.append(f"{scan_name}: {name} expected {expected!r} got {got.value if got else None!r}")
    if "items" in truth:
        expected_items = [(i.get("name"), i.get("amount")) for i in truth["items"]]
        got_items = [(str(i["name"].value) if "name" in i else None, str(i["amount"].value) if "amount" in i else None)
                     for i in document.items]
        for expected in expected_items:
            ok = expected in got_items
            report.fields.add(ok)
            report.amounts.add(ok)
            report.per_field[f"{truth['doc_type']}.items"].add(ok)
            if not ok:
                report.wrong_fields += 1
                report.mistakes.append(f"{scan_name}: item {expected} missing (got {got_items})")


def _same(got, expected) -> bool:
    """Equal as values; text compared without spacing or full-/half-width differences."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return got == expected
    return clean_text(str(got)) == clean_text(str(expected))


def evaluate_folder(folder: Path, engine_name: str, threads: int = 0) -> "EvalReport":
    """Read every labelled scan under `folder` and score it against its truth."""
    import time

    from extractors.registry import extract
    from pipeline import checks
    from pipeline.ocr import get_engine
    from pipeline.pages import is_page_file, split
    from pipeline.reading import read_page

    engine = get_engine(engine_name, threads)
    report = EvalReport(engine=engine_name)
    started = time.monotonic()
    for scan in sorted(p for p in folder.rglob("*") if is_page_file(p) and truth_path(p).is_file()):
        truth = load_truth(scan)
        # A multi-page file's truth is a list, one object per page ("page" counts from 1).
        truths = {t["page"]: t for t in truth} if isinstance(truth, list) else {1: truth}
        for page in split(scan):
            if page.index in truths:
                document = checks.check_document(extract(read_page(page, engine)))
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
        f"wrong fields flagged for review: {report.wrong_flagged}/{report.wrong_fields}",
        "per document type:",
        *(f"  {name:<24} {t.share:7.2%} ({t.right}/{t.total})" for name, t in sorted(report.per_doc_type.items())),
        "per field:",
        *(f"  {name:<40} {t.share:7.2%} ({t.right}/{t.total})" for name, t in sorted(report.per_field.items())),
    ]
    if report.mistakes:
        lines += ["mistakes:", *(f"  {m}" for m in report.mistakes)]
    return "\n".join(lines)
