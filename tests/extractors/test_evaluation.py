"""Scoring against truth: invented fields and rows count as mistakes; the labelled set meets its targets."""

from pathlib import Path

from extractors.model import Document, Field
from pipeline.evaluation import EvalReport, evaluate_stored, score_document

TESTS = Path(__file__).resolve().parents[1]


def _document(fields: dict, items=(), needs_review=()) -> Document:
    document = Document("x.jpg", 1, "receipt", 1.0, 0, needs_review=list(needs_review))
    document.fields = {name: Field(value, 0.99, 1, None) for name, value in fields.items()}
    document.items = [{"name": Field(n, 0.99, 1, None), "amount": Field(a, 0.99, 1, None)} for n, a in items]
    return document


def test_a_field_not_on_the_page_is_a_mistake_unless_the_truth_calls_it_uncertain():
    truth = {"doc_type": "receipt", "fields": {"total": "10.00"}, "uncertain": ["visit_date"]}
    report = EvalReport()
    score_document(report, "x", truth, _document({"total": "10.00", "visit_date": "2025-01-01", "self_pay": "0.00"},
                                                 needs_review=["self_pay"]))
    assert (report.fields.right, report.fields.total) == (1, 2)
    assert (report.amounts.right, report.amounts.total) == (1, 2)
    assert (report.wrong_fields, report.wrong_flagged) == (1, 1)
    assert "self_pay invented" in report.mistakes[0]


def test_a_misread_row_is_one_mistake_and_an_extra_row_another():
    truth = {"doc_type": "receipt", "fields": {}, "items": [{"name": "西药费", "amount": "38.80"}]}
    report = EvalReport()
    score_document(report, "x", truth, _document({}, items=[("西药费", "38.50")], needs_review=["items"]))
    assert (report.fields.total, report.wrong_fields, report.wrong_flagged) == (1, 1, 1)
    report = EvalReport()
    score_document(report, "x", truth, _document({}, items=[("西药费", "38.80"), ("其他", "0.00")]))
    assert (report.fields.total, report.wrong_fields, report.wrong_flagged) == (2, 1, 0)


def test_the_labelled_eval_set_meets_the_targets_on_its_stored_ocr():
    """tests/ocr_eval holds the engine's lines for tests/eval_set (tests/tools/store_ocr.py --eval-set)."""
    report = evaluate_stored(TESTS / "eval_set", TESTS / "ocr_eval")
    own = report.families["generator-v1"]  # the eval set's own layouts; tests/eval_set/tuned/ adds the tuning families
    assert own.pages == 74
    assert own.doc_type.share >= 0.98, report.render()
    assert own.fields.share >= 0.97, report.render()
    assert own.amounts.share >= 0.99, report.render()
    assert own.wrong_flagged >= 0.8 * own.wrong_fields, report.render()
