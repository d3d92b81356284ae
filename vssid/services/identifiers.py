"""Parsing and normalising what users type: BHXH codes, CCCD/CMND, names, dates, OTPs.

Pure functions with no I/O; they raise `InvalidInput` with a `reason` the actions map to a
Vietnamese message.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from vssid.services.errors import InvalidInput
from vssid.text import fold_words

BHXH_CODE = "bhxh_code"
ID_NUMBER = "id_number"

# InvalidInput reasons
REASON_EMPTY = "empty"
REASON_NOT_DIGITS = "not_digits"  # letters or other characters inside the number
REASON_LENGTH = "length"  # digits only, but not 10 (BHXH), 12 (CCCD) or 9 (CMND)
REASON_NAME = "name"
REASON_DATE = "date"
REASON_OTP = "otp"

BHXH_CODE_LENGTH = 10
CCCD_LENGTH = 12
CMND_LENGTH = 9
OTP_LENGTH = 6

_SEPARATORS = re.compile(r"[\s.\-]+")
_DIGIT_RUN = re.compile(r"\d+")
_NAME = re.compile(r"^[^\W\d_]+(?: [^\W\d_]+)+$")
# Words people put around the number ("mã số BHXH của tôi là ...", "CCCD: ...").
_FILLER = re.compile(
    r"\b(?:ma|so|bhxh|bao|hiem|xa|hoi|cccd|cmnd|can|cuoc|cong|dan|chung|minh|nhan|the|bhyt|"
    r"cua|toi|minh|em|anh|chi|la|day|nhe|a|ah|otp|code|ma\s*so)\b"
)


@dataclass(frozen=True)
class Identifier:
    """A syntactically valid BHXH code or CCCD/CMND number."""

    kind: str  # BHXH_CODE | ID_NUMBER
    value: str


def names_match(typed: str, registered: str) -> bool:
    """Full names compared without case, diacritics or extra spaces."""
    return bool(typed.strip()) and fold_words(typed) == fold_words(registered)


def _number_in(text: str) -> str:
    """The single number in `text` (separators allowed), or raise with the reason it is not one."""
    if not text or not text.strip():
        raise InvalidInput(REASON_EMPTY)
    folded = fold_words(text)
    remainder = _FILLER.sub(" ", folded)
    compact = _SEPARATORS.sub("", remainder)
    if not compact:
        raise InvalidInput(REASON_NOT_DIGITS)
    if not compact.isdigit():
        raise InvalidInput(REASON_NOT_DIGITS, digits=sum(ch.isdigit() for ch in compact))
    return compact


def parse_identifier(text: str) -> Identifier:
    """A 10-digit BHXH code, 12-digit CCCD or 9-digit CMND typed with or without separators."""
    number = _number_in(text)
    if len(number) == BHXH_CODE_LENGTH:
        return Identifier(BHXH_CODE, number)
    if len(number) in (CCCD_LENGTH, CMND_LENGTH):
        return Identifier(ID_NUMBER, number)
    raise InvalidInput(REASON_LENGTH, digits=len(number))


def parse_id_number(text: str) -> str:
    """A 12-digit CCCD or 9-digit CMND."""
    number = _number_in(text)
    if len(number) not in (CCCD_LENGTH, CMND_LENGTH):
        raise InvalidInput(REASON_LENGTH, digits=len(number))
    return number


def parse_full_name(text: str) -> str:
    """A full name of at least two words of letters, tidied: ' nguyễn  văn an ' -> 'Nguyễn Văn An'."""
    cleaned = " ".join(unicodedata.normalize("NFC", text or "").split())
    if not _NAME.match(cleaned) or len(cleaned) > 100:
        raise InvalidInput(REASON_NAME)
    return " ".join(word[:1].upper() + word[1:].lower() for word in cleaned.split())


_DATE_DMY = re.compile(r"^(\d{1,2})\D+(\d{1,2})\D+(\d{4})$")
_DATE_YMD = re.compile(r"^(\d{4})\D+(\d{1,2})\D+(\d{1,2})$")
_DATE_COMPACT = re.compile(r"^(\d{2})(\d{2})(\d{4})$")
_DATE_WORDS = re.compile(r"\b(?:ngay|thang|nam|sinh)\b")


def parse_date_of_birth(text: str, *, today: date | None = None) -> date:
    """'05/03/1990', '5-3-1990', '1990-03-05', '05031990', 'ngày 5 tháng 3 năm 1990'."""
    today = today or date.today()
    folded = _DATE_WORDS.sub(" ", fold_words(text or "")).strip()
    folded = " ".join(folded.split())
    try:
        if (ymd := _DATE_YMD.match(folded)) is not None:
            year, month, day = (int(g) for g in ymd.groups())
        elif (dmy := _DATE_DMY.match(folded) or _DATE_COMPACT.match(folded.replace(" ", ""))) is not None:
            day, month, year = (int(g) for g in dmy.groups())
        else:
            raise InvalidInput(REASON_DATE)
        born = date(year, month, day)
    except ValueError as error:
        raise InvalidInput(REASON_DATE) from error
    if not date(1900, 1, 1) <= born <= today:
        raise InvalidInput(REASON_DATE)
    return born


def parse_otp(text: str) -> str:
    """Exactly six digits (spaces allowed: '123 456')."""
    compact = _SEPARATORS.sub("", (text or "").strip())
    if len(compact) != OTP_LENGTH or not compact.isdigit():
        raise InvalidInput(REASON_OTP)
    return compact
