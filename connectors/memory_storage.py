"""The rate limits' in-memory storage for one process, without limits' slow leak.

`limits` 2.4's `MemoryStorage` keeps moving-window entries per key in a dict and, 10 ms after
every hit, runs a pass in a timer thread over *all* keys ever seen to drop expired entries; it
never drops a key whose entries are all gone. Our keys are per web chat session and per client
address, so a long-running process (the default without Redis) kept one list per session it ever
served, and every hit scheduled a pass over all of them: memory and CPU growing with uptime.

`PruningMemoryStorage` drops a key with its last entry, runs that pass at most once per
`PRUNE_INTERVAL` seconds, and serialises the pass with the hits (the pass removing a key between
`acquire_entry`'s `setdefault` and its read would raise KeyError). Decisions are unchanged:
only entries already outside their window are removed, and windows are per key.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from limits.storage import MemoryStorage

PRUNE_INTERVAL = 1.0


class PruningMemoryStorage(MemoryStorage):
    """limits' MemoryStorage that forgets empty keys (see the module docstring)."""

    STORAGE_SCHEME = ["vssid-memory"]

    def __init__(self, uri: str | None = None, **options: Any) -> None:
        self._guard = threading.RLock()
        super().__init__(uri, **options)

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        with self._guard:
            return super().acquire_entry(key, limit, expiry, amount)

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[int, int]:
        with self._guard:
            return super().get_moving_window(key, limit, expiry)

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - overrides limits' private hook
        if not self.timer.is_alive():
            self.timer = threading.Timer(PRUNE_INTERVAL, self._MemoryStorage__expire_events)
            self.timer.daemon = True
            self.timer.start()

    def _MemoryStorage__expire_events(self) -> None:  # noqa: N802 - overrides limits' private hook
        with self._guard:
            now = time.time()
            for key, entries in list(self.events.items()):
                alive = [entry for entry in entries if entry.expiry > now]
                if alive:
                    self.events[key] = alive
                else:
                    del self.events[key]
            for key, expires in list(self.expirations.items()):
                if expires <= now:
                    self.storage.pop(key, None)
                    self.expirations.pop(key, None)
