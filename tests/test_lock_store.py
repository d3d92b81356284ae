"""The lock store factory of endpoints.yml, and Rasa's rule that workers need a shared lock store."""

from __future__ import annotations

import pytest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore

from vssid.stores import create_lock_store


def test_no_url_is_rasas_in_memory_lock_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SANIC_WORKERS", raising=False)
    assert isinstance(create_lock_store(""), InMemoryLockStore)


def test_sanic_workers_without_redis_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rasa's own check passes any custom lock store type, so ours must refuse for it."""
    monkeypatch.setenv("SANIC_WORKERS", "2")
    with pytest.raises(ValueError, match="LOCK_STORE_URL"):
        create_lock_store("")


def test_sanic_workers_with_redis_are_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANIC_WORKERS", "2")
    store = create_lock_store("redis://127.0.0.1:6379/5")
    assert isinstance(store, RedisLockStore)


def test_other_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match="redis://"):
        create_lock_store("memcached://127.0.0.1:11211")
