"""The latest session's events of recent conversations, kept between messages in one process.

Rasa's SQL tracker store rebuilds the tracker before every message from *all* rows of the
current session: fetch, `json.loads` and deserialise each event. For message 200 of a
conversation that was 40 % of the Rasa process's time and the reason message 200 cost several
times message 1 (bench/RESULTS.md, "Speed"). The store (vssid/stores.py) keeps here the events it
has read and asks the database only for rows newer than the last one it knows; another replica's
rows are among those, so the cache never hides what another process saved.

Bounded by a total number of events (least recently used conversations go first). Events are
the ones read from the database (as stored, e.g. masked), shared with the trackers built from
them: Rasa treats an event as immutable once it is in a tracker.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from rasa.shared.core.events import Event

DEFAULT_MAX_EVENTS = 200_000


@dataclass(frozen=True)
class CachedSession:
    """Events of a conversation's latest session, up to and including row `last_id`."""

    events: tuple[Event, ...]
    last_id: int


class SessionCache:
    """A thread-safe LRU of `CachedSession`s, bounded by the total number of events."""

    def __init__(self, max_events: int = DEFAULT_MAX_EVENTS) -> None:
        self._max_events = max_events
        self._sessions: OrderedDict[str, CachedSession] = OrderedDict()
        self._events = 0
        self._lock = threading.Lock()

    def get(self, sender_id: str) -> CachedSession | None:
        with self._lock:
            cached = self._sessions.get(sender_id)
            if cached is not None:
                self._sessions.move_to_end(sender_id)
            return cached

    def put(self, sender_id: str, cached: CachedSession) -> None:
        with self._lock:
            previous = self._sessions.pop(sender_id, None)
            if previous is not None:
                self._events -= len(previous.events)
            if len(cached.events) > self._max_events:
                return
            self._sessions[sender_id] = cached
            self._events += len(cached.events)
            while self._events > self._max_events:
                _, evicted = self._sessions.popitem(last=False)
                self._events -= len(evicted.events)

    def forget(self, sender_id: str) -> None:
        with self._lock:
            previous = self._sessions.pop(sender_id, None)
            if previous is not None:
                self._events -= len(previous.events)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)
