"""Text folding for Vietnamese as users really type it: no diacritics, teencode, repeated letters.

Pure functions, no Rasa imports, so they are cheap to unit-test and reuse (gazetteer, extractors).

``fold("Đổi SĐT")`` -> ``"doi sdt"``: NFC, lower case, đ -> d, combining marks removed.
Unlike Rasa's ``strip_accents: ascii`` (which drops "đ" because it has no decomposition), the
folded form keeps every letter, so "đổi" and "doi" become the same feature.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from vssid.text import fold

__all__ = [
    "bag_of_words",
    "fold",
    "has_diacritics",
    "is_unaccented",
    "normalize_text",
    "normalize_word",
    "squeeze_repeats",
]

# Letters typed three or more times ("khongggg", "okkkk") carry no meaning.
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")
# Word tokens: letters or digits, never mixed ("sdt0912..." -> "sdt", "0912..."). Combining marks
# are part of a word: some Vietnamese keyboards send decomposed (NFD) text.
WORD_PATTERN = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+|\d+")

# Teencode and abbreviations -> folded expansion. Keys are folded forms, so "đc" and "dc" both match.
# Ambiguous shorthands ("a", "bt", "k" as thousand) are left out on purpose.
TEENCODE: dict[str, str] = {
    # negation
    "ko": "khong",
    "k": "khong",
    "kg": "khong",
    "kh": "khong",
    "khg": "khong",
    "hk": "khong",
    "hok": "khong",
    "hem": "khong",
    "khum": "khong",
    "kp": "khong phai",
    # common words
    "dc": "duoc",
    "dk": "dang ky",
    "dky": "dang ky",
    "dki": "dang ky",
    "dag": "dang",
    "j": "gi",
    "gj": "gi",
    "z": "vay",
    "v": "vay",
    "r": "roi",
    "cx": "cung",
    "cg": "cung",
    "ms": "moi",
    "trc": "truoc",
    "ntn": "nhu the nao",
    "bn": "bao nhieu",
    "bnhieu": "bao nhieu",
    "ng": "nguoi",
    "mn": "moi nguoi",
    "mik": "minh",
    "mk": "mat khau",
    "mh": "minh",
    "mjk": "minh",
    "mjh": "minh",
    "t": "toi",
    "e": "em",
    "ae": "anh em",
    "vs": "voi",
    "oke": "ok",
    "okie": "ok",
    "okay": "ok",
    "oki": "ok",
    "lm": "lam",
    "ns": "noi",
    "bik": "biet",
    "bit": "biet",
    "kb": "khong biet",
    "hs": "ho so",
    "nv": "nhan vien",
    "hd": "huong dan",
    "tt": "thong tin",
    "gd": "gia dinh",
    "ntin": "nhan tin",
    "tn": "tin nhan",
    "dt": "dien thoai",
    "dthoai": "dien thoai",
    # domain shorthands
    "sdt": "so dien thoai",
    "pass": "mat khau",
    "pw": "mat khau",
    "passwork": "mat khau",
    "password": "mat khau",
    "mkhau": "mat khau",
    "qmk": "quen mat khau",
    "dmk": "doi mat khau",
    "tk": "tai khoan",
    "acc": "tai khoan",
    "account": "tai khoan",
    "cmt": "cmnd",
    "cancuoc": "can cuoc",
    "bh": "bao hiem",
    "vssd": "vssid",
    "vsid": "vssid",
    "tks": "cam on",
    "thks": "cam on",
    "thanks": "cam on",
    "thank": "cam on",
    "thanku": "cam on",
    "camon": "cam on",
    "cmon": "cam on",
    "hello": "xin chao",
    "hi": "xin chao",
    "helo": "xin chao",
    "bye": "tam biet",
    "bb": "tam biet",
    "pp": "tam biet",
}


def squeeze_repeats(word: str) -> str:
    """'khongggg' -> 'khong'; doubled letters stay ('xoong')."""
    return _REPEATS.sub(r"\1", word)


def _has_marks(word: str) -> bool:
    return any(unicodedata.category(ch) == "Mn" for ch in unicodedata.normalize("NFD", word))


def has_diacritics(text: str) -> bool:
    """True when the text carries any Vietnamese diacritic or 'đ' (folding changes it)."""
    return fold(text) != unicodedata.normalize("NFC", text).lower()


# Accented words kept apart from the word they fold into: "còn" (still; "and what about ...", the
# opener of most follow-ups) would otherwise be "con" (a child, the topic of register_child).
# Typed without marks the two stay one word: nothing tells them apart there.
KEPT_ACCENTED = frozenset({"còn"})


@functools.lru_cache(maxsize=65536)  # pure, and words repeat: the training words 1.0 s -> 0.14 s
def normalize_word(word: str) -> str:
    """Folded, de-repeated and teencode-expanded form of one word token (may contain spaces).

    Teencode is expanded only for words typed without tone or vowel marks ("đ" is allowed, as in
    "đc", "sđt"): a word with marks is never shorthand, e.g. "hỏng" must not read as "hong".
    A word of ``KEPT_ACCENTED`` keeps its marks.
    """
    lowered = unicodedata.normalize("NFC", word).lower()
    if lowered in KEPT_ACCENTED:
        return lowered
    folded = squeeze_repeats(fold(word))
    if _has_marks(word):
        return folded
    return TEENCODE.get(folded, folded)


def is_unaccented(text: str) -> bool:
    """True for text typed without any diacritics (the 'unaccented' evaluation subset)."""
    return not has_diacritics(text)


def normalize_text(text: str) -> str:
    """Whole-sentence normal form: normalized words joined by single spaces."""
    return " ".join(normalize_word(m.group(0)) for m in WORD_PATTERN.finditer(text))


def bag_of_words(text: str) -> str:
    """Word-order-insensitive normal form: a unigram featurizer cannot tell such messages apart."""
    return " ".join(sorted(normalize_text(text).split()))
