"""vssid/stores.py: the tracker and lock stores that endpoints.yml builds from the environment."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
import redis
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from tests.databases import BACKENDS, empty_database, redis_url_or_skip
from vssid.stores import EnvLockStore, EnvSQLTrackerStore, create_lock_store


def test_no_lock_store_url_means_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    assert isinstance(EnvLockStore(None), InMemoryLockStore)


def test_redis_url_gives_a_redis_lock_store_on_that_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCK_STORE_URL", "redis://:pw@127.0.0.1:6390/7")
    store = EnvLockStore(None)
    assert isinstance(store, RedisLockStore)
    options = store.red.connection_pool.connection_kwargs
    assert (options["host"], options["port"], options["db"], options["password"]) == (
        "127.0.0.1",
        6390,
        7,
        "pw",
    )
    assert store.key_prefix == "vssid:lock:"


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379/1", "postgresql://x/y"])
def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="LOCK_STORE_URL must be redis://"):
        create_lock_store(url)


def test_redis_lock_store_keeps_its_tickets_in_redis() -> None:
    url = redis_url_or_skip()
    store = create_lock_store(url)
    conversation = f"stores-test-{uuid.uuid4().hex[:8]}"
    key = f"vssid:lock:{conversation}"
    client = redis.Redis.from_url(url)

    async def hold_the_lock() -> bool:
        async with store.lock(conversation, lock_lifetime=30):
            return client.exists(key) == 1

    try:
        assert asyncio.run(hold_the_lock()) is True
        assert client.exists(key) == 0, "released and deleted"
    finally:
        client.delete(key)
        client.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_tracker_store_saves_and_reads_back_on_the_configured_database(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with empty_database(backend, tmp_path, name="tracker") as url:
        monkeypatch.setenv("TRACKER_STORE_URL", url)
        store = EnvSQLTrackerStore(Domain.empty())
        assert store.engine.dialect.name == backend
        tracker = DialogueStateTracker.from_events(
            "stores-test", [UserUttered("xin chào"), BotUttered("Chào bạn!")]
        )

        async def round_trip() -> DialogueStateTracker | None:
            await store.save(tracker)
            return await store.retrieve("stores-test")

        stored = asyncio.run(round_trip())
        store.engine.dispose()
    assert stored is not None
    assert [(e.type_name, getattr(e, "text", None)) for e in stored.events] == [
        ("user", "xin chào"),
        ("bot", "Chào bạn!"),
    ]
