"""The tuning layout families (tests/eval_set/tuned, tests/tools/make_tuning_families.py) read on their stored OCR.

Figures per family: the families are the ones the extractors were tuned on; held-out
families are scored elsewhere and never here.
"""

import json
from pathlib import Path

import pytest

from pipeline.evaluation import evaluate_stored

TESTS = Path(__file__).resolve().parents[1]
TUNED = TESTS / "eval_set" / "tuned"


@pytest.fixture(scope="module")
def report():
    return evaluate_stored(TUNED, TESTS / "ocr_eval")


def test_every_tuning_family_is_listed_as_not_held_out():
    import yaml

    listed = yaml.safe_load((TESTS / "eval_set" / "families.yaml").read_text(encoding="utf-8"))["families"]
    on_disk = {path.name for path in TUNED.iterdir() if path.is_dir()}
    assert on_disk and on_disk <= set(listed)
    assert all(listed[name]["held_out"] is False for name in on_disk)
    for truth in TUNED.glob("*/*.truth.json"):
        assert json.loads(truth.read_text(encoding="utf-8"))["family"] == truth.parent.name


def test_the_tuning_families_read_their_document_types_and_fields(report):
    assert report.pages == len(list(TUNED.glob("*/*.truth.json")))  # every page of every family was read
    assert report.doc_type.share == 1.0, report.render()
    assert report.fields.share >= 0.97, report.render()


def test_id_copies_and_bank_books_of_every_tuning_layout_read_all_their_fields(report):
    for doc_type in ("id_copy", "bank_book"):
        assert report.per_doc_type_fields[doc_type].share == 1.0, report.render()


def test_detail_items_of_the_tuning_layouts_are_read(report):
    assert report.per_field["detail_list.items"].share >= 0.95, report.render()
