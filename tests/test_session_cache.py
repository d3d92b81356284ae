"""The tracker store reads only newer rows between messages, builds the same tracker as Rasa, and
saves exactly the events Rasa would save."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from tests.databases import BACKENDS, empty_database
from vssid.session_cache import CachedSession, SessionCache
from vssid.session_tracker import SessionTracker
from vssid.stores import EnvSQLTrackerStore

DOMAIN = Domain.from_dict({"slots": {"topic": {"type": "text", "mappings": [{"type": "custom"}]}}})


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with empty_database(request.param, tmp_path, name="cache") as database_url:
        yield database_url


def _turn(store: EnvSQLTrackerStore, sender: str, text: str, *extra) -> None:  # noqa: ANN002
    async def _save() -> None:
        tracker = await store.retrieve(sender) or DialogueStateTracker(sender, DOMAIN.slots)
        for event in (*extra, UserUttered(text), ActionExecuted("utter_x"), BotUttered(f"re: {text}")):
            tracker.update(event)
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)

    asyncio.run(_save())


def _dump(tracker: DialogueStateTracker | None) -> tuple:
    assert tracker is not None
    return ([event.as_dict() for event in tracker.events], tracker.current_slot_values())


def test_cached_retrieval_equals_rasas_across_replicas_and_sessions(url: str) -> None:
    first = EnvSQLTrackerStore(DOMAIN, host=url)
    second = EnvSQLTrackerStore(DOMAIN, host=url)  # another Rasa process on the same database
    rasa = SQLTrackerStore(DOMAIN, host=url)
    try:
        sender = "web-cache"
        _turn(first, sender, "một", SlotSet("topic", "a"))
        _turn(first, sender, "hai")
        assert _dump(asyncio.run(first.retrieve(sender))) == _dump(asyncio.run(rasa.retrieve(sender)))
        _turn(second, sender, "ba", SlotSet("topic", "b"))  # saved by the other replica
        assert _dump(asyncio.run(first.retrieve(sender))) == _dump(asyncio.run(rasa.retrieve(sender)))
        assert asyncio.run(first.retrieve(sender)).get_slot("topic") == "b"
        time.sleep(0.01)  # a new session: Rasa keeps only the events from its start
        _turn(second, sender, "bốn", ActionExecuted("action_session_start"), SessionStarted())
        expected = _dump(asyncio.run(rasa.retrieve(sender)))
        assert _dump(asyncio.run(first.retrieve(sender))) == expected
        assert [e["event"] for e in expected[0]][:2] == ["session_started", "user"]
        assert asyncio.run(first.retrieve("web-nobody")) is None
    finally:
        for store in (first, second, rasa):
            store.engine.dispose()


def test_only_newer_rows_are_read_once_cached(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = EnvSQLTrackerStore(DOMAIN, host=url)
    try:
        _turn(store, "web-a", "một")
        asyncio.run(store.retrieve("web-a"))
        parsed: list[int] = []
        import vssid.stores

        original = vssid.stores._deserialise
        monkeypatch.setattr(
            vssid.stores,
            "_deserialise",
            lambda rows, cipher: parsed.append(len(rows)) or original(rows, cipher),
        )
        _turn(store, "web-a", "hai")  # retrieve (0 new rows) + save
        asyncio.run(store.retrieve("web-a"))  # the 4 rows of the second turn only
        assert parsed == [4]
    finally:
        store.engine.dispose()


def test_the_tracker_is_a_session_tracker_and_a_save_counts_nothing(url: str) -> None:
    """Rasa's save ran a count(*) over the whole session (reading and sorting every row) to know
    which events are new; the store knows it from the rows it has read."""
    store = EnvSQLTrackerStore(DOMAIN, host=url)
    rasa = SQLTrackerStore(DOMAIN, host=url)
    statements: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        for text in ("một", "hai", "ba"):
            _turn(store, "web-count", text, SlotSet("topic", text))
        assert isinstance(asyncio.run(store.retrieve("web-count")), SessionTracker)
        assert _dump(asyncio.run(store.retrieve("web-count"))) == _dump(
            asyncio.run(rasa.retrieve("web-count"))
        )
        assert len(asyncio.run(rasa.retrieve("web-count")).events) == 3 * 5
        assert statements and not [s for s in statements if "count(" in s.lower()]
    finally:
        store.engine.dispose()
        rasa.engine.dispose()


def test_a_row_that_reads_as_no_event_is_counted_as_rasa_counts_it(url: str) -> None:
    """Rasa counts rows, and `deserialise_events` skips a row without "event": both stores then
    save the same events (Rasa's own off-by-one included)."""
    ours = EnvSQLTrackerStore(DOMAIN, host=url)
    rasa = SQLTrackerStore(DOMAIN, host=url)

    def _stored_types(sender: str) -> list[str]:
        with rasa.session_scope() as session:
            query = sa.select(rasa.SQLEvent.type_name).where(rasa.SQLEvent.sender_id == sender)
            return list(session.execute(query.order_by(rasa.SQLEvent.id)).scalars())

    try:
        for store in (ours, rasa):
            sender = f"web-odd-{type(store).__name__}"
            _turn(store, sender, "một")
            with store.session_scope() as session:
                data = json.dumps({"timestamp": time.time()})
                session.add(
                    store.SQLEvent(sender_id=sender, type_name="odd", timestamp=time.time(), data=data)
                )
                session.commit()
            _turn(store, sender, "hai")
            _turn(store, sender, "ba")
        assert _stored_types("web-odd-EnvSQLTrackerStore") == _stored_types("web-odd-SQLTrackerStore")
    finally:
        ours.engine.dispose()
        rasa.engine.dispose()


def test_the_cache_is_bounded_by_events_and_forgets_least_recent_first() -> None:
    cache = SessionCache(max_events=5)
    events = tuple(BotUttered(str(i)) for i in range(3))
    cache.put("a", CachedSession(events, 3))
    cache.put("b", CachedSession(events[:2], 5))
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("c", CachedSession(events[:2], 7))  # 7 events > 5: b goes
    assert (cache.get("b"), len(cache)) == (None, 2)
    cache.put("huge", CachedSession(events * 3, 9))  # larger than the whole cache: not kept
    assert cache.get("huge") is None
