"""The structured claim of `spec/adjudication-api.md`: typed, frozen, validated.

`parse_claim` is strict on purpose: the claim is a public contract, so an
unknown key, a float where money belongs or an impossible date is an error
that names the exact key path, never something silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Callable

from adjudicator.errors import BadInputError, UnknownKeyError
from adjudicator.money import ZERO, cents

VISIT_KINDS = ("outpatient", "emergency", "inpatient")
DRUG_KINDS = ("western", "patent", "herbal_decoction", "auxiliary", "infusion")
DOCUMENT_KINDS = (
    "id_copy", "bank_book", "receipt", "medical_record", "detail_list",
    "discharge_summary", "inpatient_fee_detail", "other_insurer_settlement",
    "local_subsidy_list", "union_settlement", "insurance_reimbursement_list",
)
RECORD_SECTIONS = (
    "visit_date", "department", "chief_complaint", "present_illness", "past_history",
    "auxiliary_exam", "positive_signs", "diagnosis", "treatment", "doctor_signature",
)

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Up to 12 digits of yuan: far above any claim, and well inside Decimal's 28 digits of precision.
_MONEY = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")


@dataclass(frozen=True)
class Member:
    member_id: str
    name: str | None = None
    id_number: str | None = None
    blacklisted: bool = False
    union_inpatient_plan: bool = False
    other_insurer: bool = False


@dataclass(frozen=True)
class Ledger:
    """A member's running totals for one policy year (what earlier decisions left)."""

    outpatient_eligible_ytd: Decimal = ZERO
    outpatient_paid_ytd: Decimal = ZERO
    inpatient_paid_ytd: Decimal = ZERO
    hyperbaric_sessions_ytd: int = 0
    claimed_invoices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hospital:
    """The hospital as printed; a flag left None is resolved from the registry."""

    name: str
    designated: bool | None = None
    level: int | None = None
    public: bool | None = None
    in_shanghai: bool | None = None


@dataclass(frozen=True)
class Record:
    """The outpatient medical record; a section absent from the page is None."""

    visit_date: date | None = None
    department: str | None = None
    chief_complaint: str | None = None
    present_illness: str | None = None
    past_history: str | None = None
    auxiliary_exam: str | None = None
    positive_signs: str | None = None
    diagnosis: str | None = None
    treatment: str | None = None
    doctor_signature: bool = False

    def has_section(self, section: str) -> bool:
        value = getattr(self, section)
        return bool(value.strip()) if isinstance(value, str) else bool(value)


@dataclass(frozen=True)
class DischargeSummary:
    admission_date: date | None = None
    discharge_date: date | None = None
    diagnosis: str | None = None
    surgery: str | None = None
    treatment: str | None = None
    doctor_signature: bool = False


@dataclass(frozen=True)
class Item:
    name: str
    amount: Decimal
    category: str | None = None
    days: int | None = None
    drug_kind: str | None = None
    sessions: int | None = None
    self_pay: bool = False


@dataclass(frozen=True)
class Receipt:
    invoice_number: str
    total: Decimal
    invoice_code: str | None = None
    date: date | None = None
    original: bool = True
    insurance_invoice: bool = True
    complete: bool = True
    legible: bool = True
    handwritten: bool = False
    lost: bool = False
    fund_paid: Decimal = ZERO
    additional_paid: Decimal = ZERO
    account_paid: Decimal = ZERO
    cash_paid: Decimal | None = None
    third_party_paid: Decimal = ZERO
    self_borne: Decimal = ZERO
    category_self_pay: Decimal = ZERO
    self_pay: Decimal = ZERO
    items: tuple[Item, ...] = ()

    @property
    def invoice_key(self) -> str:
        """How an invoice is recognised across claims: code + number (M3.4)."""
        return f"{self.invoice_code}-{self.invoice_number}" if self.invoice_code else self.invoice_number


@dataclass(frozen=True)
class Visit:
    visit_id: str
    kind: str
    date: date
    hospital: Hospital
    receipts: tuple[Receipt, ...] = ()
    discharge_date: date | None = None
    department: str | None = None
    first_visit: bool = False
    marked_emergency: bool = False
    insurance_card_used: bool = True
    rescue: bool = False
    self_discharge_without_surgery: bool = False
    other_paid: Decimal = ZERO
    record: Record | None = None
    discharge_summary: DischargeSummary | None = None

    @property
    def is_inpatient(self) -> bool:
        return self.kind == "inpatient"

    @property
    def is_marked_emergency(self) -> bool:
        return self.marked_emergency or self.kind == "emergency"

    @property
    def diagnosis_text(self) -> str:
        """Chief complaint and diagnosis: where the exclusion and D1 terms are looked for."""
        parts = []
        if self.record is not None:
            parts += [self.record.chief_complaint, self.record.diagnosis]
        if self.discharge_summary is not None:
            parts.append(self.discharge_summary.diagnosis)
        return " ".join(part for part in parts if part)


@dataclass(frozen=True)
class Claim:
    claim_id: str
    received_date: date
    member: Member
    documents: tuple[str, ...]
    visits: tuple[Visit, ...]
    ledger: Ledger = Ledger()  # of the policy year of the claim's first visit
    policy_year_start: date | None = None  # any policy year's start: the member's years run on from it
    other_year_ledgers: tuple[tuple[date, Ledger], ...] = ()  # of the later years a claim's visits reach
    requested_documents: tuple["RequestedDocument", ...] = ()  # further material the insurer asked for (M2.7)

    def ledger_of(self, year_start: date, claim_year: date) -> Ledger:
        if year_start == claim_year:
            return self.ledger
        return dict(self.other_year_ledgers).get(year_start, Ledger())


@dataclass(frozen=True)
class RequestedDocument:
    """Material the insurer asked the member for beyond the required documents (M2.7), and why."""

    document: str  # as the member reads it, e.g. 病历原件
    reason: str


# --- validation -------------------------------------------------------------


class _Fields:
    """Reads one JSON object at a key path; every error names the full path."""

    def __init__(self, obj: Any, path: str, allowed: tuple[str, ...]):
        if not isinstance(obj, dict):
            raise BadInputError(f"'{path or 'claim'}' must be an object, got {_json_type(obj)}")
        for key in obj:
            if key not in allowed:
                raise UnknownKeyError(f"unknown key '{_join(path, key)}'")
        self.obj, self.path = obj, path

    def at(self, key: str) -> str:
        return _join(self.path, key)

    def get(self, key: str, read: Callable[[Any, str], Any], default: Any = None, required: bool = False) -> Any:
        value = self.obj.get(key)
        if value is None:
            if required:
                raise BadInputError(f"missing key '{self.at(key)}'")
            return default
        return read(value, self.at(key))

    def require(self, key: str, read: Callable[[Any, str], Any]) -> Any:
        return self.get(key, read, required=True)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, Decimal)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else type(value).__name__


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise BadInputError(f"'{path}' must be a string, got {_json_type(value)}")
    return value


def _flag(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise BadInputError(f"'{path}' must be true or false, got {_json_type(value)}")
    return value


def _count(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadInputError(f"'{path}' must be a whole number >= 0, got {_json_type(value)}")
    return value


def _money(value: Any, path: str) -> Decimal:
    # Money is a string so that no float ever touches it; "12.5" is accepted as 12.50.
    if not isinstance(value, str):
        raise BadInputError(f"'{path}' must be money as a string like \"523.40\", got {_json_type(value)}")
    if not _MONEY.fullmatch(value.strip()):
        raise BadInputError(f"'{path}' must be money >= 0, below a trillion, with at most two decimals like "
                            f"\"523.40\", got {value!r}")
    return cents(Decimal(value.strip()))


def _date(value: Any, path: str) -> date:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise BadInputError(f"'{path}' must be a date \"YYYY-MM-DD\", got {_json_type(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInputError(f"'{path}' is an impossible date: {value!r}") from None


def _one_of(choices: tuple[str, ...]) -> Callable[[Any, str], str]:
    def read(value: Any, path: str) -> str:
        if value not in choices:
            raise BadInputError(f"'{path}' must be one of {', '.join(choices)}; got {_json_type(value)}")
        return value
    return read


def _list_of(read_one: Callable[[Any, str], Any]) -> Callable[[Any, str], tuple]:
    def read(value: Any, path: str) -> tuple:
        if not isinstance(value, list):
            raise BadInputError(f"'{path}' must be a list, got {_json_type(value)}")
        return tuple(read_one(element, f"{path}[{index}]") for index, element in enumerate(value))
    return read


def _requested_document(value: Any, path: str) -> RequestedDocument:
    fields = _Fields(value, path, ("document", "reason"))
    document, reason = fields.require("document", _text).strip(), fields.require("reason", _text).strip()
    if not document or not reason:
        raise BadInputError(f"'{path}' must name the document and the reason")
    return RequestedDocument(document, reason)


def _member(value: Any, path: str) -> Member:
    fields = _Fields(value, path, ("member_id", "name", "id_number", "blacklisted",
                                   "union_inpatient_plan", "other_insurer"))
    return Member(
        member_id=fields.require("member_id", _text),
        name=fields.get("name", _text),
        id_number=fields.get("id_number", _text),
        blacklisted=fields.get("blacklisted", _flag, False),
        union_inpatient_plan=fields.get("union_inpatient_plan", _flag, False),
        other_insurer=fields.get("other_insurer", _flag, False),
    )


def _ledger(value: Any, path: str) -> Ledger:
    fields = _Fields(value, path, ("outpatient_eligible_ytd", "outpatient_paid_ytd", "inpatient_paid_ytd",
                                   "hyperbaric_sessions_ytd", "claimed_invoices"))
    return Ledger(
        outpatient_eligible_ytd=fields.get("outpatient_eligible_ytd", _money, ZERO),
        outpatient_paid_ytd=fields.get("outpatient_paid_ytd", _money, ZERO),
        inpatient_paid_ytd=fields.get("inpatient_paid_ytd", _money, ZERO),
        hyperbaric_sessions_ytd=fields.get("hyperbaric_sessions_ytd", _count, 0),
        claimed_invoices=fields.get("claimed_invoices", _list_of(_text), ()),
    )


def _year_ledgers(value: Any, path: str) -> tuple[tuple[date, Ledger], ...]:
    """`{"2027-01-01": {ledger}}`: the ledgers of other policy years, by each year's start."""
    fields = _Fields(value, path, tuple(value) if isinstance(value, dict) else ())
    ledgers = []
    for key in fields.obj:
        year = _date(key, f"{path}.{key}")
        ledgers.append((year, fields.require(key, _ledger)))
    return tuple(sorted(ledgers))


def _policy_year_start(value: Any, path: str) -> date | None:
    return _Fields(value, path, ("year_start",)).get("year_start", _date)


def _hospital(value: Any, path: str) -> Hospital:
    fields = _Fields(value, path, ("name", "designated", "level", "public", "in_shanghai"))
    return Hospital(
        name=fields.require("name", _text),
        designated=fields.get("designated", _flag),
        level=fields.get("level", _count),
        public=fields.get("public", _flag),
        in_shanghai=fields.get("in_shanghai", _flag),
    )


def _record(value: Any, path: str) -> Record:
    fields = _Fields(value, path, RECORD_SECTIONS)
    texts = {section: fields.get(section, _text) for section in RECORD_SECTIONS
             if section not in ("visit_date", "doctor_signature")}
    return Record(visit_date=fields.get("visit_date", _date),
                  doctor_signature=fields.get("doctor_signature", _flag, False), **texts)


def _discharge_summary(value: Any, path: str) -> DischargeSummary:
    fields = _Fields(value, path, ("admission_date", "discharge_date", "diagnosis", "surgery",
                                   "treatment", "doctor_signature"))
    return DischargeSummary(
        admission_date=fields.get("admission_date", _date),
        discharge_date=fields.get("discharge_date", _date),
        diagnosis=fields.get("diagnosis", _text),
        surgery=fields.get("surgery", _text),
        treatment=fields.get("treatment", _text),
        doctor_signature=fields.get("doctor_signature", _flag, False),
    )


def _item(value: Any, path: str) -> Item:
    fields = _Fields(value, path, ("name", "category", "amount", "days", "drug_kind", "sessions", "self_pay"))
    return Item(
        name=fields.require("name", _text),
        amount=fields.require("amount", _money),
        category=fields.get("category", _text),
        days=fields.get("days", _count),
        drug_kind=fields.get("drug_kind", _one_of(DRUG_KINDS)),
        sessions=fields.get("sessions", _count),
        self_pay=fields.get("self_pay", _flag, False),
    )


_RECEIPT_MONEY = ("fund_paid", "additional_paid", "account_paid", "third_party_paid",
                  "self_borne", "category_self_pay", "self_pay")
_RECEIPT_FLAGS = {"original": True, "insurance_invoice": True, "complete": True, "legible": True,
                  "handwritten": False, "lost": False}


def _receipt(value: Any, path: str) -> Receipt:
    fields = _Fields(value, path, ("invoice_code", "invoice_number", "date", "total", "cash_paid", "items",
                                   *_RECEIPT_MONEY, *_RECEIPT_FLAGS))
    return Receipt(
        invoice_code=fields.get("invoice_code", _text),
        invoice_number=fields.require("invoice_number", _text),
        date=fields.get("date", _date),
        total=fields.require("total", _money),
        cash_paid=fields.get("cash_paid", _money),
        items=fields.get("items", _list_of(_item), ()),
        **{key: fields.get(key, _money, ZERO) for key in _RECEIPT_MONEY},
        **{key: fields.get(key, _flag, default) for key, default in _RECEIPT_FLAGS.items()},
    )


def _visit(value: Any, path: str) -> Visit:
    fields = _Fields(value, path, (
        "visit_id", "kind", "date", "discharge_date", "hospital", "department", "first_visit",
        "marked_emergency", "insurance_card_used", "rescue", "self_discharge_without_surgery",
        "other_paid", "record", "discharge_summary", "receipts"))
    return Visit(
        visit_id=fields.require("visit_id", _text),
        kind=fields.require("kind", _one_of(VISIT_KINDS)),
        date=fields.require("date", _date),
        discharge_date=fields.get("discharge_date", _date),
        hospital=fields.require("hospital", _hospital),
        department=fields.get("department", _text),
        first_visit=fields.get("first_visit", _flag, False),
        marked_emergency=fields.get("marked_emergency", _flag, False),
        insurance_card_used=fields.get("insurance_card_used", _flag, True),
        rescue=fields.get("rescue", _flag, False),
        self_discharge_without_surgery=fields.get("self_discharge_without_surgery", _flag, False),
        other_paid=fields.get("other_paid", _money, ZERO),
        record=fields.get("record", _record),
        discharge_summary=fields.get("discharge_summary", _discharge_summary),
        receipts=fields.require("receipts", _list_of(_receipt)),
    )


def parse_claim(obj: Any) -> Claim:
    """Validate the contract's input JSON (already decoded) into a typed Claim."""
    fields = _Fields(obj, "", ("claim_id", "received_date", "member", "policy", "ledger", "ledgers", "documents",
                               "visits", "requested_documents"))
    visits = fields.require("visits", _list_of(_visit))
    if not visits:
        raise BadInputError("'visits' must list at least one visit")
    visit_ids = [visit.visit_id for visit in visits]
    duplicated = sorted({visit_id for visit_id in visit_ids if visit_ids.count(visit_id) > 1})
    if duplicated:
        raise BadInputError(f"'visits' repeats visit_id {', '.join(duplicated)}")
    return Claim(
        claim_id=fields.require("claim_id", _text),
        received_date=fields.require("received_date", _date),
        member=fields.require("member", _member),
        documents=fields.require("documents", _list_of(_one_of(DOCUMENT_KINDS))),
        visits=visits,
        ledger=fields.get("ledger", _ledger, Ledger()),
        policy_year_start=fields.get("policy", _policy_year_start),
        other_year_ledgers=fields.get("ledgers", _year_ledgers, ()),
        requested_documents=fields.get("requested_documents", _list_of(_requested_document), ()),
    )
