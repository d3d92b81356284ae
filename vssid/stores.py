"""Tracker and lock stores configured from the environment.

endpoints.yml names these classes so that one file serves every deployment:
SQLite files by default, PostgreSQL / Redis when TRACKER_STORE_URL / LOCK_STORE_URL are set.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.utils.endpoints import EndpointConfig

from vssid import settings

logger = logging.getLogger(__name__)


class EnvSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store with its database URL taken from TRACKER_STORE_URL."""

    def __init__(
        self, domain: Any = None, host: str | None = None, event_broker: Any = None, **kwargs: Any
    ) -> None:
        url = settings.tracker_store_url()
        logger.info("Tracker store: %s", urlsplit(url).scheme)
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)


class EnvLockStore(LockStore):
    """Factory: Redis lock store when LOCK_STORE_URL is set, otherwise in-memory."""

    def __new__(cls, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> LockStore:  # type: ignore[misc]
        return create_lock_store(settings.lock_store_url())


def create_lock_store(url: str) -> LockStore:
    if not url:
        return InMemoryLockStore()
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError(f"LOCK_STORE_URL must be redis://host:port/db, got scheme {parts.scheme!r}")
    db = int(parts.path.lstrip("/") or 1)
    logger.info("Lock store: Redis at %s:%s db %s", parts.hostname, parts.port or 6379, db)
    return RedisLockStore(
        host=parts.hostname or "localhost",
        port=parts.port or 6379,
        db=db,
        password=parts.password,
        use_ssl=parts.scheme == "rediss",
        key_prefix="vssid",
    )
