"""Tracker and lock stores configured from the environment.

endpoints.yml names these classes so that one file serves every deployment:
SQLite files by default, PostgreSQL / Redis when TRACKER_STORE_URL / LOCK_STORE_URL are set.

The tracker store also serves the channels that show a conversation (the web chat): they read
only the events newer than a cursor (`read_event_rows`) and are told when a conversation changed
(`vssid.notifications`) instead of re-reading whole trackers.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from cryptography.fernet import Fernet
from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore, create_engine_kwargs
from rasa.shared.core.events import Event, SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.utils.endpoints import EndpointConfig

from vssid import logmask, notifications, rasa_speedups, remote_actions, settings
from vssid.db.engine import engine_options
from vssid.locks import AtomicRedisLockStore
from vssid.session_cache import CachedSession, SessionCache
from vssid.session_tracker import FoldCache, SessionTracker
from vssid.startup import ensure_secret
from vssid.tracker_privacy import cipher_for, restore_event, scrub_event

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventRows:
    """Events of one conversation read after a cursor.

    `rows` holds (seq, event as dict) in order; `seq` is stable across processes and only grows.
    `reset` means the cursor was beyond the conversation (it was deleted or replaced): `rows` then
    holds the whole conversation, for the reader to redraw.
    """

    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    reset: bool = False


class EnvSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store with its database URL taken from TRACKER_STORE_URL.

    A full URL passed as `host` (tests) wins over the environment. `seq` of an event is the id of
    its row: ids only grow, and the lock store serialises the saves of one conversation, so a
    conversation's rows commit in id order.

    Events rest with personal numbers masked (vssid/tracker_privacy.py) and are restored on read;
    the engine has bounded waits and replaces dead connections (vssid/db/engine.py). This is the
    one class of ours the Rasa server always builds at start, so it also installs the action-call
    guard (vssid/remote_actions.py), the log mask and Rasa's schema-check shortcut, and refuses to
    start without OTP_SECRET outside development.
    """

    def __init__(
        self, domain: Any = None, host: str | None = None, event_broker: Any = None, **kwargs: Any
    ) -> None:
        url = host if host and "://" in host else settings.tracker_store_url()
        logger.info("Tracker store: %s", urlsplit(url).scheme)
        self._cipher = cipher_for(ensure_secret("OTP_SECRET", "key of the tracker store's encrypted fields"))
        remote_actions.install()
        logmask.install()
        rasa_speedups.install()
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        options = {**create_engine_kwargs(url), **engine_options(url)}  # Rasa's pool sizes + ours
        self.engine.dispose()
        self.engine = sa.create_engine(url, **options)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        if self.engine.dialect.name == "sqlite":
            _tune_sqlite(self.engine)
        self._sessions = SessionCache()
        self._folds = FoldCache()
        self._statements = _Statements(self.SQLEvent)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """Rasa's `retrieve` (the latest session), reading only rows newer than those cached.

        The tracker is a `SessionTracker` (vssid/session_tracker.py): built, and later asked for
        its history-wide values, by continuing from what the previous message computed."""
        events, _ = self._latest_session(sender_id)
        if not self.domain or not events:
            return None
        folds = self._folds.get(sender_id, self.domain)
        return SessionTracker.from_store(sender_id, events, self.domain.slots, folds)

    def _latest_session(self, sender_id: str, session: Any = None) -> tuple[tuple[Event, ...], int]:
        """The latest session's events, and the number of rows they were read from."""
        if session is None:
            with self.session_scope() as session:
                return self._latest_session(sender_id, session)
        cached = self._sessions.get(sender_id)
        if cached is not None:  # cached sessions hold one event per row
            rows = session.execute(
                self._statements.rows_after, {"sender_id": sender_id, "after": cached.last_id}
            ).all()
            if not rows:
                return cached.events, len(cached.events)
            if all(row.type_name != SessionStarted.type_name for row in rows):
                new_events = _deserialise(rows, self._cipher)
                events = cached.events + new_events
                if len(new_events) == len(rows):
                    self._sessions.put(sender_id, CachedSession(events, rows[-1].id))
                return events, len(cached.events) + len(rows)
        # First read here, or a new session started: Rasa's own query for the latest session.
        rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
        events = _deserialise(rows, self._cipher)
        last_id = session.execute(self._statements.last_id, {"sender_id": sender_id}).scalar()
        if last_id is not None and len(events) == len(rows):
            self._sessions.put(sender_id, CachedSession(events, last_id))
        return events, len(rows)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        """Rasa's: the tracker's events after the stored rows of its latest session. Counted while
        reading the rows newer than the cached ones, instead of Rasa's count(*), which read and
        sorted every row of the session on every save."""
        _, stored = self._latest_session(tracker.sender_id, session)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self, tracker: DialogueStateTracker) -> None:
        """SQLTrackerStore.save, with each event scrubbed before it is written; then tell the
        channels waiting on this conversation."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = []
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                rows.append(
                    {
                        "sender_id": tracker.sender_id,
                        "type_name": event.type_name,
                        "timestamp": data.get("timestamp"),
                        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        "action_name": data.get("name"),
                        "data": json.dumps(scrub_event(data, self._cipher)),
                    }
                )
            if rows:  # one executemany in event order (ids grow in that order), not one ORM flush per row
                session.execute(self._statements.insert, rows)
            session.commit()
        notifications.conversation_changed(tracker.sender_id)

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

    def event_rows(
        self, sender_id: str, *, after: int = 0, type_names: Collection[str] | None = None
    ) -> EventRows:
        """Events of `sender_id` with seq >= `after` (only `type_names` if given). Blocking."""
        with self.session_scope() as session:
            rows = self._rows(session, sender_id, after, type_names)
            if rows or after <= 0:
                return EventRows(rows)
            last = session.execute(self._statements.last_id, {"sender_id": sender_id}).scalar()
            if last is not None and after <= last + 1:
                return EventRows([])
            return EventRows(self._rows(session, sender_id, 0, type_names), reset=True)

    def _rows(
        self, session: Any, sender_id: str, after: int, type_names: Collection[str] | None
    ) -> list[tuple[int, dict[str, Any]]]:
        if type_names:
            statement = self._statements.rows_from_of_types
            parameters = {"sender_id": sender_id, "after": after, "type_names": list(type_names)}
        else:
            statement, parameters = self._statements.rows_from, {"sender_id": sender_id, "after": after}
        return [
            (row.id, restore_event(json.loads(row.data), self._cipher))
            for row in session.execute(statement, parameters)
        ]


class _Statements:
    """The store's per-message statements, built once: SQLAlchemy computes a statement's cache key
    on each execution of a new statement object (7.5 % of a message's CPU in the profile), once
    for one reused with bound parameters."""

    def __init__(self, event: Any) -> None:
        sender, after = sa.bindparam("sender_id"), sa.bindparam("after")
        self.rows_after = (
            sa.select(event.id, event.type_name, event.data)
            .where(event.sender_id == sender, event.id > after)
            .order_by(event.id)
        )
        self.rows_from = (
            sa.select(event.id, event.data)
            .where(event.sender_id == sender, event.id >= after)
            .order_by(event.id)
        )
        self.rows_from_of_types = (
            sa.select(event.id, event.data)
            .where(
                event.sender_id == sender,
                event.id >= after,
                event.type_name.in_(sa.bindparam("type_names", expanding=True)),
            )
            .order_by(event.id)
        )
        self.last_id = sa.select(sa.func.max(event.id)).where(event.sender_id == sender)
        self.insert = sa.insert(event.__table__)


def _deserialise(rows: list[Any], cipher: Fernet) -> tuple[Event, ...]:
    return tuple(deserialise_events([restore_event(json.loads(row.data), cipher) for row in rows]))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable across crashes, no fsync per commit
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _tune_sqlite(engine: sa.engine.Engine) -> None:
    """WAL for the SQLite tracker store (`make run`'s default): readers (the web chat's event
    reads) no longer wait for the writer, and a commit no longer waits for an fsync, which was
    9 % of a message's time on the event loop (bench/RESULTS.md, "Speed")."""
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode=WAL")


def _unwrap(tracker_store: TrackerStore) -> TrackerStore:
    """The store inside Rasa's FailSafeTrackerStore / AwaitableTrackerStore wrappers."""
    store = tracker_store
    while hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return store


def read_event_rows(
    tracker_store: TrackerStore,
    sender_id: str,
    *,
    after: int = 0,
    type_names: Collection[str] | None = None,
) -> EventRows:
    """Events of a conversation newer than `after`, through the store. Blocking: run in a thread.

    Our SQL store selects only the newer rows. Any other store is read whole (seq = index in the
    full event list); its own event loop runs here, as Rasa's stores block while they query.
    """
    store = _unwrap(tracker_store)
    if isinstance(store, EnvSQLTrackerStore):
        return store.event_rows(sender_id, after=after, type_names=type_names)
    tracker = asyncio.run(tracker_store.retrieve_full_tracker(sender_id))
    events = [] if tracker is None else [event.as_dict() for event in tracker.events]
    reset = after > len(events)
    start = 0 if reset else max(after, 0)
    rows = [
        (seq, events[seq])
        for seq in range(start, len(events))
        if not type_names or events[seq].get("event") in type_names
    ]
    return EventRows(rows, reset=reset)


class EnvLockStore(LockStore):
    """Factory: Redis lock store when LOCK_STORE_URL is set, otherwise in-memory."""

    def __new__(cls, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> LockStore:  # type: ignore[misc]
        return create_lock_store(settings.lock_store_url())


def create_lock_store(url: str) -> LockStore:
    if not url:
        # Rasa refuses SANIC_WORKERS > 1 with its in-memory lock store, but it cannot see through
        # this factory (endpoints.yml names a custom type), so the same refusal is made here:
        # workers would each lock in their own memory and process one conversation concurrently.
        if settings.sanic_workers() > 1:
            raise ValueError(
                "SANIC_WORKERS > 1 needs a shared lock store: set LOCK_STORE_URL=redis://host:port/db"
            )
        return InMemoryLockStore()
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError(f"LOCK_STORE_URL must be redis://host:port/db, got scheme {parts.scheme!r}")
    db = int(parts.path.lstrip("/") or 1)
    logger.info("Lock store: Redis at %s:%s db %s", parts.hostname, parts.port or 6379, db)
    return AtomicRedisLockStore(
        host=parts.hostname or "localhost",
        port=parts.port or 6379,
        db=db,
        password=parts.password,
        use_ssl=parts.scheme == "rediss",
        key_prefix="vssid",
    )
