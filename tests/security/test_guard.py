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
