"""Telegram's duplicate memory and button map shared by replicas through Redis (TEST_REDIS_URL)."""

from __future__ import annotations

import uuid

import pytest

from connectors.buttons import ButtonPayloads, RedisButtonPayloads, button_payloads
from connectors.inbox import RecentIds, RedisRecentIds, recent_ids
from tests.databases import redis_url_or_skip


@pytest.fixture
def redis_url() -> str:
    return redis_url_or_skip()


def test_without_redis_each_process_keeps_its_own() -> None:
    assert type(recent_ids("")) is RecentIds
    assert type(button_payloads("")) is ButtonPayloads


def test_an_update_seen_by_one_replica_is_a_duplicate_on_the_other(redis_url: str) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    first, second = RedisRecentIds(redis_url, prefix=prefix), RedisRecentIds(redis_url, prefix=prefix)
    assert isinstance(recent_ids(redis_url), RedisRecentIds)
    assert first.check_and_add(1001) is False
    assert second.check_and_add(1001) is True
    assert second.check_and_add(1002) is False


def test_a_button_issued_by_one_replica_resolves_on_the_other_and_nothing_else_does(redis_url: str) -> None:
    key_prefix = f"test:{uuid.uuid4().hex}:"
    issuer = RedisButtonPayloads(redis_url, key_prefix=key_prefix)
    resolver = RedisButtonPayloads(redis_url, key_prefix=key_prefix)
    payload = '/inform{"location": "Thành phố Hồ Chí Minh"}'
    button_id = issuer.to_id(payload)
    assert len(button_id.encode()) <= 64
    assert resolver.to_payload(button_id) == payload
    assert resolver.to_payload("b:forgedforgedforg") is None
    resolver.seed(["/greet"])
    assert resolver.to_payload(resolver.to_id("/greet")) == "/greet"
