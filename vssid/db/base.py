"""Declarative base shared by every feature's models, and column helpers."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import declarative_base
from sqlalchemy.types import TypeDecorator

# Named constraints keep Alembic migrations stable across SQLite (batch mode) and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))

# Modules of this package that hold no models (everything else is imported by `import_models`).
_NOT_MODEL_MODULES = frozenset({"base", "engine", "manage", "seed", "locations"})


def utcnow() -> datetime:
    """The current time as a timezone-aware UTC datetime."""
    return datetime.now(timezone.utc)


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on every backend.

    SQLite stores no offset, so values come back naive; they are re-labelled as UTC here.
    Naive values are refused on the way in, so no local time can slip into the database.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UtcDateTime needs a timezone-aware datetime")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def import_models() -> None:
    """Import every model module of `vssid.db` so `Base.metadata` knows all tables."""
    package = importlib.import_module("vssid.db")
    for module in pkgutil.iter_modules(package.__path__):
        if not module.ispkg and module.name not in _NOT_MODEL_MODULES:
            importlib.import_module(f"vssid.db.{module.name}")
