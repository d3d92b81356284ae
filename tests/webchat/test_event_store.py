"""Reading only the newer events through the tracker store, and the "conversation changed" signal."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from tests.databases import BACKENDS, empty_database, redis_url_or_skip
from vssid.notifications import ConversationSignals, signals
from vssid.stores import EnvSQLTrackerStore, read_event_rows


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> EnvSQLTrackerStore:
    with empty_database(request.param, tmp_path, name="tracker") as url:
        sql_store = EnvSQLTrackerStore(Domain.empty(), host=url)
        yield sql_store
        sql_store.engine.dispose()


def _say(store: EnvSQLTrackerStore, sender_id: str, user_text: str, bot_text: str) -> None:
    async def _save() -> None:
        tracker = await store.retrieve(sender_id) or DialogueStateTracker(sender_id, [])
        tracker.update(UserUttered(user_text))
        tracker.update(ActionExecuted("utter_x"))
        tracker.update(BotUttered(bot_text))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)

    asyncio.run(_save())


def test_rows_after_a_cursor_are_only_the_newer_events_of_that_conversation(
    store: EnvSQLTrackerStore,
) -> None:
    _say(store, "web-a", "xin chào", "Chào bạn")
    _say(store, "web-b", "hello", "Chào B")  # interleaved: ids of another conversation in between
    first = store.event_rows("web-a")
    cursor = first.rows[-1][0] + 1
    _say(store, "web-a", "quên mật khẩu", "Làm như sau")

    newer = store.event_rows("web-a", after=cursor)
    assert [event["event"] for _, event in newer.rows] == ["user", "action", "bot", "action"]
    assert [event.get("text") for _, event in newer.rows if event["event"] != "action"] == [
        "quên mật khẩu",
        "Làm như sau",
    ]
    assert all(seq >= cursor for seq, _ in newer.rows)
    assert newer.reset is False
    # The same events, in the same order, as Rasa's own full read.
    full = asyncio.run(store.retrieve_full_tracker("web-a"))
    assert [event for _, event in first.rows + newer.rows] == [event.as_dict() for event in full.events]


def test_rows_can_be_limited_to_some_event_types(store: EnvSQLTrackerStore) -> None:
    _say(store, "web-a", "xin chào", "Chào bạn")
    rows = store.event_rows("web-a", type_names=("user", "bot")).rows
    assert [(event["event"], event["text"]) for _, event in rows] == [
        ("user", "xin chào"),
        ("bot", "Chào bạn"),
    ]


def test_nothing_new_is_an_empty_page_and_a_cursor_beyond_the_conversation_is_a_reset(
    store: EnvSQLTrackerStore,
) -> None:
    _say(store, "web-a", "xin chào", "Chào bạn")
    end = store.event_rows("web-a").rows[-1][0] + 1
    assert store.event_rows("web-a", after=end).rows == []
    assert store.event_rows("web-a", after=end).reset is False
    replaced = store.event_rows("web-a", after=end + 50)
    assert replaced.reset is True
    assert len(replaced.rows) == 4
    unknown = store.event_rows("web-nobody", after=5)
    assert (unknown.rows, unknown.reset) == ([], True)


def test_reading_through_rasas_wrappers_uses_the_sql_rows(store: EnvSQLTrackerStore) -> None:
    _say(store, "web-a", "xin chào", "Chào bạn")
    wrapped = FailSafeTrackerStore(store)
    assert read_event_rows(wrapped, "web-a") == store.event_rows("web-a")


def test_another_store_is_read_whole_with_the_index_as_seq() -> None:
    memory = InMemoryTrackerStore(Domain.empty())
    tracker = DialogueStateTracker("web-a", [])
    for event in (UserUttered("a"), BotUttered("b"), UserUttered("c")):
        tracker.update(event)
    asyncio.run(memory.save(tracker))
    page = read_event_rows(memory, "web-a", after=1, type_names=("user",))
    assert [(seq, event["text"]) for seq, event in page.rows] == [(2, "c")]
    assert read_event_rows(memory, "web-a", after=9).reset is True


def test_saving_wakes_whoever_listens_to_that_conversation(store: EnvSQLTrackerStore) -> None:
    async def scenario() -> tuple[bool, bool]:
        with signals().listen("web-a") as changed_a, signals().listen("web-b") as changed_b:
            tracker = DialogueStateTracker("web-a", [])
            tracker.update(BotUttered("Tổng đài viên: xin chào"))
            await store.save(tracker)
            await asyncio.wait_for(changed_a.wait(), 5)
            return changed_a.is_set(), changed_b.is_set()

    assert asyncio.run(scenario()) == (True, False)
    assert signals().waiting("web-a") == 0  # listeners are removed when the block ends


def test_a_change_signalled_from_another_thread_wakes_the_waiting_loop() -> None:
    local = ConversationSignals()

    async def scenario() -> bool:
        with local.listen("web-a") as changed:
            await asyncio.get_running_loop().run_in_executor(None, local.changed, "web-a")
            await asyncio.wait_for(changed.wait(), 5)
            return changed.is_set()

    assert asyncio.run(scenario()) is True


def test_redis_carries_a_change_to_the_other_processes() -> None:
    """Two ConversationSignals stand for two Rasa processes sharing one Redis."""
    url = redis_url_or_skip()
    sender = f"web-{uuid.uuid4().hex}"
    saver, waiter = ConversationSignals(url), ConversationSignals(url)

    async def scenario() -> bool:
        try:
            with waiter.listen(sender) as changed:
                await asyncio.sleep(0.5)  # the waiter's subscription is in place
                await asyncio.to_thread(saver.changed, sender)
                await asyncio.wait_for(changed.wait(), 5)
                return changed.is_set()
        finally:
            await waiter.close()
            await saver.close()

    assert asyncio.run(scenario()) is True


def test_the_sqlite_tracker_store_writes_ahead_without_an_fsync_per_commit(tmp_path: Path) -> None:
    sqlite_store = EnvSQLTrackerStore(Domain.empty(), host=f"sqlite:///{tmp_path / 'tracker.db'}")
    with sqlite_store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
