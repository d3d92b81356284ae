"""Short ids for button payloads, for channels that limit the size of a button's data.

Telegram allows 64 bytes of ``callback_data``; a Rasa payload such as
``/inform{"location": "Thành phố Hồ Chí Minh"}`` easily exceeds that. Every payload is
replaced by a deterministic short id (a prefix and a truncated SHA-256) and the mapping is
kept in a bounded LRU, so the same payload always gets the same id and ids can be resolved
again after a restart if their payloads are seeded (e.g. the buttons written in the domain).

Ids coming back from a client are untrusted input: only ids this process issued (or seeded)
resolve to a payload, so a client cannot inject arbitrary intents or entities.

Behind a load balancer the process that resolves a button is often not the one that issued it:
`RedisButtonPayloads` (`button_payloads()` when LOCK_STORE_URL names a Redis server) keeps the
issued ids in Redis for every replica, with the same rule: only issued or seeded ids resolve.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from vssid import settings

DEFAULT_PREFIX = "b:"
_HASH_CHARS = 16  # 96 bits of SHA-256 in url-safe base64


def short_id(payload: str, prefix: str = DEFAULT_PREFIX) -> str:
    """The deterministic short id of ``payload`` (``prefix`` + 16 url-safe characters)."""
    digest = hashlib.sha256(payload.encode("utf-8")).digest()
    return prefix + base64.urlsafe_b64encode(digest).decode("ascii")[:_HASH_CHARS]


class ButtonPayloads:
    """A bounded, thread-safe two-way mapping between payloads and short ids.

    Args:
        capacity: how many issued (not seeded) payloads to remember; the least recently
            used are forgotten first.
        prefix: prepended to every id, so ids are recognisable and never look like text.
    """

    def __init__(self, capacity: int = 10_000, prefix: str = DEFAULT_PREFIX) -> None:
        self._capacity = capacity
        self._prefix = prefix
        self._recent: OrderedDict[str, str] = OrderedDict()
        self._pinned: dict[str, str] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._recent) + len(self._pinned)

    def to_id(self, payload: str) -> str:
        """Return the short id for ``payload`` and remember the mapping."""
        key = short_id(payload, self._prefix)
        with self._lock:
            if key in self._pinned:
                return key
            self._recent[key] = payload
            self._recent.move_to_end(key)
            while len(self._recent) > self._capacity:
                self._recent.popitem(last=False)
        return key

    def to_payload(self, key: str) -> str | None:
        """Return the payload for an id this mapping issued, or ``None`` if unknown/forgotten."""
        with self._lock:
            if key in self._pinned:
                return self._pinned[key]
            payload = self._recent.get(key)
            if payload is not None:
                self._recent.move_to_end(key)
            return payload

    def seed(self, payloads: Iterable[str]) -> None:
        """Pin payloads known in advance (never evicted), so their buttons survive restarts."""
        with self._lock:
            for payload in payloads:
                key = short_id(payload, self._prefix)
                self._pinned[key] = payload
                self._recent.pop(key, None)


def payloads_in_responses(responses: Mapping[str, Any]) -> Iterator[str]:
    """Yield every button payload in a Rasa ``responses`` section (domain format)."""
    for variations in responses.values():
        for variation in variations or []:
            if not isinstance(variation, Mapping):
                continue
            for key in ("buttons", "quick_replies"):
                for button in variation.get(key) or []:
                    payload = button.get("payload") if isinstance(button, Mapping) else None
                    if isinstance(payload, str) and payload:
                        yield payload


class RedisButtonPayloads(ButtonPayloads):
    """`ButtonPayloads` whose issued ids live in Redis (shared by replicas), expiring after `ttl`.

    Seeded payloads stay pinned in memory (every process seeds the same domain buttons). Blocking
    on Redis: resolve ids off the event loop (vssid.aio.run_blocking).
    """

    def __init__(
        self,
        url: str,
        prefix: str = DEFAULT_PREFIX,
        ttl_seconds: int = 30 * 24 * 3600,
        key_prefix: str = "vssid:telegram:button:",
    ) -> None:
        import redis

        super().__init__(capacity=0, prefix=prefix)
        self._redis = redis.Redis.from_url(url, socket_timeout=5)
        self._ttl = ttl_seconds
        self._key_prefix = key_prefix

    def to_id(self, payload: str) -> str:
        key = short_id(payload, self._prefix)
        with self._lock:
            if key in self._pinned:
                return key
        self._redis.set(self._key_prefix + key, payload.encode("utf-8"), ex=self._ttl)
        return key

    def to_payload(self, key: str) -> str | None:
        with self._lock:
            if key in self._pinned:
                return self._pinned[key]
        raw = self._redis.get(self._key_prefix + key)
        return raw.decode("utf-8") if raw is not None else None


def button_payloads(redis_url: str = "", namespace: str = "vssid") -> ButtonPayloads:
    """The button map for this deployment: Redis when `redis_url` is one, else in-process."""
    if settings.is_redis_url(redis_url):
        return RedisButtonPayloads(redis_url, key_prefix=f"{namespace}:telegram:button:")
    return ButtonPayloads()
