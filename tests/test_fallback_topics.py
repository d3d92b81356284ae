"""action_suggest_topics: closest topics after a misunderstanding, the main topics after a
follow-up that was understood but has nothing to continue (issue 14)."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionSuggestTopics

GENERAL = [
    {"title": "Quên mật khẩu", "payload": "/faq/forgot_password"},
    {"title": "Đổi số điện thoại", "payload": "/faq/change_phone"},
    {"title": "Tra cứu mã số BHXH của tôi", "payload": "/lookup_bhxh_code"},
    {"title": "Gặp nhân viên hỗ trợ", "payload": "/request_human"},
]


def _buttons(intent: str, ranking: list[dict[str, Any]]) -> list[dict[str, Any]]:
    parse = {"intent": {"name": intent, "confidence": 0.9}, "intent_ranking": ranking, "text": "x"}
    events = [{"event": "user", "text": "x", "parse_data": parse}]
    tracker = Tracker("t", {}, parse, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionSuggestTopics().run(dispatcher, tracker, {}))
    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_rephrase"
    return message["buttons"]


def test_an_understood_follow_up_with_nothing_to_continue_gets_the_main_topics() -> None:
    for intent in ("show_more", "rate", "inform"):
        ranking = [{"name": intent, "confidence": 0.9}, {"name": "check_benefits", "confidence": 0.05}]
        assert _buttons(intent, ranking) == GENERAL


def test_a_misunderstood_message_gets_the_closest_topics() -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "check_benefits", "confidence": 0.3},
        {"name": "find_office", "confidence": 0.2},
    ]
    assert _buttons("nlu_fallback", ranking) == [
        {"title": "Xem các khoản hưởng BHXH", "payload": "/check_benefits"},
        {"title": "Tìm cơ quan BHXH", "payload": "/find_office"},
        {"title": "Gặp nhân viên hỗ trợ", "payload": "/request_human"},
    ]


def test_the_human_button_comes_last_even_when_ranked_first() -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "request_human", "confidence": 0.4},
        {"name": "check_benefits", "confidence": 0.3},
        {"name": "find_office", "confidence": 0.2},
        {"name": "find_facility", "confidence": 0.1},
    ]
    assert _buttons("nlu_fallback", ranking) == [
        {"title": "Xem các khoản hưởng BHXH", "payload": "/check_benefits"},
        {"title": "Tìm cơ quan BHXH", "payload": "/find_office"},
        {"title": "Tìm cơ sở khám chữa bệnh BHYT", "payload": "/find_facility"},
        {"title": "Gặp nhân viên hỗ trợ", "payload": "/request_human"},
    ]
