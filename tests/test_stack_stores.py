"""The running end-to-end stack really uses the stores this run claims (the summary line).

With TEST_DATABASE_URL / TEST_REDIS_URL set (as `make test` and CI do), the Rasa server keeps
conversations in PostgreSQL, the action server writes tickets to PostgreSQL, and Rasa's lock
store lives in Redis. Checked from outside, in the stores themselves.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import RasaStack, new_sender, store_kinds
from tests.databases import redis_url_or_skip
from vssid.stores import create_lock_store

pytestmark = pytest.mark.e2e


def _until(check: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return result


def _rows(url: str, query: str, **params: Any) -> tuple[str, list[tuple[Any, ...]]]:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            return engine.dialect.name, [tuple(r) for r in connection.execute(sa.text(query), params)]
    finally:
        engine.dispose()


def test_conversation_is_written_to_the_tracker_store_of_this_run(rasa_stack: RasaStack) -> None:
    sender = new_sender("store")
    assert rasa_stack.texts(sender, "quên mật khẩu")
    dialect, rows = _rows(
        rasa_stack.env["TRACKER_STORE_URL"],
        "SELECT type_name, data FROM events WHERE sender_id = :sender ORDER BY id",
        sender=sender,
    )
    assert dialect == store_kinds()["tracker"]
    said = [(kind, json.loads(data).get("text")) for kind, data in rows if kind in ("user", "bot")]
    asked = said.index(("user", "quên mật khẩu"))  # after the session's welcome
    answers = said[asked + 1 :]
    assert answers and {kind for kind, _ in answers} == {"bot"}


def test_action_server_writes_tickets_to_the_records_database_of_this_run(rasa_stack: RasaStack) -> None:
    sender = new_sender("store")
    rasa_stack.send(sender, "/request_human")
    dialect, rows = _rows(
        rasa_stack.env["DATABASE_URL"],
        "SELECT status FROM handoff_tickets WHERE conversation_id = :sender",
        sender=sender,
    )
    assert dialect == store_kinds()["records"]
    assert rows == [("open",)]
    _, people = _rows(rasa_stack.env["DATABASE_URL"], "SELECT count(*) FROM people")
    assert people == [(2000,)], "the seed ran on this database"


def test_rasa_takes_its_conversation_lock_in_redis(rasa_stack: RasaStack) -> None:
    """We hold the conversation's lock in Redis first: the server queues a ticket behind ours
    (seen in Redis) and answers only once we let go."""
    url = redis_url_or_skip()
    assert rasa_stack.env["LOCK_STORE_URL"] == url
    store = create_lock_store(url)
    sender = new_sender("lock")
    ours = store.issue_ticket(sender, lock_lifetime=30)
    answer: dict[str, list[str]] = {}

    def say_hello() -> None:
        answer["texts"] = [m["text"] for m in rasa_stack.send(sender, "xin chào", timeout=120) if "text" in m]

    waiting = threading.Thread(target=say_hello)
    waiting.start()
    try:
        _until(lambda: len(store.get_or_create_lock(sender).tickets) >= 2)
        assert "texts" not in answer, "the server answered while we held the lock"
    finally:
        store.finish_serving(sender, ours)
    waiting.join(120)
    assert answer["texts"], "answered once the lock was free"
    _until(lambda: store.get_lock(sender) is None, timeout=30)
