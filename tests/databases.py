"""The one test-database set-up every service test uses.

`empty_database(backend, directory)` gives the URL of an empty database: a SQLite file, or a
throw-away schema in the PostgreSQL database of TEST_DATABASE_URL (``search_path`` in the URL),
dropped afterwards, so tests never touch each other's tables. `migrated(url)` builds the schema
the way production does, through the Alembic migrations.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from vssid.db import manage
from vssid.db.engine import dispose_engines, make_engine

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def redis_url_or_skip() -> str:
    """TEST_REDIS_URL of a reachable Redis; a test needing it skips without it, or fails under CI=true."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if _in_ci():
            pytest.fail("CI=true but TEST_REDIS_URL is not set: run the suite through `make test`")
        pytest.skip("TEST_REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError as e:
        if _in_ci():
            pytest.fail(f"CI=true but Redis at TEST_REDIS_URL is unreachable: {e}")
        pytest.skip(f"Redis at TEST_REDIS_URL is unreachable: {e}")
    return url


def _schema_url(base_url: str, schema: str) -> str:
    url = sa.engine.make_url(base_url)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@contextmanager
def empty_database(backend: str, directory: Path, *, name: str = "test") -> Iterator[str]:
    """URL of an empty database on `backend` ('sqlite' or 'postgresql'); skips without PostgreSQL."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'{name}.db'}"
        return
    base = postgres_url()
    if not base:
        if _in_ci():
            pytest.fail("CI=true but TEST_DATABASE_URL is not set: run the suite through `make test`")
        pytest.skip("TEST_DATABASE_URL is not set")
    schema = f"{name}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _schema_url(base, schema)
    finally:
        dispose_engines()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def migrated(url: str) -> str:
    """Apply every Alembic migration to `url`; returns it."""
    engine = make_engine(url)
    with engine.begin() as connection:
        manage.upgrade(connection=connection)
    engine.dispose()
    return url
