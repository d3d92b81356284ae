"""Database fixtures for the handoff tests: SQLite always, PostgreSQL when TEST_DATABASE_URL is set.

Databases come from tests/databases.py (a schema of their own on PostgreSQL), built by the
Alembic migrations.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.databases import BACKENDS, empty_database, migrated, postgres_url
from tests.handoff.console_server import ConsoleServer
from vssid.db.engine import dispose_engines, new_session
from vssid.services.registry import set_ticket_service

__all__ = ["BACKENDS", "postgres_url"]


@pytest.fixture(params=BACKENDS)
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(backend, url) of an empty database (tests/databases.py)."""
    with empty_database(request.param, tmp_path, name="handoff") as url:
        yield request.param, url


@pytest.fixture
def db_url(fresh_database_url: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database with every table, also set as DATABASE_URL for the code under test."""
    _, url = fresh_database_url
    migrated(url)
    monkeypatch.setenv("DATABASE_URL", url)
    dispose_engines()
    set_ticket_service(None)  # the next use builds it on this test's DATABASE_URL
    yield url
    set_ticket_service(None)
    dispose_engines()


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    with new_session(db_url) as session:
        yield session


@pytest.fixture(scope="session")
def console_server() -> Iterator[ConsoleServer]:
    server = ConsoleServer().start()
    yield server
    server.stop()


@pytest.fixture
def console(console_server: ConsoleServer, db_url: str, monkeypatch: pytest.MonkeyPatch) -> ConsoleServer:
    """The agent console on a real HTTP port, over this test's database, with a fake executor.

    The server reads DATABASE_URL per request, so one server serves every test. Lan and Minh
    hold tokens in this test's database.
    """
    for name, value in console_server.env().items():
        monkeypatch.setenv(name, value)
    console_server.issue_tokens()
    console_server.calls.clear()
    console_server.fail_pushes = False
    return console_server
