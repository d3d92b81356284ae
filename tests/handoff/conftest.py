"""Database fixtures for the handoff tests: SQLite always, PostgreSQL when TEST_DATABASE_URL is set.

Each PostgreSQL test database lives in a schema of its own (``search_path`` in the URL), so these
tests never touch other features' tables in a shared database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from actions.db.base import Base, import_models
from actions.db.engine import dispose_engines, make_engine, new_session
from tests.handoff.console_server import ConsoleServer

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def _schema_url(base_url: str, schema: str) -> str:
    url = sa.engine.make_url(base_url)
    return str(url.update_query_dict({"options": f"-csearch_path={schema}"}))


@pytest.fixture(params=BACKENDS)
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(backend, url) of an empty database; PostgreSQL: a throw-away schema."""
    backend = request.param
    if backend == "sqlite":
        yield backend, f"sqlite:///{tmp_path / 'handoff.db'}"
        return
    base = postgres_url()
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set")
    schema = f"handoff_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield backend, _schema_url(base, schema)
    finally:
        dispose_engines()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db_url(fresh_database_url: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database with every table, also set as DATABASE_URL for the code under test."""
    _, url = fresh_database_url
    import_models()
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    dispose_engines()
    yield url
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
    """The agent console on a real HTTP port, over this test's database, with a fake Rasa API.

    The server reads DATABASE_URL, AGENT_TOKEN and RASA_URL per request, so one server serves
    every test.
    """
    for name, value in console_server.env().items():
        monkeypatch.setenv(name, value)
    console_server.calls.clear()
    console_server.fail_pushes = False
    return console_server
