"""Identifier extraction rules (vssid.nlu.numbers): digit boundaries, separators, phone vs BHXH code."""

import pytest

from vssid.nlu.numbers import find_entities


def _found(text: str) -> list[tuple[str, str, str]]:
    return [(s.entity, s.value, text[s.start : s.end]) for s in find_entities(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sdt cua toi la 0912 345 678", [("phone", "0912345678", "0912 345 678")]),
        ("số điện thoại: 0987.654.321", [("phone", "0987654321", "0987.654.321")]),
        ("+84 912 345 678", [("phone", "0912345678", "84 912 345 678")]),
        ("(+84) 912-345-678", [("phone", "0912345678", "84) 912-345-678")]),
        ("84912345678", [("phone", "0912345678", "84912345678")]),
        ("sdt0912345678", [("phone", "0912345678", "0912345678")]),
        ("0912345678", [("phone", "0912345678", "0912345678")]),
        ("024 3826 1234", [("phone", "02438261234", "024 3826 1234")]),
        ("mã số 0123456789", [("bhxh_code", "0123456789", "0123456789")]),
        ("7912345678", [("bhxh_code", "7912345678", "7912345678")]),
        ("cccd 079123456789", [("id_number", "079123456789", "079123456789")]),
        ("cmnd 123 456 789", [("id_number", "123456789", "123 456 789")]),
        ("email Nguyen.A@Gmail.com nhé", [("email", "nguyen.a@gmail.com", "Nguyen.A@Gmail.com")]),
    ],
)
def test_shapes(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert _found(text) == expected


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        # a phone-shaped number is a BHXH code when the closest strong context word says so
        ("ma so bhxh 0912345678", "bhxh_code"),
        ("mã BHXH của tôi là 0912345678", "bhxh_code"),
        ("sdt cua toi bi mat, ma so bhxh la 0912345678", "bhxh_code"),
        ("0912345678 là mã số bhxh của tôi", "bhxh_code"),
        # weak word "bhxh" alone, no phone word
        ("tra cuu bhxh 0912345678", "bhxh_code"),
        # phone words win when they are closest; "bhxh" alone is weak
        ("sdt dang ky bhxh la 0912345678", "phone"),
        ("tôi quên mã số bhxh, số điện thoại đăng ký là 0912345678", "phone"),
        ("zalo 0912345678", "phone"),
    ],
)
def test_phone_or_bhxh_code_by_context(text: str, entity: str) -> None:
    assert [s.entity for s in find_entities(text)] == [entity]


def test_two_numbers_each_read_their_own_context() -> None:
    found = _found("mã BHXH: 7912345678, sđt 0987.654.321")
    assert [(e, v) for e, v, _ in found] == [("bhxh_code", "7912345678"), ("phone", "0987654321")]


def test_adjacent_numbers_are_cut_into_valid_lengths() -> None:
    found = _found("0912345678 079123456789")
    assert [(e, v) for e, v, _ in found] == [("phone", "0912345678"), ("id_number", "079123456789")]


@pytest.mark.parametrize(
    "text",
    ["toi dong 1.500.000.000 d", "gọi 1900.9068", "09123456789012345", "ngày 12/03/1990", "otp 483920"],
)
def test_no_identifier(text: str) -> None:
    assert find_entities(text) == []


def test_digits_inside_an_email_are_not_a_number() -> None:
    assert [s.entity for s in find_entities("an0912345678@gmail.com")] == ["email"]
