"""The lock store factory of endpoints.yml, and Rasa's rule that workers need a shared lock store."""

from __future__ import annotations

import pytest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore

from tests.databases import redis_url_or_skip
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


def test_replicas_issuing_tickets_at_once_never_share_or_lose_one() -> None:
    """Two lock stores = two Rasa processes; 8 threads issue and finish tickets of ONE conversation."""
    import threading
    import uuid

    from vssid.locks import AtomicRedisLockStore

    url = redis_url_or_skip()
    replicas = [create_lock_store(url), create_lock_store(url)]
    assert all(isinstance(store, AtomicRedisLockStore) for store in replicas)
    conversation = f"web-{uuid.uuid4().hex}"
    issued: list[int] = []
    guard = threading.Lock()

    def _issue(store) -> None:  # noqa: ANN001
        for _ in range(25):
            ticket = store.issue_ticket(conversation, 60)
            with guard:
                issued.append(ticket)

    threads = [threading.Thread(target=_issue, args=(replicas[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(issued) == list(range(200))  # unique, none lost
    lock = replicas[0].get_lock(conversation)
    assert lock is not None and [t.number for t in lock.tickets] == list(range(200))

    # Finishing them from both replicas at once leaves no lock behind, and none too early.
    def _finish(store, numbers) -> None:  # noqa: ANN001
        for number in numbers:
            store.cleanup(conversation, number)

    halves = [issued[0::2], issued[1::2]]
    threads = [threading.Thread(target=_finish, args=(replicas[i], halves[i])) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert replicas[1].get_lock(conversation) is None


def test_cleanup_keeps_the_lock_while_someone_waits() -> None:
    import uuid

    url = redis_url_or_skip()
    first, second = create_lock_store(url), create_lock_store(url)
    conversation = f"web-{uuid.uuid4().hex}"
    mine = first.issue_ticket(conversation, 60)
    theirs = second.issue_ticket(conversation, 60)
    first.cleanup(conversation, mine)
    lock = second.get_lock(conversation)
    assert lock is not None and not lock.is_locked(theirs)  # now serving the second replica's ticket
    second.cleanup(conversation, theirs)
    assert first.get_lock(conversation) is None
