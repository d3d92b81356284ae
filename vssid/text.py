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
