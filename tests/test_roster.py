"""The insurer's roster: imported whole or not at all, and the only source of members once present."""

from datetime import date

import pytest
from sqlmodel import Session, SQLModel, create_engine, select

from extractors.registry import extract
from flows.decisions import draft_claim
from pipeline.errors import BadInputError
from pipeline.roster import parse_roster
from store import repository
from store.models import Member, Packet
from tests.samples import SAMPLES, stored_page

HEADER = "身份证号,姓名,单位,保单年度起始日,总工会住院保障,其他保险,黑名单\n"
ZHANG_WEI = "310101198103152316,张伟,复旦大学,2026-01-01,否,否,否\n"


def test_roster_rows_are_read_in_either_language():
    english = parse_roster("id_number,name,employer,policy_year_start,union_inpatient_plan,other_insurer,blacklisted\n"
                           "310101198103152316,张伟,复旦大学,2026.01.01,yes,no,0\n")
    chinese = parse_roster(HEADER + "310101198103152316,张伟,复旦大学,2026年1月1日,是,否,否\n")
    assert english[0].policy_year_start == chinese[0].policy_year_start == date(2026, 1, 1)
    assert english[0].union_inpatient_plan and chinese[0].union_inpatient_plan


@pytest.mark.parametrize("rows, message", [
    ("310101198103152314,张伟,,,,,\n", "roster line 2: ID number check digit does not match"),
    (ZHANG_WEI + ZHANG_WEI, "roster line 3: the same ID number as line 2"),
    ("310101198103152316,张伟,,2026-13-01,,,\n", "roster line 2: policy year start '2026-13-01' is not a date"),
    ("310101198103152316,张伟,,,maybe,,\n", "union_inpatient_plan 'maybe' is neither yes nor no"),
])
def test_a_bad_row_rejects_the_whole_roster_with_its_line(rows, message):
    with pytest.raises(BadInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_roster(HEADER + rows)


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        yield session


def _packet(session) -> Packet:
    packet = Packet(name="01_outpatient_pays", content_hash="x", claim_id="C2026-000001",
                    received_date=date(2026, 11, 25))
    session.add(packet)
    session.flush()
    return packet


def _documents():
    return [extract(stored_page(scan)) for scan in sorted((SAMPLES / "01_outpatient_pays").glob("*.jpg"))]


def test_without_a_roster_the_id_copy_makes_the_member(session):
    draft = draft_claim(session, _packet(session), _documents())
    assert draft.hold_reason is None and draft.claim["member"]["name"] == "张伟"
    member = session.exec(select(Member)).one()
    assert not member.on_roster and member.bank_account == "6222021001045678123"


def test_with_a_roster_a_member_not_on_it_goes_to_review(session):
    repository.import_roster(session, parse_roster(HEADER + "310104197508020025,李娜,,,否,否,否\n"))
    draft = draft_claim(session, _packet(session), _documents())
    assert draft.claim is None and draft.hold_reason == "the ID copy's number is not on the insurer's roster"


def test_roster_flags_reach_the_claim(session):
    repository.import_roster(session, parse_roster(HEADER + "310101198103152316,张伟,复旦大学,2026-01-01,是,否,是\n"))
    draft = draft_claim(session, _packet(session), _documents())
    assert draft.claim["member"]["blacklisted"] and draft.claim["member"]["union_inpatient_plan"]
    assert draft.claim["policy"] == {"year_start": "2026-01-01"}


def test_a_name_that_differs_from_the_roster_goes_to_review(session):
    repository.import_roster(session, parse_roster(HEADER + "310101198103152316,张卫,,,否,否,否\n"))
    draft = draft_claim(session, _packet(session), _documents())
    assert draft.claim is None and "differs from the member's" in draft.hold_reason
    assert "张" not in draft.hold_reason  # no names in reasons that reach logs and screens
