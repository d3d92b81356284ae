"""The web chat HTTP API against the real stack: trained model, Rasa server, action server.

test_webchat_api.py pins the channel down quickly with a scripted agent; here the same routes
(session, message, history, events) carry the real bot's answers, and a hotline agent's reply
from the console arrives in the user's own web conversation.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.conftest import RasaStack, new_sender
from tests.handoff.test_e2e import Agent
from tests.webchat.conftest import WebSession
from tests.webchat.test_webchat_api import next_events, texts

pytestmark = pytest.mark.e2e


@pytest.fixture
def web(rasa_stack: RasaStack) -> WebSession:
    return WebSession(rasa_stack.url)


def _bots(page: dict[str, Any]) -> list[str]:
    return [text for kind, text in texts(page) if kind == "bot"]


def test_the_real_bot_answers_as_on_the_rest_channel(rasa_stack: RasaStack, web: WebSession) -> None:
    greeting = web.send("/greet", hidden=True)
    assert greeting.status_code == 200
    page = web.send("quên mật khẩu", after=greeting.json()["cursor"]).json()

    rest = new_sender("rest")
    assert _bots(greeting.json()) == rasa_stack.texts(rest, "/greet")
    answer = rasa_stack.texts(rest, "quên mật khẩu")
    assert answer, "the bot answers on REST"
    assert texts(page) == [("user", "quên mật khẩu"), *(("bot", text) for text in answer)]
    assert texts(web.history()) == texts(greeting.json()) + texts(page)


def test_buttons_of_the_real_bot_are_the_only_payloads_accepted(web: WebSession) -> None:
    assert web.send('/inform{"bhxh_code": "0123456789"}').status_code == 400
    greeting = web.send("/greet", hidden=True).json()
    offered = [b for e in greeting["events"] if e["type"] == "bot" for b in e.get("buttons") or []]
    assert offered, "the greeting offers buttons"
    button = offered[0]
    page = web.send(button["payload"], title=button["title"], after=greeting["cursor"])
    assert page.status_code == 200
    assert texts(page.json())[0] == ("user", button["title"])


def test_an_agent_reply_from_the_console_arrives_in_the_web_conversation(
    rasa_stack: RasaStack, web: WebSession
) -> None:
    greeting = web.send("/greet", hidden=True).json()
    handed = web.send("/request_human", title="Gặp nhân viên", after=greeting["cursor"]).json()
    assert any("nhân viên" in text for text in _bots(handed)), texts(handed)

    agent = Agent(rasa_stack, "Lan")
    ticket = agent.ticket_of(web.sender_id)
    assert agent.post(ticket["id"], "claim").status_code == 200
    reply = agent.post(ticket["id"], "reply", text="Chào bạn, tôi là Lan.")
    assert reply.status_code == 201 and reply.json()["delivered"] is True

    # Delivered = in the user's own conversation: the long poll and the history both show it.
    arrived = next_events(web, handed["cursor"])
    assert texts(arrived) == [("bot", "Nhân viên Lan: Chào bạn, tôi là Lan.")]
    assert texts(web.history())[-1] == ("bot", "Nhân viên Lan: Chào bạn, tôi là Lan.")
    assert agent.post(ticket["id"], "resolve").status_code == 200


def test_requests_without_a_session_issued_by_this_server_are_refused(rasa_stack: RasaStack) -> None:
    forged = {"X-Webchat-Session": "A" * 32, "Authorization": "Bearer " + "B" * 43}
    response = requests.post(
        f"{rasa_stack.url}/webhooks/webchat/message", json={"text": "xin chào"}, headers=forged, timeout=10
    )
    assert response.status_code == 401
