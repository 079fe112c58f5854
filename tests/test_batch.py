"""Batches: pages read on a local Dask cluster of 2 workers; a re-run after a crash reuses the OCR."""

import json
import shutil

from sqlmodel import Session, delete, select

import flows.intake
from flows.intake import process_packet
from flows.packets import packet_of
from flows.settings import load_settings, prepare_environment
from store.db import default_url, get_engine
from store.models import Decision, LedgerEntry, Packet
from tests.samples import SAMPLES, run_claims


def test_a_batch_on_a_local_dask_cluster_of_two_workers(tmp_path):
    inbox = tmp_path / "inbox"
    for name in ("01_outpatient_pays", "04_second_claim_same_member"):
        shutil.copytree(SAMPLES / name, inbox / name, ignore=shutil.ignore_patterns("*.json"))
    result = run_claims("run", str(inbox), "--workers", "2", "--json", home=tmp_path / "home")
    assert result.returncode == 0, result.stderr[-2000:]
    rows = {row["packet"]: row for row in map(json.loads, result.stdout.splitlines())}
    assert (rows["01_outpatient_pays"]["status"], rows["01_outpatient_pays"]["payable"]) == ("partially_approved", "385.00")
    # decided after the first, from its ledger, although both were read at the same time
    assert (rows["04_second_claim_same_member"]["status"], rows["04_second_claim_same_member"]["payable"]) == (
        "approved", "350.00")
    assert "2 local Dask workers" in result.stderr


def test_a_rerun_after_a_crash_does_not_read_the_pages_again(tmp_path, monkeypatch):
    settings = load_settings(str(tmp_path / "home"))
    prepare_environment(settings)
    packet = packet_of(SAMPLES / "03_missing_detail_list")
    first = process_packet(packet, settings)
    with Session(get_engine(default_url(settings.claims_home))) as session:
        # As if the process died after reading the pages but before its decision was stored.
        record = session.exec(select(Packet)).one()
        session.exec(delete(LedgerEntry))
        session.exec(delete(Decision))
        record.status = "received"
        session.commit()
    pages_read = []
    real_read_documents = flows.intake.read_documents
    monkeypatch.setattr(flows.intake, "read_documents",
                        lambda *a: pages_read.append(a) or real_read_documents(*a))
    second = process_packet(packet, settings)
    assert pages_read == []  # every page came from the cache, keyed by content hash
    assert (second.status, second.payable, second.decision["missing_documents"]) == (
        first.status, first.payable, first.decision["missing_documents"])
