"""Rasa's Redis lock store with every read-modify-write of a lock made atomic (rasa#9213).

Rasa serialises the messages of one conversation with a ticket lock stored as one JSON value in
Redis. Open-source Rasa's `RedisLockStore` changes it by GET, change in Python, SET: issuing a
ticket, removing an expired or finished one, and deleting the lock when nobody waits. Two Rasa
processes doing that at the same moment for one conversation can overwrite each other (both get
the same ticket number, or a new ticket is lost when another process deletes the lock), and then
both process the conversation at once: the known race of rasa#9213 (Rasa Pro ships a separate
concurrent lock store for it). Within one process it cannot happen: those calls are synchronous on
the event loop.

`AtomicRedisLockStore` runs each of those changes as an optimistic Redis transaction (WATCH the
key, read, MULTI/SET or DEL, EXEC; retry if another process changed the key meanwhile), so
replicas behind a load balancer can share it safely. Waiting for a ticket is Rasa's own code.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

logger = logging.getLogger(__name__)
T = TypeVar("T")
# A change gets the stored lock (None if absent) and returns (lock to store or None to delete, result).
Change = Callable[[TicketLock | None], tuple[TicketLock | None, T]]


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose lock changes are Redis transactions (see the module docstring)."""

    def _change(self, conversation_id: str, change: Change[T]) -> T:
        from redis.exceptions import WatchError

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    new_lock, result = change(lock)
                    pipe.multi()
                    if new_lock is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, new_lock.dumps())
                    pipe.execute()
                    return result
                except WatchError:
                    continue  # another process changed this lock between our read and write

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def _issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, _issue)
        except Exception as e:  # as Rasa's: the processor expects a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{e}") from e

    def update_lock(self, conversation_id: str) -> None:
        def _expire(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, _expire)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def _finish(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, _finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the ticket, and the lock too if nobody waits: one transaction, not three calls."""

        def _cleanup(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change(conversation_id, _cleanup)
