"""`claims eval` keeps held-out layout families apart from the tuned ones, and its reliability table."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from extractors.model import Check, Document, Field
from pipeline.evaluation import (
    DEFAULT_FAMILIES_FILE, EvalReport, FamiliesError, evaluate_stored, family_of, load_families, score_document,
)
from pipeline.pages import is_page_file

ROOT = Path(__file__).resolve().parents[1]
EVAL_SET, EVAL_OCR = ROOT / "tests" / "eval_set", ROOT / "tests" / "ocr_eval"
HELDOUT, HELDOUT_OCR = ROOT / "tests" / "heldout", ROOT / "tests" / "ocr_heldout"

FAMILIES = """families:
  generator-v1: {doc_type: all, held_out: false, script: tests/tools/make_eval_set.py, description: tuned}
  copied-ids: {doc_type: id_copy, held_out: true, script: none, description: "an eval-set ID copy, relabelled"}
"""


def _copy(scan: Path, folder: Path, store: Path, truth_edit=None) -> None:
    """One eval-set scan, its truth (edited) and its stored OCR into a labelled folder of our own."""
    (folder / scan.parent.name).mkdir(parents=True, exist_ok=True)
    (store / scan.parent.name).mkdir(parents=True, exist_ok=True)
    shutil.copy(scan, folder / scan.parent.name / scan.name)
    truth = json.loads(scan.with_name(scan.stem + ".truth.json").read_text(encoding="utf-8"))
    if truth_edit:
        truth_edit(truth)
    (folder / scan.parent.name / f"{scan.stem}.truth.json").write_text(json.dumps(truth, ensure_ascii=False))
    shutil.copy(EVAL_OCR / scan.parent.name / f"{scan.stem}.json", store / scan.parent.name / f"{scan.stem}.json")


@pytest.fixture
def split_folder(tmp_path):
    """A bank book of the tuned family and an ID copy in a held-out family whose truth holds a name
    the page does not print: the held-out figures must show that mistake and the tuned ones must not."""
    folder, store = tmp_path / "labelled", tmp_path / "store"

    def held_out_with_a_wrong_name(truth):
        truth["family"] = "copied-ids"
        truth["fields"]["name"] = "不对名"

    _copy(EVAL_SET / "bank_book" / "b01_copy.jpg", folder, store)
    _copy(EVAL_SET / "id_copy" / "i01_copy.jpg", folder, store, held_out_with_a_wrong_name)
    families = tmp_path / "families.yaml"
    families.write_text(FAMILIES, encoding="utf-8")
    return folder, store, families


def test_held_out_and_tuned_families_are_scored_apart(split_folder):
    folder, store, families = split_folder
    report = evaluate_stored(folder, store, load_families(families))
    held, tuned = report.groups["held-out"], report.groups["tuned"]
    assert (held.pages, tuned.pages, report.pages) == (1, 1, 2)
    assert (held.fields.right, held.fields.total) == (3, 4)
    assert (tuned.fields.right, tuned.fields.total) == (3, 3)
    assert set(report.families) == {"generator-v1", "copied-ids"}
    assert report.families["copied-ids"].fields.total == 4
    assert report.mistakes == ["[held-out] id_copy/i01_copy.jpg#1: name expected '不对名' got '龚永康' [not flagged]"]
    text = report.render()
    assert text.index("HELD-OUT") < text.index("tuned families")


def test_eval_json_has_the_groups_and_the_reliability_table(split_folder):
    folder, store, families = split_folder
    result = subprocess.run([sys.executable, "-m", "flows.cli", "eval", str(folder), "--stored-ocr", str(store),
                             "--families", str(families), "--json"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert list(report["groups"]) == ["held-out", "tuned"]
    held = report["groups"]["held-out"]
    assert held["fields"] == {"right": 3, "total": 4, "share": 0.75}
    assert held["per_doc_type"]["id_copy"]["rotation"] == {"0": {"right": 1, "total": 1, "share": 1.0}}
    assert [row["bucket"] for row in held["reliability"]] == ["<0.50", "0.50-0.70", "0.70-0.80", "0.80-0.90",
                                                              "0.90-0.95", "≥0.95"]
    assert sum(row["values"]["total"] for row in held["reliability"]) == 4


def _document(fields: dict, needs_review=(), checks=()) -> Document:
    document = Document("x.jpg", 1, "receipt", 1.0, 0, needs_review=list(needs_review), checks=list(checks))
    document.fields = {name: Field(value, confidence, 1, None) for name, (value, confidence) in fields.items()}
    return document


def test_the_reliability_table_counts_each_value_in_its_confidence_bucket_and_money_apart():
    truth = {"doc_type": "receipt", "fields": {"total": "10.00", "cash_paid": "10.00", "hospital": "上海市东方医院",
                                               "self_pay": "0.00"}}
    document = _document({"total": ("10.00", 0.97), "cash_paid": ("19.00", 0.93), "hospital": ("上海市东方医院", 0.6),
                          "self_pay": ("0.00", 0.52)}, needs_review=["hospital", "self_pay"])
    report = EvalReport()
    score_document(report, "x", truth, document, "f", held_out=True)
    rows = dict(report.groups["held-out"].reliability())
    money = dict(report.groups["held-out"].reliability(money_only=True))
    assert (rows["0.50-0.70"].total, rows["0.50-0.70"].right) == (2, 2)
    assert (rows["0.90-0.95"].total, rows["0.90-0.95"].right) == (1, 0)
    assert (money["0.50-0.70"].total, money["≥0.95"].total) == (1, 1)
    accepted = report.money_accepted()
    assert (accepted.total, accepted.total - accepted.right) == (2, 1)  # total and cash accepted, cash wrong
    assert "tuned" not in report.groups


def test_a_money_value_the_receipts_arithmetic_confirms_counts_as_confirmed():
    truth = {"doc_type": "receipt", "fields": {"total": "10.00", "cash_paid": "10.00"}}
    adds_up = Check("split_adds_up", True, "", ("total", "cash_paid"))
    report = EvalReport()
    score_document(report, "x", truth, _document({"total": ("10.00", 0.88), "cash_paid": ("10.00", 0.99)},
                                                 checks=[adds_up]))
    assert report.money_accepted(confirmed=True).total == 2
    assert report.money_accepted(confirmed=False).total == 0
    report = EvalReport()
    score_document(report, "x", truth, _document({"total": ("10.00", 0.88), "cash_paid": ("10.00", 0.99)},
                                                 checks=[Check("split_adds_up", False, "", ("total", "cash_paid"))],
                                                 needs_review=["total", "cash_paid"]))
    assert report.money_accepted().total == 0


def test_record_sections_are_scored_by_similarity_and_exact_match():
    truth = {"doc_type": "medical_record", "fields": {"chief_complaint": "咳嗽3天。", "diagnosis": "急性支气管炎"}}
    document = _document({"chief_complaint": ("咳嗽3天", 0.9)})
    document.doc_type = "medical_record"
    report = EvalReport()
    score_document(report, "x", truth, document)
    assert report.sections["chief_complaint"] == [pytest.approx(2 * 4 / 9)]  # 咳嗽3天 against 咳嗽3天。
    assert report.sections["diagnosis"] == [0.0]                             # not read at all
    assert (report.section_exact.right, report.section_exact.total) == (0, 2)


def test_eval_on_a_folder_without_labelled_scans_is_one_line_and_fails(tmp_path):
    (tmp_path / "scan.jpg").write_bytes((EVAL_SET / "bank_book" / "b01_copy.jpg").read_bytes())
    result = subprocess.run([sys.executable, "-m", "flows.cli", "eval", str(tmp_path), "--stored-ocr", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "NO_LABELLED_SCANS" in result.stderr


@pytest.mark.parametrize("text, message", [
    ("families: [a, b]\n", "no 'families:' mapping"),
    ("families:\n  x: {doc_type: receipt, held_out: yes-ish, description: d, script: s}\n", "needs held_out"),
    ("families:\n  x: {doc_type: receipt, held_out: true, description: d}\n", "needs script"),
    ("families:\n  x: {doc_type: receipt, held_out: true, description: d, script: s, tuned_on: y}\n", "unknown keys"),
    ("families:\n  x: [receipt]\n", "is not a mapping"),
    ("families: {x: {doc_type: receipt\n", "cannot read"),
])
def test_a_malformed_families_file_is_a_one_line_error(tmp_path, text, message):
    path = tmp_path / "families.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FamiliesError, match=message) as raised:
        load_families(path)
    assert "\n" not in raised.value.one_line()


def test_a_truth_naming_an_unlisted_family_or_another_doc_type_is_an_error():
    families = load_families()
    with pytest.raises(FamiliesError, match="'record-handwritten-v9' is not in the families file"):
        family_of({"doc_type": "medical_record", "family": "record-handwritten-v9"}, families, "a.jpg")
    with pytest.raises(FamiliesError, match="holds id_copy, the truth says bank_book"):
        family_of({"doc_type": "bank_book", "family": "id-a4-stacked"}, families, "a.jpg")
    assert family_of({"doc_type": "receipt"}, families, "a.jpg").name == "generator-v1"


def test_every_held_out_page_names_a_held_out_family_of_its_type_and_has_its_ocr_stored():
    families = load_families(DEFAULT_FAMILIES_FILE)
    scans = sorted(p for p in HELDOUT.rglob("*") if is_page_file(p))
    assert len(scans) >= 40
    for scan in scans:
        truth = json.loads(scan.with_name(scan.stem + ".truth.json").read_text(encoding="utf-8"))
        family = family_of(truth, families, scan.name)
        assert family.held_out and family.name == scan.parent.name, scan
        assert truth["rotation"] in (0, 90, 180, 270)
        stored = json.loads((HELDOUT_OCR / scan.parent.name / f"{scan.stem}.json").read_text(encoding="utf-8"))
        assert stored["engine"] == "paddleocr" and len(stored["pages"]) == 1, scan
    per_type = {}
    for family in families.values():
        if family.held_out:
            per_type.setdefault(family.doc_type, []).append(family.name)
    assert all(len(names) >= 2 for names in per_type.values()), per_type
    assert {"medical_record", "detail_list", "id_copy", "bank_book"} <= set(per_type)
