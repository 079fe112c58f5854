"""The `claims` command's contract: --help everywhere, one-line errors, the adjudication API."""

import json
import subprocess
import sys

import pytest

from tests.samples import ROOT

API_EXAMPLE = ROOT / "tests" / "adjudicator" / "api_example_input.json"


def claims(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, input=stdin)


@pytest.mark.parametrize("command", ["run", "watch", "nightly", "review", "roster", "letter", "extract", "adjudicate", "eval"])
def test_every_subcommand_answers_help(command):
    result = claims(command, "--help")
    assert result.returncode == 0 and "usage: claims" in result.stdout


def test_adjudicate_gives_the_documented_shape():
    result = claims("adjudicate", str(API_EXAMPLE))
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert set(decision) == {"claim_id", "status", "payable", "outpatient_payable", "inpatient_payable",
                             "missing_documents", "reasons", "visits", "ledger_after"}
    assert decision["claim_id"] == "C2026-000123"
    receipt = decision["visits"][0]["receipts"][0]
    assert {"invoice_code", "invoice_number", "status", "base", "excluded", "eligible", "reasons", "items"} <= set(receipt)


@pytest.mark.parametrize("content, message", [
    ("{not json", "not JSON"),
    ('{"claim_id": "C1", "surprise": 1}', "unknown key 'surprise'"),
])
def test_malformed_claims_get_one_line_and_exit_2(tmp_path, content, message):
    claim = tmp_path / "claim.json"
    claim.write_text(content, encoding="utf-8")
    result = claims("adjudicate", str(claim))
    assert result.returncode == 2
    assert message in result.stderr and result.stderr.strip().count("\n") == 0
    assert "Traceback" not in result.stderr


def test_a_missing_claim_file_is_one_line(tmp_path):
    result = claims("adjudicate", str(tmp_path / "absent.json"))
    assert result.returncode == 2 and "cannot read" in result.stderr and "Traceback" not in result.stderr


def test_extract_prints_the_spec_shape_for_a_receipt(tmp_path):
    scan = ROOT / "sample_scans" / "03_missing_detail_list" / "receipt_skew3.jpg"
    result = subprocess.run([sys.executable, "-m", "flows.cli", "extract", str(scan), "--json", "--home",
                             str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout.splitlines()[0])
    assert document["doc_type"] == "receipt" and document["source"] == "receipt_skew3.jpg"
    assert document["fields"]["invoice_number"]["value"] == "2611020157"
    assert set(document["fields"]["total"]) >= {"value", "confidence", "box"}
    assert {c["check"] for c in document["checks"]} >= {"split_adds_up", "total_matches_words"}
