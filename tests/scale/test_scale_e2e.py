"""Two Rasa servers + two action servers behind nginx, on PostgreSQL and Redis: 50 users at once.

Each simulated web chat user sends its messages one after another (as the widget does) while the
50 users interleave; nginx spreads the requests over both replicas. Every conversation must then
hold exactly the user's messages, in order, each answered once by the bot.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator

import aiohttp
import pytest

from tests.conftest import _fresh_postgres_database, _postgres_admin
from vssid.launcher import free_port, latest_model
from vssid.scale import ScaleOut, find_nginx
from vssid.settings import PROJECT_ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

USERS = 50
MESSAGES = ["quên mật khẩu vssid", "doi so dien thoai", "cảm ơn", "mã số bhxh xem ở đâu"]


@pytest.fixture(scope="module")
def scale_out(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaleOut]:
    if find_nginx() is None:
        pytest.skip("nginx is not installed (make nginx installs Debian's nginx-light)")
    pg, redis_url = os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_REDIS_URL")
    if not pg or not redis_url:
        pytest.skip("the scale-out needs PostgreSQL and Redis: set TEST_DATABASE_URL and TEST_REDIS_URL")
    subprocess.check_call([sys.executable, str(PROJECT_ROOT / "scripts" / "train.py")], cwd=PROJECT_ROOT)
    name = f"vssid_scale_{uuid.uuid4().hex[:8]}"
    database = _fresh_postgres_database(pg, name)
    env = {
        "DATABASE_URL": database,
        "TRACKER_STORE_URL": database,
        "LOCK_STORE_URL": redis_url,
        "PROXIES_COUNT": "1",  # nginx in front: the client address is the one nginx saw
        # All 50 simulated users come from 127.0.0.1: the per-address limits would refuse them.
        "RATE_LIMIT_NAMESPACE": f"scale-{uuid.uuid4().hex[:8]}",
        "REDIS_NAMESPACE": f"scale-{uuid.uuid4().hex[:8]}",
        "RATE_LIMIT_WEBCHAT_SESSION": "10000/minute",
        "RATE_LIMIT_WEBCHAT_MESSAGE_ADDRESS": "100000/minute",
        "RATE_LIMIT_WEBCHAT_READ_ADDRESS": "100000/minute",
    }
    subprocess.check_call(
        [sys.executable, "-m", "vssid.db.manage", "upgrade"], cwd=PROJECT_ROOT, env={**os.environ, **env}
    )
    demo = ScaleOut(
        model=latest_model(),
        env=env,
        run_dir=tmp_path_factory.mktemp("scale"),
        nginx_port=free_port(),
        rasa_ports=[free_port(), free_port()],
        action_ports=[free_port(), free_port()],
    )
    try:
        yield demo.start()
    finally:
        demo.stop()
        _postgres_admin(pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _user(http: aiohttp.ClientSession, base: str, user: int, upstreams: Counter) -> dict:
    async with http.post(f"{base}/session") as response:
        issued = await response.json()
    headers = {"X-Webchat-Session": issued["session_id"], "Authorization": f"Bearer {issued['token']}"}
    sent = []
    for turn in range(len(MESSAGES)):
        text = f"{MESSAGES[(user + turn) % len(MESSAGES)]} {user}-{turn}"
        message_id = f"u{user:03d}-t{turn:02d}-{uuid.uuid4().hex[:6]}"
        body = {"text": text, "message_id": message_id}
        async with http.post(f"{base}/message", json=body, headers=headers) as response:
            assert response.status == 200, await response.text()
            upstreams[response.headers.get("X-Upstream")] += 1
        sent.append((message_id, text))
    async with http.get(f"{base}/history", headers=headers) as response:
        history = await response.json()
    return {"sent": sent, "history": history["events"]}


async def _run_users(url: str) -> tuple[list[dict], Counter]:
    upstreams: Counter = Counter()
    base = f"{url}/webhooks/webchat"
    connector = aiohttp.TCPConnector(limit=USERS)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=300)) as http:
        results = await asyncio.gather(*(_user(http, base, user, upstreams) for user in range(USERS)))
    return results, upstreams


def test_fifty_interleaved_users_through_nginx_keep_order_and_get_one_answer_each(
    scale_out: ScaleOut,
) -> None:
    results, upstreams = asyncio.run(_run_users(scale_out.url))

    replicas = {f"127.0.0.1:{stack.rasa_port}" for stack in scale_out.stacks}
    assert set(upstreams) == replicas  # both replicas served messages
    for result in results:
        events = result["history"]
        users = [event for event in events if event["type"] == "user"]
        # Exactly the messages sent, in the order sent: nothing lost, reordered or duplicated.
        assert [(event["message_id"], event["text"]) for event in users] == result["sent"]
        # Each message answered once: bot messages follow every user message, and the turns
        # carry the same number of bot messages as a single answer to that text gives.
        kinds = "".join("u" if event["type"] == "user" else "b" for event in events)
        turns = kinds.split("u")[1:]
        assert len(turns) == len(result["sent"])
        assert all(turn for turn in turns), kinds


def test_the_same_answer_on_either_replica(scale_out: ScaleOut) -> None:
    """A replica adds nothing of its own: the same question gets the same answer through both."""
    answers = asyncio.run(_first_answers(scale_out))
    assert len(set(answers)) == 1


async def _first_answers(scale_out: ScaleOut) -> list[tuple[str, ...]]:
    answers = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
        for stack in scale_out.stacks:
            base = f"{stack.url}/webhooks/webchat"
            async with http.post(f"{base}/session") as response:
                issued = await response.json()
            headers = {
                "X-Webchat-Session": issued["session_id"],
                "Authorization": f"Bearer {issued['token']}",
            }
            async with http.post(
                f"{base}/message", json={"text": "quên mật khẩu vssid"}, headers=headers
            ) as r:
                page = await r.json()
            answers.append(tuple(e["text"] for e in page["events"] if e["type"] == "bot"))
    return answers
