"""A claim whose visits fall in two policy years (December and January) adds to each year's ledger in the
store, and the next claim of either year starts from it."""

from datetime import date

from flows.decisions import adjudicate, attach_ledgers
from store import repository
from store.db import session_scope
from store.models import Packet

HOSPITAL = {"name": "复旦大学附属华山医院", "designated": True, "in_shanghai": True}  # the seed registry starts in 2026


def _visit(visit_id: str, day: str, invoice: str, amount: str) -> dict:
    record = {"visit_date": day, "department": "呼吸内科", "chief_complaint": "咳嗽咳痰3天", "present_illness": "受凉后咳嗽",
              "past_history": "否认高血压糖尿病史", "positive_signs": "两肺呼吸音粗", "diagnosis": "急性支气管炎",
              "treatment": "抗感染 止咳", "doctor_signature": True}
    receipt = {"invoice_code": "3101000000", "invoice_number": invoice, "date": day, "total": amount,
               "cash_paid": amount, "self_borne": amount, "items": []}
    return {"visit_id": visit_id, "kind": "outpatient", "date": day, "hospital": HOSPITAL, "first_visit": True,
            "record": record, "receipts": [receipt]}


def _decide(session, claim_id: str, received: date, visits: list[dict]) -> dict:
    packet = Packet(name=claim_id, content_hash=claim_id, claim_id=claim_id, received_date=received, member_id="M1")
    session.add(packet)
    session.flush()
    claim = {"claim_id": claim_id, "received_date": received.isoformat(), "member": {"member_id": "M1", "name": "张三"},
             "policy": {"year_start": "2025-01-01"}, "documents": ["id_copy", "bank_book", "receipt", "medical_record",
                                                                   "detail_list"], "visits": visits}
    attach_ledgers(session, claim, "M1", packet.id)
    decision = adjudicate(claim)
    repository.save_decision(session, packet, claim, decision, date.fromisoformat(claim["policy"]["year_start"]))
    return decision


def test_each_visit_counts_in_its_own_policy_years_ledger(tmp_path):
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    with session_scope(url) as session:
        repository.upsert_member(session, "M1", "张三", "310101198103152316", None, None)
        # 2025: 700.00 eligible before -> deductible used, 100.00 over it.
        _decide(session, "C1", date(2025, 12, 1), [_visit("V1", "2025-11-20", "00000001", "700.00")])
        spanning = _decide(session, "C2", date(2026, 2, 1), [_visit("V1", "2025-12-15", "00000002", "500.00"),
                                                              _visit("V2", "2026-01-10", "00000003", "500.00")])
        # December: (1200 - 600) x 0.7 = 420.00 due, 70.00 paid before -> 350.00; January: under 2026's deductible.
        assert [visit["payable"] for visit in spanning["visits"]] == ["350.00", "0.00"]
        ledger_2025 = repository.ledger_for(session, "M1", date(2025, 1, 1))
        ledger_2026 = repository.ledger_for(session, "M1", date(2026, 1, 1))
        assert (ledger_2025["outpatient_eligible_ytd"], ledger_2025["outpatient_paid_ytd"]) == ("1200.00", "420.00")
        assert (ledger_2026["outpatient_eligible_ytd"], ledger_2026["outpatient_paid_ytd"]) == ("500.00", "0.00")
        # The next claim of 2026 starts from January's 500.00: 300.00 more crosses the deductible by 200.00.
        later = _decide(session, "C3", date(2026, 3, 1), [_visit("V1", "2026-02-20", "00000004", "300.00")])
        assert later["payable"] == "140.00"
        assert "3101000000-00000003" in later["ledger_after"]["claimed_invoices"]
