"""The web chat channel's HTTP API, served by Sanic with a scripted agent (no model needed)."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from rasa.shared.core.events import BotUttered

from connectors.webchat import (
    Incoming,
    WebChatInput,
    WebChatOutput,
    WebChatSettings,
    parse_incoming,
)
from tests.webchat.conftest import WebSession
from tests.webchat.fake_rasa import FakeRasa
from vssid.settings import PROJECT_ROOT


def texts(page: dict[str, Any]) -> list[tuple[str, str]]:
    return [(event["type"], event["text"]) for event in page["events"]]


def next_events(session: WebSession, cursor: int, within: float = 60) -> dict[str, Any]:
    """Long-poll /events after `cursor` until a page with events comes (or `within` seconds pass).

    One long poll may time out empty on a slow machine before the pushed message is stored; the
    test checks what arrives, not how fast.
    """
    deadline = time.monotonic() + within
    while True:
        page = requests.get(
            f"{session.base}/events", params={"after": cursor}, headers=session.headers, timeout=30
        ).json()
        if page["events"] or time.monotonic() > deadline:
            return page


def test_demo_page_is_served_in_vietnamese_with_the_widget(fake_rasa: FakeRasa) -> None:
    response = requests.get(f"{fake_rasa.url}/webhooks/webchat/", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert '<html lang="vi">' in response.text
    assert '<script src="static/widget.js" defer data-open="true"></script>' in response.text


def test_demo_page_without_slash_redirects(fake_rasa: FakeRasa) -> None:
    response = requests.get(f"{fake_rasa.url}/webhooks/webchat", timeout=10)
    assert response.url == f"{fake_rasa.url}/webhooks/webchat/"
    assert response.status_code == 200


@pytest.mark.parametrize("name, content_type", [("widget.js", "javascript"), ("widget.css", "text/css")])
def test_widget_files_are_served(fake_rasa: FakeRasa, name: str, content_type: str) -> None:
    response = requests.get(f"{fake_rasa.url}/webhooks/webchat/static/{name}", timeout=10)
    assert response.status_code == 200
    assert content_type in response.headers["content-type"]


def test_static_route_does_not_serve_source_files(fake_rasa: FakeRasa) -> None:
    for path in ("static/../webchat.py", "static/%2e%2e/webchat.py"):
        assert requests.get(f"{fake_rasa.url}/webhooks/webchat/{path}", timeout=10).status_code == 404


def test_health(fake_rasa: FakeRasa) -> None:
    assert requests.get(f"{fake_rasa.url}/webhooks/webchat/health", timeout=10).json() == {"status": "ok"}


def test_sessions_are_issued_by_the_server(fake_rasa: FakeRasa) -> None:
    first, second = WebSession(fake_rasa.url), WebSession(fake_rasa.url)
    assert first.session_id != second.session_id
    assert len(first.session_id) == 32
    assert first.token and first.token != second.token


@pytest.mark.parametrize(
    "case, headers",
    [
        ("no credentials", lambda own, other: {}),
        ("no token", lambda own, other: {"X-Webchat-Session": own.session_id}),
        (
            "another session's token",
            lambda own, other: {**own.headers, "Authorization": f"Bearer {other.token}"},
        ),
        ("a chosen session id", lambda own, other: {**own.headers, "X-Webchat-Session": "A" * 32}),
        ("token not as bearer", lambda own, other: {**own.headers, "Authorization": own.token}),
    ],
)
def test_requests_without_a_valid_session_are_refused(fake_rasa: FakeRasa, case: str, headers) -> None:
    own, other = WebSession(fake_rasa.url), WebSession(fake_rasa.url)
    sent = headers(own, other)
    base = own.base
    for response in (
        requests.post(f"{base}/message", json={"text": "xin chào"}, headers=sent, timeout=10),
        requests.get(f"{base}/history", headers=sent, timeout=10),
        requests.get(f"{base}/events", headers=sent, timeout=10),
    ):
        assert response.status_code == 401, case
        assert response.json()["error"] == "invalid_session"


def test_a_message_returns_the_bot_reply_from_the_tracker(web_session: WebSession) -> None:
    response = web_session.send("quên mật khẩu")
    assert response.status_code == 200
    page = response.json()
    assert texts(page)[0] == ("user", "quên mật khẩu")
    assert page["events"][1]["type"] == "bot"
    assert "1. Mở ứng dụng VssID" in page["events"][1]["text"]
    assert page["cursor"] == page["events"][-1]["seq"] + 1


def test_quick_reply_shows_its_label_and_the_start_payload_stays_hidden(web_session: WebSession) -> None:
    greeting = web_session.send("/greet", hidden=True).json()
    assert texts(greeting) == [("bot", "Xin chào! Tôi là Trợ lý VssID. Bạn cần hỗ trợ gì ạ?")]
    button = greeting["events"][0]["buttons"][0]
    assert button == {"title": "Quên mật khẩu", "payload": "/faq/forgot_password"}

    page = web_session.send(button["payload"], title=button["title"], after=greeting["cursor"]).json()
    assert texts(page)[0] == ("user", "Quên mật khẩu")
    assert all(event["seq"] >= greeting["cursor"] for event in page["events"])


def test_history_after_a_reload_restores_the_conversation(web_session: WebSession) -> None:
    web_session.send("/greet", hidden=True)
    web_session.send("quên mật khẩu", message_id="client-msg-0001")
    page = web_session.history()
    assert [kind for kind, _ in texts(page)] == ["bot", "user", "bot", "bot"]
    assert page["events"][1]["message_id"] == "client-msg-0001"
    assert page["reset"] is False


def test_conversation_is_stored_under_the_web_sender_id(fake_rasa: FakeRasa, web_session: WebSession) -> None:
    web_session.send("xin chào")
    store = fake_rasa.agent.tracker_store
    tracker = fake_rasa.call(store.retrieve(web_session.sender_id))
    assert tracker is not None
    assert tracker.get_latest_input_channel() == "webchat"


def test_a_message_pushed_from_outside_reaches_the_long_poll(
    fake_rasa: FakeRasa, web_session: WebSession
) -> None:
    cursor = web_session.send("xin chào").json()["cursor"]
    threading.Timer(0.5, fake_rasa.push, args=(web_session.sender_id, "Nhân viên: chào bạn!")).start()
    page = next_events(web_session, cursor)
    assert texts(page) == [("bot", "Nhân viên: chào bạn!")]
    assert page["cursor"] > cursor
    assert next_events(web_session, page["cursor"], within=0)["events"] == [], "delivered once"


def test_the_long_poll_answers_empty_when_nothing_arrives(
    fake_rasa: FakeRasa, web_session: WebSession
) -> None:
    cursor = web_session.send("xin chào").json()["cursor"]
    started = time.monotonic()
    page = requests.get(
        f"{web_session.base}/events", params={"after": cursor}, headers=web_session.headers, timeout=30
    ).json()
    assert page == {"events": [], "cursor": cursor, "reset": False}
    # A lower bound only (it held the request open): a slow machine makes this longer, never shorter.
    assert time.monotonic() - started >= fake_rasa.settings.poll_timeout


@pytest.mark.parametrize(
    "body, detail",
    [
        ({}, "text is required"),
        ({"text": "   "}, "text is required"),
        ({"text": "a" * 1001}, "longer than 1000"),
        ({"text": "a", "after": -1}, "after must be"),
        ({"text": "a", "after": "3"}, "after must be"),
        ({"text": "a", "message_id": "<x>"}, "message_id"),
    ],
)
def test_invalid_messages_are_refused(web_session: WebSession, body: dict[str, Any], detail: str) -> None:
    response = requests.post(
        f"{web_session.base}/message", json=body, headers=web_session.headers, timeout=10
    )
    assert response.status_code == 400
    assert detail in response.json()["detail"]


def test_a_failing_bot_answers_500(web_session: WebSession) -> None:
    response = web_session.send("boom")
    assert response.status_code == 500
    assert response.json()["error"] == "bot_error"


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"text": " xin chào "}, Incoming(text="xin chào")),
        (
            {"text": "/request_human", "title": " Gặp nhân viên ", "after": 4, "message_id": "abcdefgh"},
            Incoming(
                text="/request_human",
                after=4,
                message_id="abcdefgh",
                metadata={"webchat": {"title": "Gặp nhân viên"}},
            ),
        ),
        ({"text": "/greet", "hidden": True}, Incoming(text="/greet", metadata={"webchat": {"hidden": True}})),
        ({"text": "/greet", "hidden": "yes", "title": ""}, Incoming(text="/greet")),
    ],
)
def test_parse_incoming(body: dict[str, Any], expected: Incoming) -> None:
    assert parse_incoming(body, max_length=1000) == expected


def test_credentials_entry_configures_the_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBCHAT_SECRET", "s" * 40)
    credentials = yaml.safe_load(Path(PROJECT_ROOT / "credentials.yml").read_text(encoding="utf-8"))
    channel = WebChatInput.from_credentials(credentials["connectors.webchat.WebChatInput"])
    assert isinstance(channel, WebChatInput)
    assert channel.settings == WebChatSettings(
        poll_timeout=25.0,
        poll_interval=25.0,
        history_limit=100,
        max_message_length=1000,
        start_payload="/greet",
    )


def test_output_channel_for_pushed_messages_sends_nothing_itself() -> None:
    """Rasa's `?output_channel=webchat` finds this; the widget reads the bot events from the tracker."""
    channel = WebChatInput(WebChatSettings(), b"k" * 32)
    output = channel.get_output_channel()
    assert isinstance(output, WebChatOutput)
    assert output.name() == channel.name() == "webchat"


def test_output_channel_leaves_the_bot_event_intact() -> None:
    """Rasa's default button rendering pops the button dicts that the tracker event shares."""
    bot = BotUttered("Chọn:", data={"buttons": [{"title": "Có", "payload": "/affirm"}]})
    asyncio.run(WebChatOutput().send_response("web-x", bot.message()))
    assert bot.data["buttons"] == [{"title": "Có", "payload": "/affirm"}]


def test_only_offered_button_payloads_can_be_sent(web_session: WebSession) -> None:
    """A typed "/intent{...}" would skip NLU; only the bot's own buttons (and the start payload) may."""
    forged = web_session.send('/inform{"bhxh_code": "0123456789"}')
    assert forged.status_code == 400
    assert forged.json()["error"] == "payload_not_offered"
    assert web_session.send("/request_human").status_code == 400  # not offered yet
    assert web_session.send("/greet", hidden=True).status_code == 200  # the start payload
    assert web_session.send("/request_human", title="Gặp nhân viên").status_code == 200  # now offered
    assert texts(web_session.history())[-2] == ("user", "Gặp nhân viên")


def test_two_replicas_sharing_secret_and_tracker_store_serve_one_conversation(
    tmp_path: Path, webchat_env: str
) -> None:
    """The load-balancer story: no state in a process, so any replica answers any request."""
    tracker_db = tmp_path / "shared-tracker.db"
    first, second = FakeRasa(tracker_db).start(), FakeRasa(tracker_db).start()
    try:
        session = WebSession(first.url)  # issued by the first replica
        page = session.at(second.url).send("quên mật khẩu").json()  # answered by the second
        assert texts(page)[0] == ("user", "quên mật khẩu")
        assert texts(session.history()) == texts(page)  # read back on the first
        threading.Timer(0.3, second.push, args=(session.sender_id, "Tổng đài viên: xin chào")).start()
        later = next_events(session, page["cursor"])
        assert texts(later) == [("bot", "Tổng đài viên: xin chào")]  # pushed via the second
    finally:
        first.stop()
        second.stop()
