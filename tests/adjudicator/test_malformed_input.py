"""Malformed claims raise BadInputError (or its UNKNOWN_KEY subclass) with a one-line message."""

import copy
import json
from pathlib import Path

import pytest

from adjudicator import BadInputError, UnknownKeyError, adjudicate_json, parse_claim

EXAMPLE_FILE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "claim.json"  # the API's own example
EXAMPLE = json.loads(EXAMPLE_FILE.read_text(encoding="utf-8"))


def _error_for(mutate) -> BadInputError:
    claim = copy.deepcopy(EXAMPLE)
    mutate(claim)
    with pytest.raises(BadInputError) as caught:
        parse_claim(claim)
    assert "\n" not in caught.value.one_line()
    return caught.value


def test_not_json():
    with pytest.raises(BadInputError) as caught:
        adjudicate_json("{not json")
    assert caught.value.message.startswith("not JSON: ")
    assert caught.value.code == "BAD_INPUT"


def test_unknown_key_names_its_path():
    error = _error_for(lambda claim: claim["visits"][0]["receipts"][0].update(foo=1))
    assert isinstance(error, UnknownKeyError)
    assert error.code == "UNKNOWN_KEY"
    assert error.message == "unknown key 'visits[0].receipts[0].foo'"


def test_unknown_top_level_key():
    assert _error_for(lambda claim: claim.update(extra=True)).message == "unknown key 'extra'"


def test_money_as_a_number_is_refused():
    error = _error_for(lambda claim: claim["visits"][0]["receipts"][0].update(total=523.4))
    assert "visits[0].receipts[0].total" in error.message and "string" in error.message


def test_money_with_three_decimals_is_refused():
    error = _error_for(lambda claim: claim["visits"][0]["receipts"][0].update(total="523.401"))
    assert "two decimals" in error.message


def test_money_with_one_decimal_is_accepted():
    claim = copy.deepcopy(EXAMPLE)
    claim["visits"][0]["receipts"][0]["items"][0]["amount"] = "10.0"
    assert str(parse_claim(claim).visits[0].receipts[0].items[0].amount) == "10.00"


def test_impossible_date():
    error = _error_for(lambda claim: claim["visits"][0].update(date="2026-02-30"))
    assert error.message == "'visits[0].date' is an impossible date: '2026-02-30'"


def test_wrong_type():
    error = _error_for(lambda claim: claim["member"].update(blacklisted="no"))
    assert error.message == "'member.blacklisted' must be true or false, got the string 'no'"


def test_bad_enum():
    error = _error_for(lambda claim: claim["visits"][0].update(kind="dental"))
    assert "'visits[0].kind' must be one of outpatient, emergency, inpatient" in error.message


def test_missing_required_key():
    assert _error_for(lambda claim: claim.pop("received_date")).message == "missing key 'received_date'"


def test_not_an_object():
    with pytest.raises(BadInputError, match="'claim' must be an object"):
        parse_claim([1, 2])


def test_numbers_decoded_as_decimal_are_still_not_money():
    text = json.dumps(EXAMPLE).replace('"total": "523.40"', '"total": 523.40')
    with pytest.raises(BadInputError, match="money as a string"):
        adjudicate_json(text)
