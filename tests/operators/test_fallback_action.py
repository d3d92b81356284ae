"""action_suggest_topics: kb topics with previews first, classifier topics otherwise, handoff on repeat."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionSuggestTopics

HUMAN = {"title": "Gặp nhân viên hỗ trợ", "payload": "/request_human"}


def _user(text: str, intent: str = "nlu_fallback", ranking: list[dict] | None = None) -> dict[str, Any]:
    parse = {"text": text, "intent": {"name": intent, "confidence": 0.5}, "intent_ranking": ranking or []}
    return {"event": "user", "text": text, "parse_data": parse}


def _run(*events: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    latest = next(e["parse_data"] for e in reversed(events) if e["event"] == "user")
    tracker = Tracker("web-x", {}, latest, list(events), False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    returned = asyncio.run(ActionSuggestTopics().run(dispatcher, tracker, {}))
    return dispatcher.messages, returned


def test_first_failure_offers_the_knowledge_base_topics_with_a_preview() -> None:
    [message], events = _run(_user("xin chào", "greet"), _user("hệ thống tự động duyệt và cập nhật"))
    assert events == []
    assert message["response"] == "utter_suggest_kb_topics"
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads[0] == "/faq/update_address" and payloads[-1] == "/request_human"
    assert 2 <= len(payloads) <= 4
    lines = message["topics"].split("\n")
    assert lines[0] == (
        "• Cập nhật địa chỉ: Địa chỉ không sửa được trực tiếp trong ứng dụng VssID; "
        "bạn cập nhật trên Cổng dịch vụ…"
    )
    assert len(lines) == len(payloads) - 1


def test_without_a_knowledge_base_match_the_classifier_topics_are_offered() -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "find_office", "confidence": 0.3}]
    [message], _ = _run(_user("zxqv blorp kwyjibo", ranking=ranking))
    assert message["response"] == "utter_ask_rephrase"
    assert message["buttons"] == [{"title": "Tìm cơ quan BHXH", "payload": "/find_office"}, HUMAN]


def test_second_failure_in_a_row_hands_over() -> None:
    messages, events = _run(_user("zxqv"), _user("tin nhắn báo thành công"))
    assert messages == []
    assert events == [{"event": "followup", "name": "action_handoff", "timestamp": None}]
