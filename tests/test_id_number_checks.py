"""An ID number is sure only when more than its check digit says so (issue 14): a two-digit misread
keeps the check digit 1 time in 11, so the card's own 出生 and 性别 lines and the number's confidence
must agree, else it goes to review."""

from extractors.model import Document, Field
from pipeline import checks
from pipeline.normalize import id_number_problem

NUMBER_BOX, BIRTH_BOX, SEX_BOX = (300, 500, 900, 540), (120, 300, 500, 340), (120, 200, 300, 240)


def _id_copy(number: str, birth: str | None = "1981-03-15", sex: str | None = "男", confidence: float = 0.98,
             birth_box=BIRTH_BOX) -> Document:
    fields = {"name": Field("张伟", 0.99, 1, (120, 100, 300, 140)),
              "id_number": Field(number, confidence, 1, NUMBER_BOX)}
    if birth:
        fields["birth_date"] = Field(birth, 0.99, 1, birth_box)
    if sex:
        fields["sex"] = Field(sex, 0.99, 1, SEX_BOX)
    return checks.check_document(Document("id_copy.jpg", 1, "id_copy", 0.99, 0, fields))


def test_a_number_the_card_agrees_with_is_sure():
    assert _id_copy("310101198103152316").needs_review == []


def test_two_birth_digits_misread_with_the_check_digit_holding_go_to_review():
    misread = "310101278103152316"  # 19 read as 27: the check digit still holds
    assert id_number_problem(misread) is None
    document = _id_copy(misread)
    assert "id_number" in document.needs_review
    failed = [check for check in document.checks if not check.ok]
    assert [check.check for check in failed] == ["id_number_agrees_with_card"] and "出生" in failed[0].detail


def test_a_misread_sex_digit_goes_to_review():
    misread = next(f"3101011981031523{digit}{check}" for digit in "02468" for check in "0123456789X"
                   if id_number_problem(f"3101011981031523{digit}{check}") is None)
    assert "id_number" in _id_copy(misread).needs_review


def test_a_number_nothing_on_the_card_confirms_goes_to_review():
    # 出生 not read: the extractor derives it from the number (the number's own box), which proves nothing
    document = _id_copy("310101198103152316", birth="1981-03-15", birth_box=NUMBER_BOX, sex=None)
    assert "id_number" in document.needs_review


def test_sequence_digits_misread_rest_on_the_numbers_confidence():
    misread = "310101198103150716"  # 23 read as 07: birth date and sex digit untouched, check digit holds
    assert id_number_problem(misread) is None
    assert "id_number" in _id_copy(misread, confidence=0.93).needs_review
