"""Location gazetteer: matches with and without diacritics, rejects accented look-alikes."""

import unicodedata
from pathlib import Path

import pytest

from vssid.nlu.gazetteer import LocationMatcher

FIXTURE = Path(__file__).parent / "fixtures" / "locations.yml"


@pytest.fixture(scope="module")
def gazetteer() -> LocationMatcher:
    return LocationMatcher.from_yaml(FIXTURE)


def _found(gazetteer: LocationMatcher, text: str) -> list[tuple[str, str]]:
    return [(s.value, text[s.start : s.end]) for s in gazetteer.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("toi o cau giay", [("Cầu Giấy", "cau giay")]),
        ("Tôi ở Cầu Giấy", [("Cầu Giấy", "Cầu Giấy")]),
        ("CAU GIAY", [("Cầu Giấy", "CAU GIAY")]),
        ("quan cau giay", [("Cầu Giấy", "quan cau giay")]),
        ("Quận Cầu Giấy, Hà Nội", [("Cầu Giấy", "Quận Cầu Giấy"), ("Hà Nội", "Hà Nội")]),
        (unicodedata.normalize("NFD", "Gò Vấp"), [("Gò Vấp", unicodedata.normalize("NFD", "Gò Vấp"))]),
        ("tp hcm quận 1", [("Hồ Chí Minh", "tp hcm"), ("1", "quận 1")]),
        ("o sai gon", [("Hồ Chí Minh", "sai gon")]),
        ("tinh nghe an", [("Nghệ An", "tinh nghe an")]),
        ("dong anh", [("Đông Anh", "dong anh")]),
        ("thu do ha noi", [("Hà Nội", "thu do ha noi")]),
        ("ở Huế", [("Huế", "Huế")]),
        ("tx la gi", [("La Gi", "tx la gi")]),
        ("ở La Gi", [("La Gi", "La Gi")]),
    ],
)
def test_matches(gazetteer: LocationMatcher, text: str, expected: list[tuple[str, str]]) -> None:
    assert _found(gazetteer, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "đóng anh ơi",  # folds like "Đông Anh" but was typed with other accents
        "vinh",  # bare one-word name without its accents or prefix is a common word
        "quan 12",  # "Quận 1" needs its number as a whole word
        "hue",  # one-word name typed without its diacritics
        "vssid la gi",  # "La Gi" has no diacritics and folds like "là gì"
        "",
    ],
)
def test_rejects(gazetteer: LocationMatcher, text: str) -> None:
    assert gazetteer.find(text) == []


def test_bare_one_word_name_matches_with_prefix(gazetteer: LocationMatcher) -> None:
    assert _found(gazetteer, "thanh pho vinh") == [("Vinh", "thanh pho vinh")]


def test_names_come_from_the_project_gazetteer() -> None:
    matcher = LocationMatcher.from_yaml(FIXTURE)
    assert _found(matcher, "bhxh Quận Gò Vấp") == [("Gò Vấp", "Quận Gò Vấp")]
    assert _found(matcher, "Thủ đô Hà Nội") == [("Hà Nội", "Thủ đô Hà Nội")]
