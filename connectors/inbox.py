"""Delivery helpers for webhook channels: duplicate detection and per-conversation ordering.

Duplicate detection must be shared by every Rasa replica behind a load balancer (Telegram may
re-send an update to any of them): `recent_ids()` gives the Redis-backed memory when
LOCK_STORE_URL names a Redis server, else the in-process one.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

from vssid import settings

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


class RecentIds:
    """Remembers recently seen ids (bounded by count and age).

    Telegram re-sends an update when it did not get our 200, and update ids restart from a
    random value after a week without updates, so "seen" means "seen recently", never
    "smaller than the last one".
    """

    def __init__(
        self,
        capacity: int = 10_000,
        ttl_seconds: float = 24 * 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._capacity = capacity
        self._ttl = ttl_seconds
        self._clock = clock
        self._seen: OrderedDict[Hashable, float] = OrderedDict()
        self._lock = threading.Lock()

    def check_and_add(self, key: Hashable) -> bool:
        """Return True if ``key`` was seen recently; otherwise remember it and return False."""
        with self._lock:
            now = self._clock()
            while self._seen:
                oldest, seen_at = next(iter(self._seen.items()))
                if now - seen_at <= self._ttl and len(self._seen) < self._capacity:
                    break
                del self._seen[oldest]
            if key in self._seen:
                return True
            self._seen[key] = now
            return False


class RedisRecentIds:
    """`RecentIds` shared by every process through Redis: one key per id, expiring after the TTL.

    `SET key NX EX ttl` is atomic, so of two replicas receiving the same update exactly one
    sees it as new. Blocking: call it off the event loop (vssid.aio.run_blocking).
    """

    def __init__(
        self, url: str, ttl_seconds: int = 24 * 3600, prefix: str = "vssid:telegram:update:"
    ) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=5)
        self._ttl = ttl_seconds
        self._prefix = prefix

    def check_and_add(self, key: Hashable) -> bool:
        """Return True if ``key`` was seen recently (by any process); otherwise remember it."""
        return not self._redis.set(f"{self._prefix}{key}", b"1", nx=True, ex=self._ttl)


def recent_ids(redis_url: str = "", namespace: str = "vssid") -> RecentIds | RedisRecentIds:
    """The duplicate memory for this deployment: Redis when `redis_url` is one, else in-process.

    `namespace` prefixes the keys (settings.redis_namespace(): one per bot or deployment; a test
    stack uses its own, since its update ids restart at every run)."""
    if settings.is_redis_url(redis_url):
        return RedisRecentIds(redis_url, prefix=f"{namespace}:telegram:update:")
    return RecentIds()


class PerKeyQueues:
    """Runs jobs one at a time per key (a chat), in submission order; keys run concurrently.

    A worker task exists only while its key has pending jobs, so idle chats cost nothing.
    """

    def __init__(self) -> None:
        self._queues: dict[Hashable, asyncio.Queue[Job]] = {}
        self._workers: set[asyncio.Task[None]] = set()

    def submit(self, key: Hashable, job: Job) -> None:
        """Queue ``job`` for ``key``; must be called from the event loop that runs the jobs."""
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = asyncio.Queue()
            worker = asyncio.get_running_loop().create_task(self._drain(key, queue))
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)
        queue.put_nowait(job)

    async def _drain(self, key: Hashable, queue: asyncio.Queue[Job]) -> None:
        while True:
            try:
                job = queue.get_nowait()
            except asyncio.QueueEmpty:
                # No await between the empty check and the removal: submit() cannot interleave.
                del self._queues[key]
                return
            try:
                await job()
            except Exception:
                logger.exception("Job for conversation %s failed", key)

    async def join(self) -> None:
        """Wait until every queued job has run (for tests and graceful shutdown)."""
        while self._workers:
            await asyncio.gather(*list(self._workers), return_exceptions=True)
