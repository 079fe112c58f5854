"""The `claims` command's contract: --help everywhere, one-line errors, the adjudication API."""

import json
import subprocess
import sys

import pytest

from tests.samples import ROOT

API_EXAMPLE = ROOT / "docs" / "examples" / "claim.json"


def claims(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, input=stdin)


@pytest.mark.parametrize("command", ["run", "watch", "nightly", "review", "roster", "letter", "cover-sheet", "extract",
                                     "adjudicate", "eval"])
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


def test_a_bad_database_url_is_a_configuration_error_with_its_own_exit_code(tmp_path):
    result = claims("letter", "C2026-000001", "--home", str(tmp_path), "--db", "postgresql://clerk:s3cret@127.0.0.1:1/x")
    assert result.returncode == 4, result.stderr
    assert result.stderr.startswith("error [CONFIGURATION]: cannot open the database postgresql://clerk:***@")
    assert result.stderr.strip().count("\n") == 0 and "s3cret" not in result.stderr and "Traceback" not in result.stderr


def _decided_api_example(home, database_url: str) -> int:
    """The API example claim decided and stored as the intake stores it; its packet id."""
    from datetime import date

    from sqlmodel import Session

    from adjudicator import adjudicate_json
    from store import repository
    from store.db import get_engine
    from store.models import Packet

    claim = json.loads(API_EXAMPLE.read_text(encoding="utf-8"))
    with Session(get_engine(database_url)) as session:
        packet = Packet(name="example", content_hash="example", claim_id=claim["claim_id"],
                        received_date=date(2026, 3, 2))
        session.add(packet)
        session.flush()
        repository.save_decision(session, packet, claim, adjudicate_json(json.dumps(claim)), None)
        session.commit()
        return packet.id


def test_an_overridden_claim_gets_its_letter_with_the_configured_contact(tmp_path):
    from review.service import override_decision
    from store import repository
    from store.db import session_scope

    home = tmp_path / "home"
    home.mkdir()
    (home / "claims.toml").write_text('contact_phone = "021-5555 0101"\ncontact_hours = "周一至周五 8:30–16:30"\n',
                                      encoding="utf-8")
    url = f"sqlite:///{home / 'claims.db'}"
    packet_id = _decided_api_example(home, url)
    with session_scope(url) as session:
        seen = str(repository.current_decision(session, packet_id).id)
    override_decision(url, packet_id, "approved", "100.00", "经核实检查有指征,予以赔付", "lead", "supervisor", seen)

    result = claims("letter", "C2026-000123", "--home", str(home))
    assert result.returncode == 0, result.stderr
    assert "本案经理赔主管复核后改判,理由:经核实检查有指征,予以赔付" in result.stdout
    assert "本次赔付合计 100.00 元" in result.stdout
    assert "联系电话:021-5555 0101" in result.stdout and "服务时间:周一至周五 8:30–16:30" in result.stdout
    assert "地址:" in result.stdout  # not configured: the embedded default


def test_extract_in_text_mode_lists_what_needs_review(tmp_path):
    scan = ROOT / "sample_scans" / "03_missing_detail_list" / "receipt_skew3.jpg"
    text = claims("extract", str(scan), "--home", str(tmp_path))
    assert text.returncode == 0, text.stderr
    listed = [line for line in text.stdout.splitlines() if line.strip().startswith("needs_review:")]
    assert len(listed) == 1
    named = {name.strip() for name in listed[0].split(":", 1)[1].split(",")} - {"nothing"}
    flagged = {line.split()[0] for line in text.stdout.splitlines() if line.endswith("← review")}
    assert flagged <= named  # every field marked for review is listed, and the list names the unread ones too


def test_a_second_run_names_each_packet_as_dropped_with_its_claim_id(copied_samples_home, tmp_path):
    """Decided before: told from the database (no OCR, no Prefect), each row with the id `claims letter` takes;
    the same content dropped under another name is named by that folder."""
    import shutil

    from tests.samples import SAMPLES, run_claims

    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLES / "01_outpatient_pays", inbox / "01_copy_from_the_mailroom")
    shutil.copytree(SAMPLES / "02_under_deductible", inbox / "02_under_deductible")
    result = run_claims("run", str(inbox), home=copied_samples_home)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert set(rows) == {"01_copy_from_the_mailroom", "02_under_deductible"}
    assert rows["01_copy_from_the_mailroom"].split()[1] == "C2026-000001"
    assert "(already processed)" in rows["01_copy_from_the_mailroom"]
    assert "same content as 01_outpatient_pays" in rows["01_copy_from_the_mailroom"]
    assert rows["02_under_deductible"].split()[1] == "C2026-000002"
    assert "… packet" not in result.stderr  # no packet went into the intake flow (which starts Prefect and OCR)


def test_help_lists_every_ocr_engine():
    from pipeline.ocr import engine_names

    result = claims("run", "--help")
    listed = " ".join(result.stdout.split())
    assert result.returncode == 0 and all(name in listed for name in engine_names())


def test_an_unknown_ocr_engine_is_one_line_naming_the_known_ones(tmp_path):
    scan = ROOT / "sample_scans" / "03_missing_detail_list" / "receipt_skew3.jpg"
    result = claims("extract", str(scan), "--home", str(tmp_path), "--ocr-engine", "faster-padle")
    assert result.returncode == 4, result.stderr
    assert result.stderr.startswith("error [CONFIGURATION]: unknown OCR engine 'faster-padle' (choose one of: paddleocr")
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
