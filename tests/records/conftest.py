"""Records test fixtures: a migrated, seeded database on SQLite (always) and PostgreSQL (when
TEST_DATABASE_URL is set), cleaned of verification state between tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from actions.db import manage, seed
from actions.db.engine import make_engine
from actions.db.verification import AuditEntry, OtpChallenge, OutboxMessage, Verification
from actions.services.records import set_records_service
from actions.services.sql_records import SqlRecordsService
from actions.services.verification import VerificationPolicy

TEST_PEOPLE = 150
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL not set"),
        ],
    ),
]


def _migrate_and_seed(engine: Engine) -> None:
    with engine.begin() as connection:
        manage.upgrade(connection=connection)
    with sessionmaker(bind=engine, future=True)() as session:
        assert seed.seed_if_empty(session, people=TEST_PEOPLE) is not None


@pytest.fixture(scope="session", params=BACKENDS)
def records_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """Schema by Alembic upgrade, then demo data (read-only in tests)."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("records") / "records.db"
        engine = make_engine(f"sqlite:///{path}")
        _migrate_and_seed(engine)
        yield engine
        engine.dispose()
        return
    # PostgreSQL: a private schema, so other features' tests on the same database are untouched.
    schema = f"records_test_{uuid.uuid4().hex[:8]}"
    admin = make_engine(os.environ["TEST_DATABASE_URL"])
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(os.environ["TEST_DATABASE_URL"], connect_args={"options": f"-csearch_path={schema}"})
    try:
        _migrate_and_seed(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


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
