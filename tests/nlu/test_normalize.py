"""Folding and teencode expansion (vssid.nlu.normalize)."""

import unicodedata

import pytest

from vssid.nlu.normalize import fold, has_diacritics, normalize_text, normalize_word


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("đổi", "doi"),
        ("Đổi SĐT", "doi sdt"),
        ("quên mật khẩu", "quen mat khau"),
        ("ĐĂNG KÝ", "dang ky"),
        (unicodedata.normalize("NFD", "mật khẩu"), "mat khau"),
        ("quen mat khau", "quen mat khau"),
    ],
)
def test_fold_removes_diacritics_and_keeps_d(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quen mk", "quen mat khau"),
        ("doi sdt ko dc", "doi so dien thoai khong duoc"),
        ("đổi sđt k đc", "doi so dien thoai khong duoc"),
        ("khongggg", "khong"),
        ("dk tk vssid", "dang ky tai khoan vssid"),
        ("Đổi SĐT giúp mình", "doi so dien thoai giup minh"),
    ],
)
def test_normalize_text_expands_teencode(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


def test_words_with_tone_marks_are_never_teencode() -> None:
    # "hỏng" (broken) folds to "hong", which typed bare would be shorthand for "không".
    assert normalize_word("hỏng") == "hong"
    assert normalize_word("ko") == "khong"


def test_còn_typed_with_its_mark_is_not_a_child() -> None:
    # "thế còn cái kia thì sao" (a follow-up) must not share its words with "thế con tôi thì sao".
    assert normalize_text("Thế CÒN cái kia") == "the còn cai kia"
    assert normalize_word("co\u0300n") == "còn"  # decomposed, as some keyboards send it
    assert normalize_word("con") == normalize_word("CON") == "con"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("quen mat khau", False), ("quên mật khẩu", True), ("đc", True), ("OK 123", False)],
)
def test_has_diacritics(text: str, expected: bool) -> None:
    assert has_diacritics(text) is expected
