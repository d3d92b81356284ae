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
    """Key 1's first job can only finish once key 2's job ran: that needs the keys to run
    concurrently (serialised, it would time out). Key 1's later jobs still wait for it."""
    log: list[str] = []

    async def main() -> None:
        key_two_ran = asyncio.Event()

        async def first_of_key_one() -> None:
            await asyncio.wait_for(key_two_ran.wait(), timeout=30)
            log.append("1a")

        async def of_key_two() -> None:
            log.append("2a")
            key_two_ran.set()

        async def failing() -> None:
            raise RuntimeError("boom")

        async def second_of_key_one() -> None:
            log.append("1b")

        queues = PerKeyQueues()
        queues.submit(1, first_of_key_one)
        queues.submit(1, failing)
        queues.submit(1, second_of_key_one)
        queues.submit(2, of_key_two)
        await queues.join()
        assert queues._queues == {}

    asyncio.run(main())
    assert log == ["2a", "1a", "1b"]
