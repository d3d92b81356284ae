"""The handoff migration creates exactly what the models describe, and reverts cleanly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from vssid.db import manage
from vssid.db.base import Base, import_models
from vssid.db.engine import make_engine

HANDOFF_TABLES = {"handoff_tickets", "handoff_messages"}


def test_upgrade_matches_the_models_and_downgrade_removes_the_tables(
    fresh_database_url: tuple[str, str],
) -> None:
    _, url = fresh_database_url
    manage.upgrade(url)
    import_models()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert HANDOFF_TABLES <= set(sa.inspect(conn).get_table_names())
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        handoff_diff = [d for d in diff if HANDOFF_TABLES & set(map(str, _tables_of(d)))]
        assert handoff_diff == []

        manage.downgrade(url, revision="0001_records")
        with engine.connect() as conn:
            assert not HANDOFF_TABLES & set(sa.inspect(conn).get_table_names())
        manage.upgrade(url)
    finally:
        engine.dispose()


ACCESS_TABLES = {"agents", "agent_audit_log", "webchat_sessions"}


def test_access_migration_matches_the_models_and_reverts(fresh_database_url: tuple[str, str]) -> None:
    _, url = fresh_database_url
    manage.upgrade(url)
    import_models()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert ACCESS_TABLES <= set(sa.inspect(conn).get_table_names())
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert [d for d in diff if (ACCESS_TABLES | HANDOFF_TABLES) & set(map(str, _tables_of(d)))] == []
        manage.downgrade(url, revision="0002_handoff")
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            assert not ACCESS_TABLES & set(inspector.get_table_names())
            assert "held" not in {c["name"] for c in inspector.get_columns("handoff_tickets")}
        manage.upgrade(url)
    finally:
        engine.dispose()


def _tables_of(diff: object) -> list[str]:
    """Table names mentioned by one autogenerate diff entry (tuples, possibly nested)."""
    names: list[str] = []
    items = diff if isinstance(diff, list) else [diff]
    for item in items:
        for part in item if isinstance(item, tuple) else ():
            table = getattr(part, "table", None)
            if isinstance(part, sa.Table):
                names.append(part.name)
            elif table is not None:
                names.append(table.name)
            elif isinstance(part, str):
                names.append(part)
    return names
