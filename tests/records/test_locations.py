"""The province/district gazetteer and free-text place matching."""

from __future__ import annotations

import pytest
import yaml

from vssid.services.locations import LOCATIONS_FILE, load_gazetteer, resolve_location


def test_gazetteer_has_all_63_provinces_with_districts() -> None:
    provinces = load_gazetteer().provinces
    assert len(provinces) == 63
    assert len({p.code for p in provinces}) == 63
    assert all(len(p.districts) >= 3 for p in provinces)
    assert {"Hà Nội", "Hồ Chí Minh", "Đà Nẵng", "Cần Thơ", "Hải Phòng", "Cà Mau"} <= {
        p.name for p in provinces
    }


def test_gazetteer_names_are_accented() -> None:
    names = [p.name for p in load_gazetteer().provinces]
    assert sum(not name.isascii() for name in names) >= 55
    raw = yaml.safe_load(LOCATIONS_FILE.read_text(encoding="utf-8"))
    assert "Cầu Giấy" in {d["name"] for p in raw["provinces"] for d in p["districts"]}


@pytest.mark.parametrize(
    ("text", "districts", "provinces", "label"),
    [
        ("cau giay", ["Cầu Giấy"], [], "Cầu Giấy, Hà Nội"),
        ("Quận Cầu Giấy, Hà Nội", ["Cầu Giấy"], ["Hà Nội"], "Cầu Giấy, Hà Nội"),
        ("ha noi", [], ["Hà Nội"], "Hà Nội"),
        ("q1", ["Quận 1"], [], "Quận 1, Hồ Chí Minh"),
        ("sài gòn", [], ["Hồ Chí Minh"], "Hồ Chí Minh"),
        ("Châu Thành", ["Châu Thành", "Châu Thành"], [], "Châu Thành"),
        ("châu thành bến tre", ["Châu Thành"], ["Bến Tre"], "Châu Thành, Bến Tre"),
        ("hoa binh", [], ["Hòa Bình"], "Hòa Bình"),
        ("tìm bệnh viện ở hai chau da nang", ["Hải Châu"], ["Đà Nẵng"], "Hải Châu, Đà Nẵng"),
    ],
)
def test_resolve_location(text: str, districts: list[str], provinces: list[str], label: str) -> None:
    match = resolve_location(text)
    assert match is not None
    assert [d.name for d in match.districts] == districts
    assert [p.name for p in match.provinces] == provinces
    assert match.label == label


@pytest.mark.parametrize("text", ["", "xyz", "ở đâu cũng được", "dong"])
def test_unknown_places(text: str) -> None:
    assert resolve_location(text) is None
