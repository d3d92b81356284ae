"""Folding Vietnamese text, the one implementation every feature uses (NLU, records, places).

`fold("Đổi SĐT!")` -> `"doi sdt!"`: NFC, lower case, đ -> d, combining marks removed, nothing
else changed (offsets of words stay meaningful). `fold_words` also drops punctuation and extra
spaces, for comparing names and places: `fold_words("Cầu  Giấy.")` -> `"cau giay"`.
Pure functions without Rasa imports.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# "đ" has no Unicode decomposition; "ð" (Icelandic eth) is a common look-alike typed for it.
_LETTER_MAP = str.maketrans({"đ": "d", "ð": "d", "Đ": "d", "Ð": "d"})
_WORDS = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower-case, NFC, đ -> d and diacritics removed; punctuation and spacing kept."""
    text = unicodedata.normalize("NFC", text).lower().translate(_LETTER_MAP)
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped)


def fold_words(text: str) -> str:
    """The folded words of `text` joined by single spaces: 'Cầu  Giấy' -> 'cau giay'."""
    return " ".join(_WORDS.findall(fold(text)))


# A rating written as a mark instead of words: a run of star emoji ("⭐⭐⭐⭐", "★★★☆☆": only the
# filled stars count, emoji variation selectors allowed), or a score with its scale or a star
# ("4/5", "8/10", "5*", "4 ⭐"). Dates, phone numbers and sums are not marks: a score touching
# another digit, "/", "." , ":" or "-" is left alone ("15/08/1990", "4/5/2024"), and so is a day
# and month: "N/5" or "N/10" after a date word or before a year ("sinh ngày 4/5", "4/5 năm 1990").
_STAR = "\u2b50\u2605\U0001f31f"
STAR_RUN = re.compile(f"[{_STAR}][{_STAR}\u2606\ufe0f\\s]*")
_FILLED_STARS = re.compile(f"[{_STAR}]")
_DATE_BEFORE = {"ngay", "sinh", "hom", "thang", "mung", "tu", "den", "truoc", "sau", "luc", "han"}
_DATE_AFTER = re.compile(r"\s*(?:nam\b|\d)")
_SCORE = re.compile(f"(?<![\\d/.,:-])(\\d{{1,2}})\\s*(?:/\\s*(5|10)|([*{_STAR}]))(?![\\d/.,:*-])")


@dataclass(frozen=True)
class RatingMark:
    start: int
    end: int
    score: int
    scale: int  # 5 (stars) or 10 (points)

    @property
    def phrase(self) -> str:
        """The words the mark stands for, as a user would type them: '4 sao', '8 điểm'."""
        return f"{self.score} sao" if self.scale == 5 else f"{self.score} điểm"


def star_count(text: str) -> int:
    """Filled stars in `text`, at most 5: '⭐⭐⭐⭐' -> 4, '★★★☆☆' -> 3, 'abc' -> 0."""
    return min(len(_FILLED_STARS.findall(text)), 5)


def _is_day_and_month(text: str, start: int, end: int) -> bool:
    words_before = fold_words(text[:start]).split()[-2:]
    return bool(_DATE_BEFORE.intersection(words_before)) or bool(_DATE_AFTER.match(fold(text[end:])))


def rating_marks(text: str) -> list[RatingMark]:
    """Ratings written as marks in `text`, in order (see the patterns above)."""
    marks = []
    for match in _SCORE.finditer(text):
        score, scale = int(match.group(1)), int(match.group(2) or 5)
        if score <= scale and not (match.group(2) and _is_day_and_month(text, match.start(), match.end())):
            marks.append(RatingMark(match.start(), match.end(), score, scale))
    for match in STAR_RUN.finditer(text):
        end = match.start() + len(match.group(0).rstrip())
        if not any(m.start <= match.start() < m.end for m in marks):
            marks.append(RatingMark(match.start(), end, star_count(match.group(0)), 5))
    return sorted(marks, key=lambda mark: mark.start)
