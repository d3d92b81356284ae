"""Tracker and lock stores configured from the environment.

endpoints.yml names these classes so that one file serves every deployment:
SQLite files by default, PostgreSQL / Redis when TRACKER_STORE_URL / LOCK_STORE_URL are set.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.utils.endpoints import EndpointConfig

from vssid import logmask, remote_actions, settings
from vssid.db.engine import engine_options
from vssid.startup import ensure_secret
from vssid.tracker_privacy import cipher_for, restore_event, scrub_event

logger = logging.getLogger(__name__)


class EnvSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store with its database URL taken from TRACKER_STORE_URL.

    Events rest with personal numbers masked (vssid/tracker_privacy.py); the engine has bounded
    waits and replaces dead connections (vssid/db/engine.py). This is the one class of ours the
    Rasa server always builds at start, so it also installs the action-call guard
    (vssid/remote_actions.py) and refuses to start without OTP_SECRET outside development.
    """

    def __init__(
        self, domain: Any = None, host: str | None = None, event_broker: Any = None, **kwargs: Any
    ) -> None:
        url = settings.tracker_store_url()
        logger.info("Tracker store: %s", urlsplit(url).scheme)
        self._cipher = cipher_for(ensure_secret("OTP_SECRET", "key of the tracker store's encrypted fields"))
        remote_actions.install()
        logmask.install()
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        options = {**create_engine_kwargs(url), **engine_options(url)}  # Rasa's pool sizes + ours
        self.engine.dispose()
        self.engine = sa.create_engine(url, **options)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """SQLTrackerStore.save, with each event scrubbed before it is written."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(scrub_event(data, self._cipher)),
                    )
                )
            session.commit()

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            rows = self._event_query(
                session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions
            ).all()
            events = [restore_event(json.loads(row.data), self._cipher) for row in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None


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
