"""The shared guard of public routes, without a server: text cleaning and rate-limit arithmetic."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from connectors import guard


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("xin chào", "xin chào"),
        ("a\x00b\x07c", "abc"),
        ("dòng 1\r\ndòng 2\tcột", "dòng 1\ndòng 2\tcột"),
        ("lỗi \ud800", None),
        ("😀 <b>", "😀 <b>"),
    ],
)
def test_clean_text(text: str, expected: str | None) -> None:
    assert guard.clean_text(text) == expected


def test_rate_limits_count_per_name_and_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMIT_WEBCHAT_MESSAGE", "3/minute")
    limits = guard.RateLimits("memory://", namespace=uuid.uuid4().hex)

    async def hits(key: str, n: int) -> list[int]:
        return [await limits.hit("webchat_message", key) for _ in range(n)]

    waits = asyncio.run(hits("web-a", 4))
    assert waits[:3] == [0, 0, 0] and 1 <= waits[3] <= 61
    assert asyncio.run(hits("web-b", 1)) == [0]  # another key has its own budget


def test_redis_storage_is_shared_by_replicas(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set")
    monkeypatch.setenv("RATE_LIMIT_TELEGRAM_CHAT", "2/minute")
    namespace = uuid.uuid4().hex
    first, second = guard.RateLimits(url, namespace), guard.RateLimits(url, namespace)

    async def run() -> list[int]:
        return [
            await first.hit("telegram_chat", "tg-1"),
            await second.hit("telegram_chat", "tg-1"),
            await first.hit("telegram_chat", "tg-1"),
        ]

    waits = asyncio.run(run())
    assert waits[:2] == [0, 0] and waits[2] >= 1


def test_storage_follows_the_lock_store(monkeypatch: pytest.MonkeyPatch) -> None:
    from vssid import settings

    monkeypatch.delenv("RATE_LIMIT_STORAGE_URL", raising=False)
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    assert settings.rate_limit_storage_url() == "memory://"
    monkeypatch.setenv("LOCK_STORE_URL", "redis://127.0.0.1:6379/5")
    assert settings.rate_limit_storage_url() == "redis://127.0.0.1:6379/5"
    monkeypatch.setenv("RATE_LIMIT_STORAGE_URL", "memory://")
    assert settings.rate_limit_storage_url() == "memory://"


def _hit_many_sessions(limits: guard.RateLimits, count: int) -> list[int]:
    async def run() -> list[int]:
        return [await limits.hit("webchat_message", f"web-{n}") for n in range(count)]

    return asyncio.run(run())


def test_in_memory_limits_forget_a_key_once_its_window_has_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    """limits' own MemoryStorage keeps an empty list per key forever (one per web session ever seen)."""
    import time
    from types import SimpleNamespace

    from limits.storage import MemoryStorage

    from connectors import memory_storage

    monkeypatch.setenv("RATE_LIMIT_WEBCHAT_MESSAGE", "1/minute")
    limits = guard.RateLimits("memory://", namespace=uuid.uuid4().hex)
    storage = limits._storage
    assert isinstance(storage, memory_storage.PruningMemoryStorage)
    assert _hit_many_sessions(limits, 50) == [0] * 50
    storage._MemoryStorage__expire_events()  # within the window: every key is kept
    assert len(storage.events) == 50
    assert asyncio.run(limits.hit("webchat_message", "web-0")) > 0  # still limited

    later = time.time() + 61
    monkeypatch.setattr(memory_storage, "time", SimpleNamespace(time=lambda: later))
    storage._MemoryStorage__expire_events()
    assert storage.events == {}

    # limits' MemoryStorage, same pass at the same moment: the keys stay (emptied).
    theirs = MemoryStorage()
    for n in range(50):
        theirs.acquire_entry(f"web-{n}", 1, 60)
    for entries in theirs.events.values():
        for entry in entries:
            entry.expiry -= 61
    theirs._MemoryStorage__expire_events()
    assert len(theirs.events) == 50 and not any(theirs.events.values())
