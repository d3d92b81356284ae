"""Records test fixtures: a migrated, seeded database on SQLite (always) and PostgreSQL (when
TEST_DATABASE_URL is set), cleaned of verification state between tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from tests.databases import BACKENDS, empty_database, migrated
from vssid.db import seed
from vssid.db.engine import make_engine
from vssid.db.verification import AuditEntry, OtpChallenge, OutboxMessage, Verification
from vssid.services.registry import set_records_service
from vssid.services.sql_records import SqlRecordsService
from vssid.services.verification import VerificationPolicy

TEST_PEOPLE = 150


@pytest.fixture(scope="session", params=BACKENDS)
def records_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """Schema by Alembic upgrade, then demo data (read-only in tests)."""
    with empty_database(request.param, tmp_path_factory.mktemp("records"), name="records") as url:
        engine = make_engine(migrated(url))
        with sessionmaker(bind=engine, future=True)() as session:
            assert seed.seed_if_empty(session, people=TEST_PEOPLE) is not None
        yield engine
        engine.dispose()


@pytest.fixture
def sessions(records_engine: Engine) -> Iterator[sessionmaker]:
    """Session factory; verification state, outbox and audit log are emptied after each test."""
    maker = sessionmaker(bind=records_engine, future=True, expire_on_commit=False)
    yield maker
    with maker.begin() as session:
        for model in (Verification, OtpChallenge, OutboxMessage, AuditEntry):
            session.execute(delete(model))


@pytest.fixture
def policy() -> VerificationPolicy:
    return VerificationPolicy(secret="test-pepper")


@pytest.fixture
def service(sessions: sessionmaker, policy: VerificationPolicy) -> Iterator[SqlRecordsService]:
    """The SQL records service, also installed as the process-wide one the actions use."""
    svc = SqlRecordsService(sessions, policy=policy)
    set_records_service(svc)
    yield svc
    set_records_service(None)
