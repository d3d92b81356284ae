"""Folding Vietnamese text, the one implementation every feature uses (NLU, records, places).

`fold("Đổi SĐT!")` -> `"doi sdt!"`: NFC, lower case, đ -> d, combining marks removed, nothing
else changed (offsets of words stay meaningful). `fold_words` also drops punctuation and extra
spaces, for comparing names and places: `fold_words("Cầu  Giấy.")` -> `"cau giay"`.
Pure functions without Rasa imports.
"""

from __future__ import annotations

import re
import unicodedata

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


# A rating typed as star emoji ("⭐⭐⭐⭐", "★★★☆☆"): a run of stars, emoji variation selectors
# and empty stars allowed between them. Only the filled stars count.
STAR_RUN = re.compile("[\u2b50\u2605\U0001f31f][\u2b50\u2605\u2606\U0001f31f\ufe0f\\s]*")
_FILLED_STARS = re.compile("[\u2b50\u2605\U0001f31f]")


def star_count(text: str) -> int:
    """Filled stars in `text`, at most 5: '⭐⭐⭐⭐' -> 4, '★★★☆☆' -> 3, 'abc' -> 0."""
    return min(len(_FILLED_STARS.findall(text)), 5)
