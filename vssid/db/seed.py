"""Deterministic demo records: clearly fictional people with realistic BHXH/BHYT histories.

`generate()` builds plain row dicts (same seed -> same people, codes and names; dates of cards
and ongoing periods follow `today`); `seed_if_empty()` bulk-inserts them. The fixed demo
identities of docs/demo_identities.md come first, with hand-written histories.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from types import MappingProxyType

import yaml
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from vssid.db.records import (
    CONTRIBUTION_KINDS,
    KIND_BHXH,
    Account,
    BenefitPayment,
    BhytCard,
    Clinic,
    ContributionPeriod,
    Employer,
    Office,
    Person,
)
from vssid.services.locations import District, Province, load_gazetteer
from vssid.settings import PROJECT_ROOT
from vssid.text import fold_words

DEFAULT_PEOPLE = 2000
DEFAULT_SEED = 20240501

SEED_TABLES_FILE = PROJECT_ROOT / "vssid" / "data" / "seed_tables.yml"


@dataclass(frozen=True)
class SeedTables:
    """The name tables of vssid/data/seed_tables.yml (list order is part of the seeded output)."""

    last_names: tuple[str, ...]
    middle_male: tuple[str, ...]
    middle_female: tuple[str, ...]
    given_male: tuple[str, ...]
    given_female: tuple[str, ...]
    streets: tuple[str, ...]
    company_forms: tuple[str, ...]
    company_words: tuple[str, ...]
    company_trades: tuple[str, ...]
    office_prefix: str
    hospital_prefix: str
    health_centre_prefix: str
    private_clinic_prefix: str
    phone_prefixes: tuple[str, ...]
    area_codes: Mapping[str, str]
    devices: tuple[str, ...]


def _names(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"{SEED_TABLES_FILE.name}: {where} must be a non-empty list of strings")
    return tuple(value)


def _name(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{SEED_TABLES_FILE.name}: {where} must be a non-empty string")
    return value


@functools.lru_cache(maxsize=1)
def seed_tables() -> SeedTables:
    """Read vssid/data/seed_tables.yml once per process (on first use, not at import)."""
    data = yaml.safe_load(SEED_TABLES_FILE.read_text(encoding="utf-8"))
    people, companies, places, phones = data["people"], data["companies"], data["place_names"], data["phones"]
    area_codes = phones["area_codes"]
    if not isinstance(area_codes, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in area_codes.items()
    ):
        raise ValueError(f"{SEED_TABLES_FILE.name}: phones.area_codes must map quoted codes to quoted codes")
    return SeedTables(
        last_names=_names(people["last_names"], "people.last_names"),
        middle_male=_names(people["middle_names"]["male"], "people.middle_names.male"),
        middle_female=_names(people["middle_names"]["female"], "people.middle_names.female"),
        given_male=_names(people["given_names"]["male"], "people.given_names.male"),
        given_female=_names(people["given_names"]["female"], "people.given_names.female"),
        streets=_names(data["streets"], "streets"),
        company_forms=_names(companies["forms"], "companies.forms"),
        company_words=_names(companies["words"], "companies.words"),
        company_trades=_names(companies["trades"], "companies.trades"),
        office_prefix=_name(places["office"], "place_names.office"),
        hospital_prefix=_name(places["provincial_hospital"], "place_names.provincial_hospital"),
        health_centre_prefix=_name(places["district_health_centre"], "place_names.district_health_centre"),
        private_clinic_prefix=_name(places["private_clinic"], "place_names.private_clinic"),
        phone_prefixes=_names(phones["mobile_prefixes"], "phones.mobile_prefixes"),
        area_codes=MappingProxyType(dict(area_codes)),
        devices=_names(data["devices"], "devices"),
    )


@dataclass
class Dataset:
    """Rows per table, in insertion order."""

    rows: dict[str, list[dict]] = field(default_factory=dict)

    def add(self, table: str, row: dict) -> dict:
        bucket = self.rows.setdefault(table, [])
        row.setdefault("id", len(bucket) + 1)
        bucket.append(row)
        return row


# --- demo identities (docs/demo_identities.md); keep both in sync (a test checks) --------------
DEMO_IDENTITIES = [
    {
        "bhxh_code": "0101234567",
        "full_name": "Nguyễn Văn An",
        "date_of_birth": date(1985, 3, 15),
        "gender": "male",
        "id_number": "001085001234",
        "phone": "0912345678",
        "email": "an.nguyen@example.com",
        "province": "01",
        "district": "Cầu Giấy",
        "story": "worker",
    },
    {
        "bhxh_code": "7901234568",
        "full_name": "Trần Thị Bình",
        "date_of_birth": date(1990, 7, 20),
        "gender": "female",
        "id_number": "079190005678",
        "phone": "0987654321",
        "email": "binh.tran@example.com",
        "province": "79",
        "district": "Quận 3",
        "story": "mother",
    },
    {
        "bhxh_code": "4801234569",
        "full_name": "Lê Văn Cường",
        "date_of_birth": date(1958, 1, 2),
        "gender": "male",
        "id_number": "048058009012",
        "phone": "0905111222",
        "email": None,
        "province": "48",
        "district": "Hải Châu",
        "story": "retiree",
    },
    {
        "bhxh_code": "4601234560",
        "full_name": "Phạm Thị Dung",
        "date_of_birth": date(1995, 11, 11),
        "gender": "female",
        "id_number": "201234567",
        "phone": "0934555666",
        "email": "dung.pham@example.com",
        "province": "46",
        "district": "Huế",
        "story": "left_job",
    },
    {
        "bhxh_code": "3101234561",
        "full_name": "Hoàng Văn Em",
        "date_of_birth": date(1992, 5, 5),
        "gender": "male",
        "id_number": "031092003456",
        "phone": None,
        "email": None,
        "province": "31",
        "district": "Lê Chân",
        "story": "no_phone",
    },
    {
        "bhxh_code": "9201234562",
        "full_name": "Đặng Minh Hải",
        "date_of_birth": date(2000, 8, 30),
        "gender": "male",
        "id_number": "092200007890",
        "phone": "0868123456",
        "email": None,
        "province": "92",
        "district": "Ninh Kiều",
        "story": "young",
    },
]


def _ascii(text_: str) -> str:
    return fold_words(text_).replace(" ", "")


def _month(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _add_months(day: date, months: int) -> date:
    return _month(day.year, day.month + months)


def _phone(rng: random.Random, province_code: str) -> str:
    area = seed_tables().area_codes.get(province_code, f"2{rng.randint(0, 9)}{rng.randint(0, 9)}")
    rest = f"{rng.randint(0, 9999999):07d}"
    return f"0{area} {rest[:3]} {rest[3:]}"


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=timezone.utc)


class _Generator:
    def __init__(self, *, people: int, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.target = people
        self.today = today
        self.this_month = today.replace(day=1)
        self.gazetteer = load_gazetteer()
        self.tables = seed_tables()
        self.data = Dataset()
        self.clinics_by_district: dict[tuple[str, str], list[int]] = {}
        self.clinics_by_province: dict[str, list[int]] = {}
        self.employers_by_province: dict[str, list[int]] = {}
        self.used_codes = {d["bhxh_code"] for d in DEMO_IDENTITIES}
        self.used_ids = {d["id_number"] for d in DEMO_IDENTITIES}

    # places -------------------------------------------------------------------------------
    def places(self) -> None:
        clinic_seq: dict[str, int] = {}
        t = self.tables
        for province in self.gazetteer.provinces:
            capital = province.districts[0]
            self._office(province, None, f"{t.office_prefix} {_lower_type(province)}", capital)
            for district in province.districts:
                self._office(province, district, f"{t.office_prefix} {_lower_type(district)}", district)
            self._clinic(province, capital, f"{t.hospital_prefix} {_lower_type(province)}", clinic_seq)
            for district in province.districts:
                self._clinic(
                    province, district, f"{t.health_centre_prefix} {_lower_type(district)}", clinic_seq
                )
                if self.rng.random() < 0.6:
                    owner = self.rng.choice(t.company_words)
                    self._clinic(
                        province, district, f"{t.private_clinic_prefix} {owner} {district.name}", clinic_seq
                    )

    def _address(self, district: District, province: Province) -> str:
        return (
            f"Số {self.rng.randint(1, 299)} đường {self.rng.choice(self.tables.streets)}, "
            f"{district.display}, {province.display}"
        )

    def _office(self, province: Province, district: District | None, name: str, located: District) -> None:
        self.data.add(
            "bhxh_offices",
            {
                "name": name,
                "address": self._address(located, province),
                "phone": _phone(self.rng, province.code),
                "province": province.name,
                "district": district.name if district else None,
                "province_key": province.key,
                "district_key": district.key if district else None,
            },
        )

    def _clinic(self, province: Province, district: District, name: str, seq: dict[str, int]) -> None:
        seq[province.code] = seq.get(province.code, 0) + 1
        row = self.data.add(
            "bhyt_clinics",
            {
                "code": f"{province.code}{seq[province.code]:03d}",
                "name": name,
                "address": self._address(district, province),
                "phone": _phone(self.rng, province.code),
                "province": province.name,
                "district": district.name,
                "province_key": province.key,
                "district_key": district.key,
            },
        )
        self.clinics_by_district.setdefault((province.code, district.name), []).append(row["id"])
        self.clinics_by_province.setdefault(province.code, []).append(row["id"])

    def employers(self, count: int) -> None:
        # The demo stories need six employers in each demo identity's province.
        demo_provinces = [self.gazetteer.province(d["province"]) for d in DEMO_IDENTITIES for _ in range(6)]
        for index in range(max(count, len(demo_provinces))):
            province = demo_provinces[index] if index < len(demo_provinces) else self._province()
            district = self.rng.choice(province.districts)
            form = self.rng.choice(self.tables.company_forms)
            trade = self.rng.choice(self.tables.company_trades)
            name = f"{form} {trade} {self.rng.choice(self.tables.company_words)}"
            row = self.data.add(
                "employers",
                {
                    "code": f"{_ascii(province.name)[:2].upper()}{index + 1:05d}",
                    "name": name,
                    "address": self._address(district, province),
                    "province_code": province.code,
                },
            )
            self.employers_by_province.setdefault(province.code, []).append(row["id"])

    def _province(self) -> Province:
        provinces = self.gazetteer.provinces
        weights = [
            6 if p.code in ("01", "79") else 2 if p.code in ("31", "48", "92", "74", "75") else 1
            for p in provinces
        ]
        return self.rng.choices(provinces, weights=weights)[0]

    # people -------------------------------------------------------------------------------
    def demo_people(self) -> None:
        for demo in DEMO_IDENTITIES:
            province = self.gazetteer.province(demo["province"])
            district = next(d for d in province.districts if d.name == demo["district"])
            person = self._person_row(
                demo["bhxh_code"],
                demo["full_name"],
                demo["date_of_birth"],
                demo["gender"],
                demo["id_number"],
                demo["phone"],
                demo["email"],
                province,
                district,
            )
            getattr(self, f"_story_{demo['story']}")(person, province, district)

    def random_people(self) -> None:
        while len(self.data.rows.get("people", [])) < self.target:
            gender = self.rng.choice(("male", "female"))
            age = self.rng.randint(1, 17) if self.rng.random() < 0.1 else self.rng.randint(18, 78)
            born = self.today.replace(year=self.today.year - age, month=1, day=1) + timedelta(
                days=self.rng.randint(0, 364)
            )
            t = self.tables
            middle = t.middle_male if gender == "male" else t.middle_female
            given = t.given_male if gender == "male" else t.given_female
            name = f"{self.rng.choice(t.last_names)} {self.rng.choice(middle)} {self.rng.choice(given)}"
            province = self._province()
            district = self.rng.choice(province.districts)
            code = self._unique_code(province)
            id_number = self._unique_id_number(province, gender, born)
            phone = (
                None
                if self.rng.random() < 0.03
                else (f"{self.rng.choice(self.tables.phone_prefixes)}{self.rng.randint(0, 9_999_999):07d}")
            )
            email = (
                f"{_ascii(name)}{self.rng.randint(1, 999)}@example.com" if self.rng.random() < 0.6 else None
            )
            person = self._person_row(code, name, born, gender, id_number, phone, email, province, district)
            self._random_history(person, province, district, age)

    def _unique_code(self, province: Province) -> str:
        while (code := f"{province.code}{self.rng.randint(0, 99_999_999):08d}") in self.used_codes:
            pass
        self.used_codes.add(code)
        return code

    def _unique_id_number(self, province: Province, gender: str, born: date) -> str:
        while (number := self._id_number(province, gender, born)) in self.used_ids:
            pass
        self.used_ids.add(number)
        return number

    def _id_number(self, province: Province, gender: str, born: date) -> str:
        if born.year < 1975 and self.rng.random() < 0.3:
            return f"{self.rng.randint(10_000_000, 389_999_999):09d}"  # old 9-digit CMND
        century = 0 if born.year < 2000 else 2
        marker = century + (1 if gender == "female" else 0)
        return f"0{province.code}{marker}{born.year % 100:02d}{self.rng.randint(0, 999_999):06d}"

    def _person_row(self, code, name, born, gender, id_number, phone, email, province, district) -> dict:
        address = self._address(district, province)
        person = self.data.add(
            "people",
            {
                "bhxh_code": code,
                "full_name": name,
                "date_of_birth": born,
                "gender": gender,
                "id_number": id_number,
                "phone": phone,
                "email": email,
                "address": address,
                "province_code": province.code,
                "created_at": _utc(date(2020, 1, 1)),
            },
        )
        age = (self.today - born).days // 365
        if phone and age >= 15 and self.rng.random() < 0.85:
            status = self.rng.choices(("active", "locked", "pending"), weights=(90, 5, 5))[0]
            self.data.add(
                "vssid_accounts",
                {
                    "person_id": person["id"],
                    "status": status,
                    "phone": phone,
                    "email": email,
                    "device": self.rng.choice(self.tables.devices) if status == "active" else None,
                    "registered_at": _utc(date(2021, 1, 1) + timedelta(days=self.rng.randint(0, 1400))),
                },
            )
        return person

    # histories ----------------------------------------------------------------------------
    def _card(
        self,
        person: dict,
        province: Province,
        district: District,
        prefix: str,
        level: int,
        expired: bool = False,
    ) -> None:
        year = self.today.year - 1 if expired else self.today.year
        clinics = (
            self.clinics_by_district.get((province.code, district.name))
            or self.clinics_by_province[province.code]
        )
        self.data.add(
            "bhyt_cards",
            {
                "person_id": person["id"],
                "card_number": f"{prefix}{level}{province.code}{person['bhxh_code']}",
                "valid_from": date(year, 1, 1),
                "valid_to": date(year, 12, 31),
                "clinic_id": self.rng.choice(clinics),
            },
        )

    def _period(
        self,
        person: dict,
        employer_id: int | None,
        start: date,
        end: date | None,
        kinds: tuple[str, ...] = CONTRIBUTION_KINDS,
    ) -> None:
        for kind in kinds:
            self.data.add(
                "contribution_periods",
                {
                    "person_id": person["id"],
                    "employer_id": employer_id,
                    "kind": kind,
                    "from_month": start,
                    "to_month": end,
                },
            )

    def _benefit(
        self, person: dict, kind: str, status: str, amount: int, requested: date, paid: date | None = None
    ) -> None:
        self.data.add(
            "benefit_payments",
            {
                "person_id": person["id"],
                "kind": kind,
                "status": status,
                "amount": amount,
                "requested_on": requested,
                "paid_on": paid if status == "paid" else None,
            },
        )

    def _employer(self, province: Province) -> int:
        local = self.employers_by_province.get(province.code)
        return self.rng.choice(local or [e["id"] for e in self.data.rows["employers"]])

    def _random_history(self, person: dict, province: Province, district: District, age: int) -> None:
        rng = self.rng
        if age < 18:
            self._card(person, province, district, "TE" if age < 6 else "HS", 1 if age < 6 else 4)
            return
        retire_age = 61 if person["gender"] == "male" else 57
        born = person["date_of_birth"]
        start = _add_months(_month(born.year + rng.randint(18, 26), rng.randint(1, 12)), 0)
        start = max(start, date(1995, 1, 1))
        end_of_work = _month(born.year + retire_age, born.month) if age >= retire_age else None
        cursor, ongoing, total = start, False, 0
        for _ in range(rng.randint(1, 6)):
            limit = end_of_work or self.this_month
            if cursor >= limit:
                break
            length = rng.randint(6, 96)
            stop = _add_months(cursor, length - 1)
            last_spell = stop >= limit
            if last_spell and end_of_work is None and rng.random() < 0.8:
                employer = None if rng.random() < 0.08 else self._employer(province)
                self._period(person, employer, cursor, None, CONTRIBUTION_KINDS if employer else (KIND_BHXH,))
                ongoing, total = True, total + (self.this_month.year - cursor.year) * 12
                break
            stop = min(stop, _add_months(limit, -1))
            employer = None if rng.random() < 0.08 else self._employer(province)
            self._period(person, employer, cursor, stop, CONTRIBUTION_KINDS if employer else (KIND_BHXH,))
            total += length
            cursor = _add_months(stop, rng.randint(1, 12))
        retired = age >= retire_age and total >= 180
        expired = rng.random() < 0.05
        prefix, level = ("HT", 3) if retired else ("DN", 4) if ongoing else ("GD", 4)
        self._card(person, province, district, prefix, level, expired)
        self._random_benefits(person, ongoing, retired, age)

    def _random_benefits(self, person: dict, ongoing: bool, retired: bool, age: int) -> None:
        rng = self.rng
        if retired:
            amount = rng.randint(30, 150) * 100_000
            for back in range(3, 0, -1):
                paid = _add_months(self.this_month, -back + 1).replace(day=5)
                if paid <= self.today:
                    self._benefit(person, "pension", "paid", amount, paid - timedelta(days=3), paid)
            return
        if ongoing and rng.random() < 0.25:
            for _ in range(rng.randint(1, 3)):
                requested = self.today - timedelta(days=rng.randint(10, 1500))
                status = (
                    "processing"
                    if (self.today - requested).days < 30
                    else rng.choices(("paid", "rejected"), weights=(92, 8))[0]
                )
                self._benefit(
                    person,
                    "sickness",
                    status,
                    rng.randint(5, 50) * 100_000,
                    requested,
                    requested + timedelta(days=rng.randint(10, 25)),
                )
        if person["gender"] == "female" and 22 <= age <= 42 and ongoing and rng.random() < 0.3:
            requested = self.today - timedelta(days=rng.randint(30, 1800))
            self._benefit(
                person,
                "maternity",
                "paid",
                rng.randint(200, 600) * 100_000,
                requested,
                requested + timedelta(days=rng.randint(15, 30)),
            )
        if not ongoing and age < 55 and rng.random() < 0.1:
            requested = self.today - timedelta(days=rng.randint(5, 900))
            status = "processing" if (self.today - requested).days < 20 else "paid"
            self._benefit(
                person,
                "one_time",
                status,
                rng.randint(200, 1500) * 100_000,
                requested,
                requested + timedelta(days=rng.randint(10, 20)),
            )

    # hand-written demo stories ---------------------------------------------------------------
    def _story_worker(self, person: dict, province: Province, district: District) -> None:
        employers = self.employers_by_province["01"]
        spells = [
            ((2006, 9), (2008, 12), None),
            ((2009, 2), (2011, 6), employers[0]),
            ((2011, 7), (2013, 12), employers[1]),
            ((2014, 3), (2016, 8), employers[2]),
            ((2016, 9), (2018, 12), employers[3]),
            ((2019, 1), (2020, 6), employers[4]),
        ]
        for (y1, m1), (y2, m2), employer in spells:
            self._period(
                person,
                employer,
                date(y1, m1, 1),
                date(y2, m2, 1),
                CONTRIBUTION_KINDS if employer else (KIND_BHXH,),
            )
        self._period(person, employers[5], date(2020, 7, 1), None)
        self._card(person, province, district, "DN", 4)
        self._benefit(
            person,
            "sickness",
            "paid",
            1_850_000,
            self.today - timedelta(days=200),
            self.today - timedelta(days=185),
        )

    def _story_mother(self, person: dict, province: Province, district: District) -> None:
        employers = self.employers_by_province["79"]
        self._period(person, employers[0], date(2012, 8, 1), date(2017, 3, 1))
        self._period(person, employers[1], date(2017, 4, 1), None)
        self._card(person, province, district, "DN", 4)
        self._benefit(person, "maternity", "paid", 42_600_000, date(2022, 5, 10), date(2022, 6, 2))
        self._benefit(person, "sickness", "processing", 1_200_000, self.today - timedelta(days=6))

    def _story_retiree(self, person: dict, province: Province, district: District) -> None:
        employers = self.employers_by_province["48"]
        self._period(person, employers[0], date(1995, 1, 1), date(2005, 12, 1))
        self._period(person, employers[1], date(2006, 1, 1), date(2018, 1, 1))
        self._card(person, province, district, "HT", 3)
        for back in range(3, 0, -1):
            paid = _add_months(self.this_month, -back).replace(day=5)
            self._benefit(person, "pension", "paid", 8_450_000, paid - timedelta(days=3), paid)

    def _story_left_job(self, person: dict, province: Province, district: District) -> None:
        employers = self.employers_by_province["46"]
        self._period(person, employers[0], date(2017, 6, 1), date(2023, 9, 1))
        self._card(person, province, district, "GD", 4, expired=True)
        self._benefit(person, "one_time", "processing", 38_750_000, self.today - timedelta(days=12))

    def _story_no_phone(self, person: dict, province: Province, district: District) -> None:
        self._period(person, self.employers_by_province["31"][0], date(2015, 1, 1), None)
        self._card(person, province, district, "DN", 4)

    def _story_young(self, person: dict, province: Province, district: District) -> None:
        self._period(person, self.employers_by_province["92"][0], date(2022, 10, 1), None)
        self._card(person, province, district, "DN", 4)


def _lower_type(place: District | Province) -> str:
    """'Quận Cầu Giấy' -> 'quận Cầu Giấy' (office names write the unit type in lower case)."""
    shown = place.display
    return shown[0].lower() + shown[1:]


def generate(*, people: int = DEFAULT_PEOPLE, seed: int = DEFAULT_SEED, today: date | None = None) -> Dataset:
    """The demo dataset: places for all 63 provinces, employers, `people` people with histories."""
    generator = _Generator(people=max(people, len(DEMO_IDENTITIES)), seed=seed, today=today or date.today())
    generator.places()
    generator.employers(max(60, people // 6))
    generator.demo_people()
    generator.random_people()
    return generator.data


_TABLES = [
    (Office, "bhxh_offices"),
    (Clinic, "bhyt_clinics"),
    (Employer, "employers"),
    (Person, "people"),
    (Account, "vssid_accounts"),
    (BhytCard, "bhyt_cards"),
    (ContributionPeriod, "contribution_periods"),
    (BenefitPayment, "benefit_payments"),
]


def load(session: Session, dataset: Dataset) -> dict[str, int]:
    """Bulk-insert `dataset` in one transaction; returns rows per table."""
    counts = {}
    with session.begin():
        for model, table in _TABLES:
            rows = dataset.rows.get(table, [])
            if rows:
                session.execute(insert(model.__table__), rows)
            counts[table] = len(rows)
        if session.get_bind().dialect.name == "postgresql":
            # Ids were given explicitly: move each serial sequence past them.
            for _, table in _TABLES:
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                    )
                )
    return counts


def seed_if_empty(
    session: Session, *, people: int | None = None, today: date | None = None
) -> dict[str, int] | None:
    """Seed only a database without people (idempotent); None if it already had records."""
    with session.begin():
        existing = session.execute(select(func.count()).select_from(Person)).scalar_one()
    if existing:
        return None
    return load(session, generate(people=people or DEFAULT_PEOPLE, today=today))
