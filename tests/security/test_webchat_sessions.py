"""Web chat sessions end: tokens expire, an ended session is refused, a new one starts empty."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from connectors import session_ids
from tests.conftest import TEST_SECRETS, RasaStack
from tests.security.conftest import WebClient
from vssid.db.access import WebSession

pytestmark = pytest.mark.e2e

SECRET = TEST_SECRETS["WEBCHAT_SECRET"].encode()
GREETING_START = "Xin chào"


def _every_route(client: WebClient) -> dict[str, int]:
    return {
        "message": client.send("xin chào").status_code,
        "history": client.history().status_code,
        "events": client.request("GET", "events", params={"after": 0}).status_code,
        "end": client.end().status_code,
    }


def test_a_session_token_carries_a_signed_expiry(web: WebClient) -> None:
    expires = session_ids.expiry(web.token)
    assert expires is not None and time.time() < expires <= time.time() + 7200 + 5


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda sid, token: session_ids.sign(SECRET, sid, int(time.time()) - 1), id="expired"),
        pytest.param(
            lambda sid, token: f"{int(time.time()) + 10**6}.{token.split('.', 1)[1]}", id="expiry-pushed-back"
        ),
        pytest.param(lambda sid, token: token.split(".", 1)[1], id="old-style-token-without-expiry"),
        pytest.param(lambda sid, token: "١٢٣." + token.split(".", 1)[1], id="non-ascii-digits"),
    ],
)
def test_expired_or_tampered_tokens_are_401(web: WebClient, forge) -> None:
    web.token = forge(web.session_id, web.token)
    statuses = _every_route(web)
    assert statuses == {"message": 401, "history": 401, "events": 401, "end": 401}
    assert web.history().json()["message"].startswith("Phiên trò chuyện đã hết hạn")


def test_an_ended_session_is_refused_and_the_next_one_starts_empty(stack: RasaStack, db) -> None:
    first = WebClient(stack).open()
    answer = first.send("quên mật khẩu thì làm thế nào")
    assert answer.status_code == 200 and answer.json()["events"]
    assert first.end().json() == {"ended": True}
    assert _every_route(first) == {"message": 401, "history": 401, "events": 401, "end": 401}
    row = db.execute(sa.select(WebSession).where(WebSession.conversation_id == first.sender_id)).scalar_one()
    assert row.revoked_at is not None
    assert row.client_hash and first.address not in row.client_hash  # the address is stored hashed

    second = WebClient(stack, first.address).open()  # same browser, new session
    assert second.session_id != first.session_id
    history = second.history().json()
    assert history["events"] == [] and history["cursor"] == 0


def test_history_of_a_new_session_is_empty(web: WebClient) -> None:
    assert web.history().json() == {"events": [], "cursor": 0, "reset": False}


def test_an_unregistered_but_signed_session_is_refused(stack: RasaStack) -> None:
    """A token signed with the secret but never issued (e.g. leaked secret, replayed id)."""
    client = WebClient(stack)
    client.session_id = session_ids.new_session_id()
    client.token = session_ids.sign(SECRET, client.session_id)
    assert client.history().status_code == 401


def test_ending_a_verified_web_chat_revokes_its_verification(stack: RasaStack, db) -> None:
    """On a shared computer: records shown, "Kết thúc trò chuyện", nothing left for the next user."""
    from tests.records.e2e_support import RecordsBackdoor
    from vssid.db.verification import Verification

    backdoor = RecordsBackdoor(stack.env["DATABASE_URL"])
    try:
        backdoor.reset_demo_identities()
        client = WebClient(stack).open()

        def bot_text(answer) -> str:
            assert answer.status_code == 200, answer.text
            return "\n".join(e["text"] for e in answer.json()["events"] if e["type"] == "bot")

        assert "mã số BHXH" in bot_text(client.send("thẻ bhyt của tôi còn hạn không"))
        assert "09xx xxx" in bot_text(client.send("0101234567"))
        assert "DN4010101234567" in bot_text(client.send(backdoor.otp(bhxh_code="0101234567")))
        assert "DN4010101234567" in str(client.history().json())  # shown while the session lasts
        assert client.end().status_code == 200
    finally:
        backdoor.close()
    rows = (
        db.execute(sa.select(Verification).where(Verification.conversation_id == client.sender_id))
        .scalars()
        .all()
    )
    assert rows and all(row.revoked_at is not None for row in rows)
    assert client.history().status_code == 401
