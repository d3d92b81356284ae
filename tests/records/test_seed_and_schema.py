"""Demo data generator, seeding and its idempotence, and migrations that match the models, on
SQLite and on PostgreSQL (TEST_DATABASE_URL). How long seeding takes is measured by
bench/seed_time.py, not asserted here."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, func, inspect, select
from sqlalchemy.orm import sessionmaker

from tests.databases import BACKENDS, empty_database
from vssid.db import manage, seed
from vssid.db.base import Base, import_models
from vssid.db.engine import make_engine
from vssid.db.records import Clinic, Office, Person
from vssid.settings import PROJECT_ROOT

RECORDS_TABLES = {
    "people",
    "vssid_accounts",
    "employers",
    "bhxh_offices",
    "bhyt_clinics",
    "bhyt_cards",
    "contribution_periods",
    "benefit_payments",
    "otp_challenges",
    "verifications",
    "outbox_messages",
    "audit_log",
}


def test_generator_is_deterministic_and_big_enough() -> None:
    today = date(2025, 6, 1)
    first = seed.generate(today=today)
    second = seed.generate(today=today)
    assert first.rows == second.rows
    people = first.rows["people"]
    assert len(people) == 2000
    assert len({p["bhxh_code"] for p in people}) == len({p["id_number"] for p in people}) == 2000
    assert all(re.fullmatch(r"\d{10}", p["bhxh_code"]) for p in people)
    assert all(re.fullmatch(r"\d{12}|\d{9}", p["id_number"]) for p in people)
    assert all(p["email"] is None or p["email"].endswith("@example.com") for p in people)
    assert len(first.rows["contribution_periods"]) > 5000
    assert {b["kind"] for b in first.rows["benefit_payments"]} == {
        "sickness",
        "maternity",
        "one_time",
        "pension",
    }


def test_every_province_has_offices_and_clinics() -> None:
    rows = seed.generate(people=10, today=date(2025, 6, 1)).rows
    assert len({o["province"] for o in rows["bhxh_offices"]}) == 63
    assert len({c["province"] for c in rows["bhyt_clinics"]}) == 63
    assert len({c["code"] for c in rows["bhyt_clinics"]}) == len(rows["bhyt_clinics"])


def _documented_identities() -> list[list[str]]:
    text = (PROJECT_ROOT / "docs" / "demo_identities.md").read_text(encoding="utf-8")
    rows = [line.strip("|").split("|") for line in text.splitlines() if re.match(r"\|\s*[^\s|-]", line)]
    return [[cell.strip() for cell in row] for row in rows[1:]]  # skip the header


def test_demo_identities_match_the_docs() -> None:
    documented = _documented_identities()
    assert len(documented) == len(seed.DEMO_IDENTITIES) == 6
    for row, demo in zip(documented, seed.DEMO_IDENTITIES, strict=True):
        name, code, id_number, born, phone = row[:5]
        assert (name, code, id_number) == (demo["full_name"], demo["bhxh_code"], demo["id_number"])
        assert born == demo["date_of_birth"].strftime("%d/%m/%Y")
        assert phone == (demo["phone"] or "(none)")


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path):
    with empty_database(request.param, tmp_path, name="seed") as url:
        yield url


def test_full_seed_is_complete_and_idempotent(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        manage.upgrade(connection=connection)
    sessions = sessionmaker(bind=engine, future=True)
    with sessions() as session:
        counts = seed.seed_if_empty(session)
    assert counts["people"] == 2000
    with sessions() as session:
        assert seed.seed_if_empty(session) is None
    with sessions.begin() as session:
        assert session.execute(select(func.count()).select_from(Person)).scalar_one() == 2000
        assert (
            session.execute(select(func.count()).select_from(Office)).scalar_one() == counts["bhxh_offices"]
        )
        assert (
            session.execute(select(func.count()).select_from(Clinic)).scalar_one() == counts["bhyt_clinics"]
        )
    engine.dispose()


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        manage.upgrade(connection=connection)
    import_models()
    records_only = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        if table.name in RECORDS_TABLES:
            table.to_metadata(records_only)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = [d for d in compare_metadata(context, records_only) if _table_of(d) in RECORDS_TABLES]
        assert diff == []
        assert RECORDS_TABLES <= set(inspect(connection).get_table_names())
    with engine.begin() as connection:
        manage.downgrade(connection=connection, revision="base")
    with engine.connect() as connection:
        assert not RECORDS_TABLES & set(inspect(connection).get_table_names())
    engine.dispose()


def _table_of(diff) -> str | None:
    """Table a compare_metadata diff is about (diffs name it by object or by string)."""
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:
        if isinstance(part, str) and part in RECORDS_TABLES:
            return part
        table = part if hasattr(part, "c") and hasattr(part, "name") else getattr(part, "table", None)
        if table is not None:
            return table.name
    return None
