"""The analytics migration creates exactly what the models describe, and reverts cleanly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.handoff.test_migration import _tables_of
from vssid.db import manage
from vssid.db.base import Base, import_models
from vssid.db.engine import make_engine

ANALYTICS_TABLES = {
    "analytics_cursor",
    "analytics_daily",
    "analytics_conversation_days",
    "analytics_conversations",
    "analytics_first_replies",
    "analytics_unanswered",
}


def test_upgrade_matches_the_models_and_downgrade_removes_the_tables(analytics) -> None:
    service, _ = analytics
    engine = service.sessions.kw["bind"]
    url = engine.url.render_as_string(hide_password=False)
    import_models()
    check = make_engine(url)
    try:
        with check.connect() as conn:
            assert ANALYTICS_TABLES <= set(sa.inspect(conn).get_table_names())
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert [d for d in diff if ANALYTICS_TABLES & set(map(str, _tables_of(d)))] == []
        manage.downgrade(url, revision="0003_access")
        with check.connect() as conn:
            assert not ANALYTICS_TABLES & set(sa.inspect(conn).get_table_names())
        manage.upgrade(url)
        with check.connect() as conn:
            assert ANALYTICS_TABLES <= set(sa.inspect(conn).get_table_names())
    finally:
        check.dispose()
