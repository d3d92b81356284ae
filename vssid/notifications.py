"""A "conversation changed" wake-up call from the tracker store to whoever waits on it.

The tracker store (vssid/stores.py) calls `conversation_changed(sender_id)` after it has committed
new events; the web chat's long poll (`GET /webhooks/webchat/events`) waits with
`signals().listen(sender_id)` instead of re-reading the tracker store every second.

- One process: an asyncio.Event per waiting request, set thread-safely in the waiter's loop.
- Several Rasa processes (LOCK_STORE_URL = redis://...): the change is also PUBLISHed on one Redis
  channel per Redis database; each process runs one subscriber task that wakes its local waiters.
  A process receives its own publications too; a spurious wake-up only costs one empty read.

A notification carries only the conversation id, never content: waiters re-read the store, which
stays the single source of truth (a lost notification delays a widget until its poll times out).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

from vssid import settings

logger = logging.getLogger(__name__)

CHANNEL_PREFIX = "vssid:conversation-changed"


def redis_channel(url: str) -> str:
    """The pub/sub channel of a Redis URL; Redis pub/sub ignores the database, so it is named in."""
    database = urlsplit(url).path.lstrip("/") or "0"
    return f"{CHANNEL_PREFIX}:{database}"


class ConversationSignals:
    """Waiters per conversation in this process, optionally relayed across processes by Redis."""

    def __init__(self, redis_url: str = "") -> None:
        self._redis_url = redis_url
        self._lock = threading.Lock()
        self._waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}
        self._publisher = None  # redis.Redis, created on first publication
        self._subscribers: dict[asyncio.AbstractEventLoop, asyncio.Task] = {}

    @property
    def relayed(self) -> bool:
        return bool(self._redis_url)

    @contextlib.contextmanager
    def listen(self, sender_id: str) -> Iterator[asyncio.Event]:
        """An event set whenever `sender_id` changes while the block runs (register, then read)."""
        loop = asyncio.get_running_loop()
        if self._redis_url:
            self._ensure_subscriber(loop)
        waiter = (loop, asyncio.Event())
        with self._lock:
            self._waiters.setdefault(sender_id, set()).add(waiter)
        try:
            yield waiter[1]
        finally:
            with self._lock:
                waiters = self._waiters.get(sender_id)
                if waiters is not None:
                    waiters.discard(waiter)
                    if not waiters:
                        del self._waiters[sender_id]

    def waiting(self, sender_id: str) -> int:
        with self._lock:
            return len(self._waiters.get(sender_id, ()))

    def wake(self, sender_id: str) -> None:
        """Wake this process's waiters of `sender_id` (from any thread)."""
        with self._lock:
            waiters = list(self._waiters.get(sender_id, ()))
        for loop, event in waiters:
            if loop.is_closed():
                continue
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                event.set()
            else:
                loop.call_soon_threadsafe(event.set)

    def changed(self, sender_id: str) -> None:
        """`sender_id` has new events: wake local waiters and, with Redis, every other process."""
        self.wake(sender_id)
        if self._redis_url:
            self._publish(sender_id)

    def _publish(self, sender_id: str) -> None:
        try:
            if self._publisher is None:
                import redis

                self._publisher = redis.Redis.from_url(self._redis_url, socket_timeout=2)
            self._publisher.publish(redis_channel(self._redis_url), sender_id)
        except Exception:  # noqa: BLE001 - a lost wake-up only delays a widget until its poll ends
            logger.warning("notifications: publishing to Redis failed", exc_info=True)

    def _ensure_subscriber(self, loop: asyncio.AbstractEventLoop) -> None:
        task = self._subscribers.get(loop)
        if task is None or task.done():
            self._subscribers[loop] = loop.create_task(self._subscribe())

    async def _subscribe(self) -> None:
        import redis.asyncio

        channel = redis_channel(self._redis_url)
        while True:
            client = redis.asyncio.Redis.from_url(self._redis_url)
            try:
                async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(channel)
                    async for message in pubsub.listen():
                        data = message.get("data")
                        if isinstance(data, bytes):
                            self.wake(data.decode("utf-8", "replace"))
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - reconnect; waiters still time out and re-read
                logger.warning("notifications: Redis subscription lost; reconnecting", exc_info=True)
                await asyncio.sleep(1.0)
            finally:
                with contextlib.suppress(Exception):
                    await client.close()

    async def close(self) -> None:
        for task in self._subscribers.values():
            task.cancel()
        for task in self._subscribers.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._subscribers.clear()
        if self._publisher is not None:
            self._publisher.close()
            self._publisher = None


_signals: ConversationSignals | None = None
_signals_lock = threading.Lock()


def signals() -> ConversationSignals:
    """This process's signals; relayed by Redis when LOCK_STORE_URL names a Redis server."""
    global _signals
    with _signals_lock:
        if _signals is None:
            url = settings.lock_store_url()
            _signals = ConversationSignals(url if settings.is_redis_url(url) else "")
        return _signals


def conversation_changed(sender_id: str) -> None:
    """Called by the tracker store after it committed new events of `sender_id`."""
    signals().changed(sender_id)
