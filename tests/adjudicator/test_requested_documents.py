"""Material the insurer asks for (M2.7): the claim waits for it, and the letter says what, why and by when (M3.5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adjudicator import BadInputError, adjudicate, member_letter, parse_claim

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "claim.json"
ASKED = {"document": "病历原件", "reason": "病历复印件字迹不清"}


def _example(**extra) -> dict:
    return {**json.loads(EXAMPLE.read_text(encoding="utf-8")), **extra}


def test_a_claim_with_material_asked_for_waits_for_it_whatever_else_it_holds():
    claim = parse_claim(_example(requested_documents=[ASKED]))
    decision = adjudicate(claim)
    assert (decision.status, str(decision.payable)) == ("pending_documents", "0.00")
    assert "病历原件" in decision.missing_documents
    assert [(r.clause, r.text) for r in decision.reasons if r.clause == "M2.7"] == [
        ("M2.7", "本公司要求补充提供病历原件,原因:病历复印件字迹不清")]
    letter = member_letter(claim, decision)
    assert "病历原件(条款 M2.7):本公司要求补充提供病历原件,原因:病历复印件字迹不清。" in letter
    assert "前补交上述材料;逾期未补交的,本次申请的保险金请求权失效(条款 M3.5)" in letter


def test_the_example_claim_without_requests_is_decided_as_before():
    assert adjudicate(parse_claim(_example(requested_documents=[]))) == adjudicate(parse_claim(_example()))


@pytest.mark.parametrize("asked", [{"document": "病历原件", "reason": " "}, {"document": "", "reason": "x"},
                                   {"document": "病历原件"}, {"document": "病历原件", "reason": "x", "by": "clerk"}])
def test_a_request_without_what_or_why_is_bad_input(asked):
    with pytest.raises(BadInputError):
        parse_claim(_example(requested_documents=[asked]))
