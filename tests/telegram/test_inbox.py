"""Duplicate detection and per-chat ordering."""

from __future__ import annotations

import asyncio

from connectors.inbox import PerKeyQueues, RecentIds


def test_recent_ids_detects_duplicates_without_assuming_order() -> None:
    seen = RecentIds()
    assert [seen.check_and_add(i) for i in (500, 12, 500, 13, 12)] == [False, False, True, False, True]


def test_recent_ids_forgets_old_and_excess_ids() -> None:
    now = [0.0]
    seen = RecentIds(capacity=3, ttl_seconds=60, clock=lambda: now[0])
    for update_id in (1, 2, 3, 4):
        seen.check_and_add(update_id)
    assert seen.check_and_add(1) is False, "capacity evicted the oldest"
    now[0] = 61
    assert seen.check_and_add(4) is False, "expired after the TTL"


def test_jobs_run_in_order_per_key_and_concurrently_across_keys() -> None:
    log: list[str] = []

    async def job(name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        log.append(name)

    async def failing() -> None:
        raise RuntimeError("boom")

    async def main() -> None:
        queues = PerKeyQueues()
        queues.submit(1, lambda: job("1a-slow", 0.2))
        queues.submit(1, failing)
        queues.submit(1, lambda: job("1b", 0))
        queues.submit(2, lambda: job("2a", 0.05))
        await queues.join()
        assert queues._queues == {}

    asyncio.run(main())
    assert log == ["2a", "1a-slow", "1b"]
