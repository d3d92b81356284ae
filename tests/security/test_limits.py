"""Rate limits, body-size limits and bounded long polls on every public route of the live stack.

Each test comes from client addresses of its own (X-Forwarded-For; the test stack trusts one
proxy), so counters never leak between tests.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import requests

from connectors.telegram.client import SECRET_HEADER
from connectors.telegram.texts import NON_TEXT, TOO_FAST
from tests.conftest import ENVIRON_AT_START, RasaStack, new_address
from tests.security.conftest import WebClient
from tests.telegram import updates

pytestmark = pytest.mark.e2e

KB = 1024


def _is_polite_429(answer: requests.Response) -> None:
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) >= 1
    body = answer.json()
    assert body["error"] in ("rate_limited", "too_many_polls", "locked_out")
    assert "thử lại" in body["message"] or "cùng lúc" in body["message"]


def test_sessions_per_client_address(stack: RasaStack) -> None:
    client = WebClient(stack)
    answers = [client.http.post(f"{client.base}/session", timeout=10) for _ in range(11)]
    assert [a.status_code for a in answers[:10]] == [200] * 10
    _is_polite_429(answers[10])
    assert answers[10].json()["message"].startswith("Bạn thao tác quá nhanh")
    assert WebClient(stack).open().token  # another address is not affected


def test_messages_per_session(web: WebClient) -> None:
    # Refused bodies count too (the limit is checked first), so no model time is spent here.
    statuses = [web.request("POST", "message", json={"text": ""}).status_code for _ in range(20)]
    assert statuses == [400] * 20
    _is_polite_429(web.send("xin chào"))
    assert web.history().status_code == 200  # reading is limited separately


def test_reads_per_session(web: WebClient) -> None:
    statuses = [web.history().status_code for _ in range(60)]
    assert statuses == [200] * 60
    _is_polite_429(web.history())


def test_at_most_two_long_polls_per_session(web: WebClient) -> None:
    cursor = web.history().json()["cursor"]
    results: list[int] = []

    def wait_for_later_events() -> None:
        answer = web.request("GET", "events", params={"after": cursor}, timeout=60)
        results.append(answer.status_code)

    threads = [threading.Thread(target=wait_for_later_events) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(3)  # ordering only: let both polls be admitted before the third arrives
    third = web.request("GET", "events", params={"after": cursor})
    for thread in threads:
        thread.join(60)
    _is_polite_429(third)
    assert third.json()["error"] == "too_many_polls"
    assert results == [200, 200]


@pytest.mark.parametrize("path", ["session", "message", "end"])
def test_webchat_bodies_over_16_kb_are_413(web: WebClient, path: str) -> None:
    answer = web.request("POST", path, data=b'{"text": "' + b"a" * (17 * KB) + b'"}')
    assert answer.status_code == 413
    assert answer.json() == {
        "error": "payload_too_large",
        "message": "Nội dung gửi lên quá lớn (tối đa 16 KB).",
    }


def test_a_chunked_body_over_the_limit_is_413(web: WebClient) -> None:
    chunks = iter([b'{"text": "', b"a" * (10 * KB), b"b" * (10 * KB), b'"}'])
    assert web.request("POST", "message", data=chunks).status_code == 413


def test_agent_api_bodies_over_16_kb_are_413(stack: RasaStack) -> None:
    answer = requests.post(
        f"{stack.url}/webhooks/agent/api/tickets/1/reply",
        data=b"x" * (17 * KB),
        headers={"Authorization": f"Bearer {stack.agent_token('Lan')}", "X-Forwarded-For": new_address()},
        timeout=10,
    )
    assert answer.status_code == 413


def test_telegram_bodies_over_1_mb_are_413(stack: RasaStack) -> None:
    answer = requests.post(
        f"{stack.url}/webhooks/telegram/webhook",
        data=b"x" * (1025 * KB),
        headers={SECRET_HEADER: stack.env["TELEGRAM_WEBHOOK_SECRET"]},
        timeout=30,
    )
    assert answer.status_code == 413


def test_telegram_updates_per_chat(stack: RasaStack) -> None:
    """31 stickers in a minute: 30 polite 'text only' replies, then one 'slow down', then silence."""
    stack.telegram.reset()
    chat = 880_000_000 + uuid.uuid4().int % 1_000_000
    for _ in range(33):
        answer = requests.post(
            f"{stack.url}/webhooks/telegram/webhook",
            json=updates.sticker(chat),
            headers={SECRET_HEADER: stack.env["TELEGRAM_WEBHOOK_SECRET"]},
            timeout=10,
        )
        assert answer.status_code == 200
    stack.telegram.wait_for_messages(chat, 31, timeout=60)
    assert [m["text"] for m in stack.telegram.sent_messages(chat)] == [NON_TEXT] * 30 + [TOO_FAST]


def test_agent_login_lockout_per_address(stack: RasaStack, db, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlalchemy as sa

    from vssid.db.access import AgentAuditEntry
    from vssid.services.agents import client_hash

    address = new_address()
    api = f"{stack.url}/webhooks/agent/api/tickets"

    def call(token: str, ip: str = address) -> requests.Response:
        return requests.get(
            api, headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": ip}, timeout=10
        )

    assert [call(f"guess-{n}").status_code for n in range(10)] == [401] * 10
    locked = call(stack.agent_token("Lan"))  # even the right token, from this address
    _is_polite_429(locked)
    assert locked.json()["error"] == "locked_out"
    assert call(stack.agent_token("Lan"), new_address()).status_code == 200  # others work on
    # This address's own audit rows (keyed hash under the stack's secret), not the whole log's.
    monkeypatch.setenv("OTP_SECRET", stack.env.get("OTP_SECRET") or ENVIRON_AT_START["OTP_SECRET"])
    audited = db.execute(
        sa.select(AgentAuditEntry.action, sa.func.count())
        .where(AgentAuditEntry.client_hash == client_hash(address))
        .group_by(AgentAuditEntry.action)
    ).all()
    assert dict(audited) == {"login_failed": 10}


@pytest.mark.parametrize("length", [b"abc", b"1 2", b"0x10"])
def test_an_unparsable_content_length_is_400(stack: RasaStack, length: bytes) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", stack.stack.rasa_port), timeout=30) as sock:
        sock.sendall(
            b"POST /webhooks/webchat/message HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
            + length
            + b"\r\n\r\n{}"
        )
        status_line = sock.recv(200).split(b"\r\n")[0]
    assert status_line == b"HTTP/1.1 400 Bad Request"
