"""Personal details written inside a request: "tra mã số BHXH, tôi là Nguyễn Văn An, sinh
15/03/1985, CCCD 001085001234".

Pure functions with no I/O. They find a candidate (a full name, a birth date) in free text and
return it only if the same parsers the forms use accept it; anything doubtful is left for the
form to ask. Numbers (CCCD/CMND, BHXH code) come from the NLU entity extractor, not from here.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from vssid.services import identifiers
from vssid.services.errors import InvalidInput
from vssid.text import fold

# Dates inside a sentence: 15/03/1985, 15-3-1985, 15.03.1985, 1985-03-15, "15 tháng 3 năm 1985".
_DATE_IN_TEXT = re.compile(
    r"(?<!\d)(?:\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{4}"
    r"|\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}\s+thang\s+\d{1,2}\s+(?:nam\s+)?\d{4})(?!\d)"
)
# What introduces a name ("tôi là", "tên", "họ và tên:"), in folded form.
_NAME_MARKER = re.compile(r"\b(?:ho va ten|ho ten|ten toi la|ten la|ten|toi la|minh la|em la|la)\s*:?\s+")
_WORD = re.compile(r"[^\W\d_]+")
# Folded words that end a name or can never be part of one.
_NOT_NAME = frozenset(
    """sinh ngay thang nam so ma cccd cmnd can cuoc cong dan chung minh nhan dan bhxh bhyt vssid
    toi minh em anh chi tra cuu giup voi va o que dia chi sdt dien thoai the kiem xem cua nhe a
    oi ad ban duoc khong ko can muon hay cho xin vui long la ten ho""".split()
)
MIN_NAME_WORDS, MAX_NAME_WORDS = 2, 6


def _folded_same_length(text: str) -> str:
    """`fold` character by character, so offsets in the result are offsets in `text`."""
    out = []
    for ch in text:
        folded = fold(ch)
        out.append(folded if len(folded) == 1 else ch.lower())
    return "".join(out)


def find_date_of_birth(text: str, *, today: date | None = None) -> date | None:
    """The first valid birth date written in `text`, or None."""
    folded = _folded_same_length(unicodedata.normalize("NFC", text or ""))
    for match in _DATE_IN_TEXT.finditer(folded):
        try:
            return identifiers.parse_date_of_birth(match.group(0), today=today)
        except InvalidInput:
            continue
    return None


def _name_from(words: list[tuple[str, str]]) -> str | None:
    """Leading words (original, folded) that can form a name, tidied; None if too few."""
    taken: list[str] = []
    for original, folded in words:
        if folded in _NOT_NAME or len(taken) == MAX_NAME_WORDS:
            break
        taken.append(original)
    if len(taken) < MIN_NAME_WORDS:
        return None
    try:
        return identifiers.parse_full_name(" ".join(taken))
    except InvalidInput:
        return None


def _words_after(text: str, folded: str, start: int) -> list[tuple[str, str]]:
    """Words from `start` up to the first punctuation or digit: (original, folded) pairs."""
    stop = re.search(r"[,;.:!?()\d\n]", text[start:])
    end = start + stop.start() if stop else len(text)
    return [(m.group(0), folded[m.start() : m.end()]) for m in _WORD.finditer(text, start, end)]


def find_full_name(text: str) -> str | None:
    """A full name written after "tôi là"/"tên"/"họ tên", or as Capitalised Words; else None."""
    text = unicodedata.normalize("NFC", text or "")
    folded = _folded_same_length(text)
    for marker in _NAME_MARKER.finditer(folded):
        name = _name_from(_words_after(text, folded, marker.end()))
        if name:
            return name
    # No marker: a run of capitalised words ("Nguyễn Văn An, 15/03/1985, ...").
    run: list[tuple[str, str]] = []
    previous_end = 0
    for match in _WORD.finditer(text):
        word, folded_word = match.group(0), folded[match.start() : match.end()]
        joined = not text[previous_end : match.start()].strip()  # only spaces since the last word
        previous_end = match.end()
        if run and not joined:
            if len(run) >= MIN_NAME_WORDS:
                break
            run = []
        if word[:1].isupper() and folded_word not in _NOT_NAME:
            run.append((word, folded_word))
            continue
        if len(run) >= MIN_NAME_WORDS:
            break
        run = []
    return _name_from(run) if len(run) >= MIN_NAME_WORDS else None
