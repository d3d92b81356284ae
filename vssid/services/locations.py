"""The province/district gazetteer (vssid/data/locations.yml) and free-text location matching."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from vssid.settings import PROJECT_ROOT
from vssid.text import fold_words

LOCATIONS_FILE = PROJECT_ROOT / "vssid" / "data" / "locations.yml"


class _Named:
    """A named administrative unit: `name` ('Cầu Giấy') and `type` ('Quận')."""

    name: str
    type: str

    @property
    def key(self) -> str:
        return fold_words(self.name)

    @property
    def display(self) -> str:
        return display_name(self.name, self.type)


@dataclass(frozen=True)
class District(_Named):
    name: str
    type: str  # Quận | Huyện | Thị xã | Thành phố
    province_code: str


@dataclass(frozen=True)
class Province(_Named):
    code: str
    name: str
    type: str  # Tỉnh | Thành phố
    aliases: tuple[str, ...]
    districts: tuple[District, ...]


@dataclass(frozen=True)
class LocationMatch:
    """Places named in a user's text: districts (most precise) and provinces."""

    districts: tuple[District, ...]
    provinces: tuple[Province, ...]

    @property
    def label(self) -> str:
        """How the answer names the place: 'Cầu Giấy, Hà Nội' or 'Đà Nẵng'."""
        by_code = {p.code: p for p in load_gazetteer().provinces}
        if self.districts:
            first = self.districts[0]
            if len({d.province_code for d in self.districts}) > 1:
                return first.name  # "Châu Thành" of several provinces
            return f"{first.name}, {by_code[first.province_code].name}"
        return ", ".join(p.name for p in self.provinces)

    @property
    def province_codes(self) -> tuple[str, ...]:
        codes = [d.province_code for d in self.districts] + [p.code for p in self.provinces]
        return tuple(dict.fromkeys(codes))


def display_name(name: str, kind: str) -> str:
    """'Cầu Giấy' + 'Quận' -> 'Quận Cầu Giấy'; 'Quận 1' stays as it is."""
    return name if name.lower().startswith(kind.lower()) else f"{kind} {name}"


@dataclass(frozen=True)
class Gazetteer:
    provinces: tuple[Province, ...]

    def province(self, code: str) -> Province:
        return next(p for p in self.provinces if p.code == code)

    def surface_names(self) -> Iterator[tuple[str, str]]:
        """(how a place may be written, its canonical name): 'Quận Cầu Giấy' -> 'Cầu Giấy'."""
        for province in self.provinces:
            for place in (province, *province.districts):
                yield place.name, place.name
                yield f"{place.type} {place.name}", place.name
            for alias in province.aliases:
                yield alias, province.name


@functools.lru_cache(maxsize=4)
def load_gazetteer(path: Path = LOCATIONS_FILE) -> Gazetteer:
    """Read the gazetteer once per process (on first use, not at import)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    provinces = []
    for item in data["provinces"]:
        code = str(item["code"]).zfill(2)
        districts = tuple(District(d["name"], d["type"], code) for d in item.get("districts", []))
        provinces.append(
            Province(code, item["name"], item["type"], tuple(item.get("aliases", [])), districts)
        )
    return Gazetteer(tuple(provinces))


_NUMBERED_DISTRICT = re.compile(r"^quan (\d+)$")


def _district_keys(district: District) -> list[str]:
    key = district.key
    numbered = _NUMBERED_DISTRICT.match(key)
    if numbered:  # "Quận 1" is also typed "q1", "q 1"
        return [key, f"q {numbered.group(1)}", f"q{numbered.group(1)}"]
    return [key]


def _mentions(text: str, key: str) -> bool:
    return f" {key} " in text


def resolve_location(text: str, gazetteer: Gazetteer | None = None) -> LocationMatch | None:
    """Districts and provinces named in `text`, diacritics-insensitive; None if none is found.

    A district name that exists in several provinces ("Châu Thành") matches all of them unless a
    province is named too. A name shared by a province and a district ("Hòa Bình", "Thái Bình")
    means the province.
    """
    gazetteer = gazetteer or load_gazetteer()
    folded = f" {fold_words(text or '')} "
    if not folded.strip():
        return None
    provinces = [
        p
        for p in gazetteer.provinces
        if any(_mentions(folded, fold_words(name)) for name in (p.name, *p.aliases))
    ]
    named_codes = {p.code for p in provinces}
    districts = [
        d
        for p in gazetteer.provinces
        for d in p.districts
        if any(_mentions(folded, key) for key in _district_keys(d)) and not _is_province_name(d, provinces)
    ]
    if named_codes:
        districts = [d for d in districts if d.province_code in named_codes] or districts
    if not districts and not provinces:
        return None
    return LocationMatch(tuple(districts), tuple(provinces))


def _is_province_name(district: District, provinces: list[Province]) -> bool:
    """True if the district's name is also the name of a province the user named."""
    return any(district.key == p.key for p in provinces)
