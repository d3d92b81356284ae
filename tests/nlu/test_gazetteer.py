"""Location gazetteer: matches with and without diacritics, rejects accented look-alikes."""

import unicodedata
from pathlib import Path

import pytest

from vssid.nlu.gazetteer import Gazetteer, iter_names

FIXTURE = Path(__file__).parent / "fixtures" / "locations.yml"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_yaml(FIXTURE)


def _found(gazetteer: Gazetteer, text: str) -> list[tuple[str, str]]:
    return [(s.value, text[s.start : s.end]) for s in gazetteer.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("toi o cau giay", [("Quận Cầu Giấy", "cau giay")]),
        ("Tôi ở Cầu Giấy", [("Quận Cầu Giấy", "Cầu Giấy")]),
        ("CAU GIAY", [("Quận Cầu Giấy", "CAU GIAY")]),
        ("quan cau giay", [("Quận Cầu Giấy", "quan cau giay")]),
        ("Quận Cầu Giấy, Hà Nội", [("Quận Cầu Giấy", "Quận Cầu Giấy"), ("Hà Nội", "Hà Nội")]),
        (unicodedata.normalize("NFD", "Gò Vấp"), [("Quận Gò Vấp", unicodedata.normalize("NFD", "Gò Vấp"))]),
        ("tp hcm quận 1", [("Thành phố Hồ Chí Minh", "tp hcm"), ("Quận 1", "quận 1")]),
        ("o sai gon", [("Thành phố Hồ Chí Minh", "sai gon")]),
        ("tinh nghe an", [("Tỉnh Nghệ An", "tinh nghe an")]),
        ("dong anh", [("Huyện Đông Anh", "dong anh")]),
    ],
)
def test_matches(gazetteer: Gazetteer, text: str, expected: list[tuple[str, str]]) -> None:
    assert _found(gazetteer, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "đóng anh ơi",  # folds like "Đông Anh" but was typed with other accents
        "vinh",  # bare one-word name without its accents or prefix is a common word
        "quan 12",  # "Quận 1" needs its number as a whole word
        "",
    ],
)
def test_rejects(gazetteer: Gazetteer, text: str) -> None:
    assert gazetteer.find(text) == []


def test_bare_one_word_name_matches_with_prefix(gazetteer: Gazetteer) -> None:
    assert _found(gazetteer, "thanh pho vinh") == [("Thành phố Vinh", "thanh pho vinh")]


def test_names_are_read_from_loose_shapes() -> None:
    data = {"Hà Nội": ["Ba Đình", {"name": "Cầu Giấy", "code": "005"}], "Huế": []}
    assert sorted(iter_names(data)) == ["Ba Đình", "Cầu Giấy", "Huế", "Hà Nội"]
