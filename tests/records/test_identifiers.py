"""What users type: identifiers, names, dates and OTPs (pure functions)."""

from __future__ import annotations

from datetime import date

import pytest

from vssid.privacy import mask_phone
from vssid.services import identifiers as ids
from vssid.services.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("0101234567", ids.BHXH_CODE, "0101234567"),
        ("01 0123 4567", ids.BHXH_CODE, "0101234567"),
        ("mã số BHXH của tôi là 0101234567", ids.BHXH_CODE, "0101234567"),
        ("001085001234", ids.ID_NUMBER, "001085001234"),
        ("CCCD: 001.085.001.234", ids.ID_NUMBER, "001085001234"),
        ("201234567", ids.ID_NUMBER, "201234567"),
    ],
)
def test_valid_identifiers(text: str, kind: str, value: str) -> None:
    assert ids.parse_identifier(text) == ids.Identifier(kind, value)


@pytest.mark.parametrize(
    ("text", "reason", "digits"),
    [
        ("79123", ids.REASON_LENGTH, 5),
        ("01012345678", ids.REASON_LENGTH, 11),
        ("79123abc45", ids.REASON_NOT_DIGITS, 7),
        ("abcdefghij", ids.REASON_NOT_DIGITS, 0),
        ("", ids.REASON_EMPTY, 0),
    ],
)
def test_malformed_identifiers_say_why(text: str, reason: str, digits: int) -> None:
    with pytest.raises(InvalidInput) as error:
        ids.parse_identifier(text)
    assert (error.value.reason, error.value.digits) == (reason, digits)


@pytest.mark.parametrize("text", ["0101234567", "79123", "abc"])
def test_id_number_must_be_cccd_or_cmnd(text: str) -> None:
    with pytest.raises(InvalidInput):
        ids.parse_id_number(text)


@pytest.mark.parametrize(
    ("typed", "registered", "same"),
    [
        ("nguyen van an", "Nguyễn Văn An", True),
        ("  NGUYỄN   văn an ", "Nguyễn Văn An", True),
        ("Đặng Minh Hải", "Dang Minh Hai", True),
        ("Nguyễn Văn Anh", "Nguyễn Văn An", False),
        ("", "Nguyễn Văn An", False),
    ],
)
def test_names_match_ignoring_case_diacritics_and_spaces(typed: str, registered: str, same: bool) -> None:
    assert ids.names_match(typed, registered) is same


@pytest.mark.parametrize(
    "text", ["15/03/1985", "15-3-1985", "1985-03-15", "15031985", "ngày 15 tháng 3 năm 1985", "15.03.1985"]
)
def test_dates_of_birth(text: str) -> None:
    assert ids.parse_date_of_birth(text) == date(1985, 3, 15)


@pytest.mark.parametrize("text", ["31/02/1990", "hôm qua", "15/03/2999", "01/01/1850", ""])
def test_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        ids.parse_date_of_birth(text)


@pytest.mark.parametrize(
    ("text", "ok"), [("123456", True), ("123 456", True), ("12345", False), ("12345a", False)]
)
def test_otp_format(text: str, ok: bool) -> None:
    if ok:
        assert ids.parse_otp(text) == text.replace(" ", "")
    else:
        with pytest.raises(InvalidInput):
            ids.parse_otp(text)


def test_full_name_is_tidied_and_needs_two_words() -> None:
    assert ids.parse_full_name(" nguyễn  văn AN ") == "Nguyễn Văn An"
    with pytest.raises(InvalidInput):
        ids.parse_full_name("An")
    with pytest.raises(InvalidInput):
        ids.parse_full_name("Nguyen Van 123")


def test_phone_mask_shape_used_in_answers() -> None:
    assert mask_phone("0912345678") == "09xx xxx 678"
