"""Receipts of another province and invoices of other kinds are recognised, never paid as Shanghai receipts.

The scans (tests/other_receipts, made by tests/tools/make_other_receipts.py) are read by the
real engine through `claims extract`; the claim built from them goes to the real adjudicator.
"""

import json
import subprocess
import sys
from datetime import date

import pytest

from adjudicator import adjudicate_json
from extractors.model import Document, Field
from pipeline import checks
from pipeline.claim import build_claim
from tests.samples import ROOT

SCANS = ROOT / "tests" / "other_receipts"
MEMBER = {"member_id": "M0000000001", "name": "测试", "id_number": "310101198103152316"}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[str, dict]:
    """`claims extract --json` of every scan, by scan name."""
    home = tmp_path_factory.mktemp("home")
    out = {}
    for scan in sorted(SCANS.glob("*.jpg")):
        result = subprocess.run([sys.executable, "-m", "flows.cli", "extract", str(scan), "--json", "--home",
                                 str(home)], cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
        out[scan.stem] = json.loads(result.stdout.splitlines()[0])
    return out


def _document(found: dict) -> Document:
    document = Document(found["source"], found["page"], found["doc_type"], found["doc_type_confidence"],
                        found["rotation"])
    document.fields = {name: Field(f["value"], f["confidence"], f["page"], tuple(f["box"]) if f["box"] else None)
                       for name, f in found["fields"].items()}
    return checks.check_document(document)


@pytest.mark.parametrize("name", ["guangdong_medical_receipt", "vat_invoice_hospital", "pharmacy_general_invoice"])
def test_a_receipt_of_another_kind_is_read_as_what_it_is(extracted, name):
    truth = json.loads((SCANS / f"{name}.truth.json").read_text(encoding="utf-8"))
    found = extracted[name]
    assert found["doc_type"] == "receipt"
    for field in ("receipt_kind", "issuer_region", "invoice_number", "total", "issue_date"):
        assert found["fields"][field]["value"] == truth["fields"][field], field
    assert not {"split_adds_up", "cash_split_adds_up"} & {c["check"] for c in found["checks"]}


def test_another_provinces_receipt_is_rejected_as_a_visit_outside_shanghai(extracted):
    receipt = _document(extracted["guangdong_medical_receipt"])
    claim = build_claim("C-GD", date(2026, 4, 1), [receipt], MEMBER, ledger={})
    assert claim["visits"][0]["hospital"]["in_shanghai"] is False
    decision = adjudicate_json(json.dumps(claim, ensure_ascii=False))
    visit = decision["visits"][0]  # the packet itself still lacks the other documents
    assert (visit["status"], visit["payable"], decision["payable"]) == ("rejected", "0.00", "0.00")
    assert "M4.2.19" in {reason["clause"] for reason in visit["reasons"]}


@pytest.mark.parametrize("name", ["vat_invoice_hospital", "pharmacy_general_invoice"])
def test_an_invoice_without_the_payment_split_waits_for_a_clerk(extracted, name):
    receipt = _document(extracted[name])
    assert "receipt_kind" in checks.blocking_review(receipt)  # the packet's decision waits for a person
    assert not next(c for c in receipt.checks if c.check == "shanghai_receipt").ok
