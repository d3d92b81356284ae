"""Deterministic extraction of phone numbers, BHXH codes, CCCD/CMND numbers and e-mails.

Pure functions (no Rasa imports). The rules, in order:

1. Digit groups joined by one space, dot or dash ("0912 345 678", "079.123.456.789") form a chain;
   a chain starts and ends at a digit boundary (no digit right before or after it). "+84", "(+84)"
   or a bare "84" before a mobile number is rewritten to "0". Chains followed by a money word
   ("đ", "vnd", "triệu", "k", ...) are amounts, not identifiers.
2. A chain is cut, left to right, into the longest runs whose digit count is valid:
   12 -> ``id_number`` (CCCD), 9 -> ``id_number`` (CMND), 10 -> phone or BHXH code (rule 3),
   11 -> ``phone`` when it is a landline "02x..." or "84" + mobile number.
3. A 10-digit number is a ``phone`` only if it has a Vietnamese mobile shape (0 + 3/5/7/8/9 + 8 digits).
   A phone-shaped number is still a ``bhxh_code`` when the *closest* strong context word is a BHXH
   word ("mã số", "mã BHXH", "số sổ", ...) rather than a phone word ("sdt", "số điện thoại", "đt",
   "zalo", ...). Context is read in the text since the previous number (and, if that has no strong
   word, up to the next number). With no strong word, a weak BHXH word ("bhxh", "bảo hiểm") makes it
   a ``bhxh_code``; otherwise it is a ``phone``. Any other 10-digit number is a ``bhxh_code``.
Values are normalized: digits only ("0912345678"), e-mails lower-cased.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vssid.nlu.normalize import fold

PHONE = "phone"
BHXH_CODE = "bhxh_code"
ID_NUMBER = "id_number"
EMAIL = "email"


@dataclass(frozen=True)
class EntitySpan:
    entity: str
    value: str
    start: int
    end: int


_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_GROUP = re.compile(r"\d+")
_SEPARATOR = re.compile(r"[ .\-]")
# "+84 912...", "(+84) 912...", "+84-912..." : the prefix group is recognised by what precedes it.
_PLUS_BEFORE = re.compile(r"\(?\+$")
_AFTER_PLUS84 = re.compile(r"\)?[ .\-]?")
_MONEY_AFTER = re.compile(
    r"\s*(?:đ|d|vnd|vnđ|đồng|dong|nghìn|nghin|ngàn|ngan|tr|triệu|trieu|tỷ|ty|k)\b", re.IGNORECASE
)
_MOBILE = re.compile(r"0[35789]\d{8}")
_LANDLINE = re.compile(r"02\d{9}")

_PHONE_WORDS = ("sdt", "so dien thoai", "dien thoai", "dt", "so dt", "di dong", "phone", "zalo", "sim")
_BHXH_WORDS = ("ma so", "ma bhxh", "ma bh", "so bhxh", "so so", "msbhxh", "mbhxh", "ma so bhxh", "ma the")
_WEAK_BHXH_WORDS = ("bhxh", "bao hiem", "bhyt")


def _word_regex(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


_PHONE_RE = _word_regex(_PHONE_WORDS)
_BHXH_RE = _word_regex(_BHXH_WORDS)
_WEAK_BHXH_RE = _word_regex(_WEAK_BHXH_WORDS)


@dataclass
class _Group:
    digits: str
    start: int
    end: int


def find_emails(text: str) -> list[EntitySpan]:
    return [EntitySpan(EMAIL, m.group(0).lower(), m.start(), m.end()) for m in _EMAIL.finditer(text)]


def _chains(text: str, blocked: list[tuple[int, int]]) -> list[list[_Group]]:
    """Digit groups joined by single separators, outside blocked spans (e-mails)."""
    chains: list[list[_Group]] = []
    for match in _GROUP.finditer(text):
        if any(start <= match.start() < end for start, end in blocked):
            continue
        group = _Group(match.group(0), match.start(), match.end())
        previous = chains[-1][-1] if chains else None
        gap = text[previous.end : group.start] if previous else None
        joins = gap is not None and (
            _SEPARATOR.fullmatch(gap) is not None
            or (previous.digits == "84" and _AFTER_PLUS84.fullmatch(gap) is not None)
        )
        if joins:
            chains[-1].append(group)
        else:
            chains.append([group])
    return chains


def _kind(digits: str, has_plus: bool) -> tuple[str, str] | None:
    """(entity, normalized digits) for a run of digits, or None when no identifier has that length."""
    if digits.startswith("84") and len(digits) == 11 and _MOBILE.fullmatch("0" + digits[2:]):
        return PHONE, "0" + digits[2:]
    if has_plus:
        return None
    if len(digits) == 12:
        return ID_NUMBER, digits
    if len(digits) == 9:
        return ID_NUMBER, digits
    if len(digits) == 11 and _LANDLINE.fullmatch(digits):
        return PHONE, digits
    if len(digits) == 10:
        return (PHONE if _MOBILE.fullmatch(digits) else BHXH_CODE), digits
    return None


def _split_chain(text: str, chain: list[_Group]) -> list[tuple[str, str, int, int]]:
    """Cut a chain into the longest valid runs, left to right."""
    found = []
    i = 0
    while i < len(chain):
        has_plus = _PLUS_BEFORE.search(text[: chain[i].start]) is not None
        for j in range(len(chain) - 1, i - 1, -1):
            kind = _kind("".join(g.digits for g in chain[i : j + 1]), has_plus)
            if kind:
                # the span starts at the first digit, also after "+" (as the training data marks it)
                found.append((kind[0], kind[1], chain[i].start, chain[j].end))
                i = j + 1
                break
        else:
            i += 1
    return found


def _closest(pattern: re.Pattern[str], context: str, before: bool) -> int | None:
    """Distance in characters from the number to the closest keyword match in ``context``."""
    matches = list(pattern.finditer(context))
    if not matches:
        return None
    if before:
        return len(context) - matches[-1].end()
    return matches[0].start()


def _phone_or_bhxh(before: str, after: str) -> str:
    for context, is_before in ((fold(before), True), (fold(after), False)):
        phone = _closest(_PHONE_RE, context, is_before)
        bhxh = _closest(_BHXH_RE, context, is_before)
        if phone is not None or bhxh is not None:
            if bhxh is None or (phone is not None and phone < bhxh):
                return PHONE
            return BHXH_CODE
    if _WEAK_BHXH_RE.search(fold(before)) or _WEAK_BHXH_RE.search(fold(after)):
        return BHXH_CODE
    return PHONE


def find_numbers(text: str, blocked: list[tuple[int, int]] | None = None) -> list[EntitySpan]:
    """Phone numbers, BHXH codes and CCCD/CMND numbers in ``text`` (see module docstring)."""
    runs = []
    for chain in _chains(text, blocked or []):
        if _MONEY_AFTER.match(text, chain[-1].end):
            continue
        runs.extend(_split_chain(text, chain))
    spans = []
    for index, (entity, value, start, end) in enumerate(runs):
        if entity == PHONE and len(value) == 10:
            previous_end = runs[index - 1][3] if index else 0
            next_start = runs[index + 1][2] if index + 1 < len(runs) else len(text)
            entity = _phone_or_bhxh(text[previous_end:start], text[end:next_start])
        spans.append(EntitySpan(entity, value, start, end))
    return spans


def find_entities(text: str) -> list[EntitySpan]:
    """E-mails and identifier numbers of ``text``, ordered by position."""
    emails = find_emails(text)
    numbers = find_numbers(text, blocked=[(e.start, e.end) for e in emails])
    return sorted(emails + numbers, key=lambda span: span.start)
