"""Low-confidence fallback: offer the closest knowledge-base topics, then rephrase; escalate on repeat.

First failure: the knowledge-base search (``vssid.services.kb_search``, built once per action
server) offers its best topics as buttons with a one-line preview of each answer; when it finds
nothing, the classifier's closest intents are offered with a plain request to rephrase. A second
failure in a row hands the conversation to the hotline queue.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from vssid.constants import (
    ACTION_HANDOFF,
    ACTION_SUGGEST_TOPICS,
    INTENT_FAQ,
    INTENT_NLU_FALLBACK,
    UTTER_ASK_REPHRASE,
    UTTER_SUGGEST_KB_TOPICS,
)
from vssid.services.kb_search import TopicMatch, get_kb_index

MAX_SUGGESTIONS = 3
FAILURES_BEFORE_HANDOFF = 2

# Intents worth offering as a button, with their Vietnamese labels.
SUGGESTABLE_INTENTS = {
    "lookup_bhxh_code": "Tra cứu mã số BHXH của tôi",
    "check_bhyt_card": "Kiểm tra thẻ BHYT của tôi",
    "check_contribution": "Xem quá trình đóng BHXH",
    "check_benefits": "Xem các khoản hưởng BHXH",
    "find_office": "Tìm cơ quan BHXH",
    "find_facility": "Tìm cơ sở khám chữa bệnh BHYT",
    "request_human": "Gặp nhân viên hỗ trợ",
}


# Offered when the message was understood but has nothing to continue ("xem thêm" with nothing
# paged, a rating nobody asked for, "còn cái kia thì sao"): its intent ranking says nothing useful.
GENERAL_TOPICS = ("faq/forgot_password", "faq/change_phone", "lookup_bhxh_code")


@lru_cache(maxsize=1)
def _faq_titles() -> dict[str, str]:
    from kb import topic_titles

    return topic_titles()


def consecutive_fallbacks(tracker: Tracker) -> int:
    """How many user turns in a row, ending with the latest, fell below the NLU threshold."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            break
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
        if intent != INTENT_NLU_FALLBACK:
            break
        count += 1
    return count


def general_topics() -> list[tuple[str, str]]:
    """(title, payload) of the most asked-for topics."""
    titles = {**SUGGESTABLE_INTENTS, **{f"faq/{topic}": title for topic, title in _faq_titles().items()}}
    return [(titles[key], f"/{key}") for key in GENERAL_TOPICS]


def closest_topics(parse_data: dict[str, Any], limit: int = MAX_SUGGESTIONS) -> list[tuple[str, str]]:
    """(title, payload) of the most likely topics from the classifier and response selector.

    The human is not a topic here: `with_human_button` always offers it, last.
    """
    ranking = {r["name"]: r.get("confidence", 0.0) for r in parse_data.get("intent_ranking", [])}
    scored: list[tuple[float, str, str]] = []
    for intent, title in SUGGESTABLE_INTENTS.items():
        if intent in ranking and intent != "request_human":
            scored.append((ranking[intent], title, f"/{intent}"))
    faq_confidence = ranking.get(INTENT_FAQ, 0.0)
    faq_ranking = (parse_data.get("response_selector") or {}).get(INTENT_FAQ, {}).get("ranking", [])
    titles = _faq_titles()
    for item in faq_ranking:
        key = item.get("intent_response_key", "")
        topic = key.split("/", 1)[-1]
        if topic in titles:
            scored.append((faq_confidence * item.get("confidence", 0.0), titles[topic], f"/{key}"))
    scored.sort(key=lambda entry: entry[0], reverse=True)
    return [(title, payload) for _, title, payload in scored[:limit]]


class ActionSuggestTopics(Action):
    """First failure: rephrase + closest topics. Second failure in a row: hand over.

    Also the answer to a follow-up with nothing to continue (rules in data/rules/dialogue.yml):
    then the message was understood, and the most asked-for topics are offered instead.
    """

    def __init__(self) -> None:
        # The action server builds its actions at start-up: build the search index now, once.
        get_kb_index()

    def name(self) -> str:
        return ACTION_SUGGEST_TOPICS

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if consecutive_fallbacks(tracker) >= FAILURES_BEFORE_HANDOFF:
            return [FollowupAction(ACTION_HANDOFF)]
        message = tracker.latest_message or {}
        understood = (message.get("intent") or {}).get("name") not in (None, INTENT_NLU_FALLBACK)
        if understood:
            # A follow-up with nothing to continue: its words name no topic, offer the main ones.
            buttons = [{"title": title, "payload": payload} for title, payload in general_topics()]
            dispatcher.utter_message(response=UTTER_ASK_REPHRASE, buttons=with_human_button(buttons))
            return []
        matches = get_kb_index().search(message.get("text") or "", limit=MAX_SUGGESTIONS)
        if matches:
            dispatcher.utter_message(
                response=UTTER_SUGGEST_KB_TOPICS, topics=topic_previews(matches), buttons=kb_buttons(matches)
            )
            return []
        buttons = [{"title": title, "payload": payload} for title, payload in closest_topics(message)]
        dispatcher.utter_message(response=UTTER_ASK_REPHRASE, buttons=with_human_button(buttons))
        return []


def topic_previews(matches: list[TopicMatch]) -> str:
    """One line per topic: '• Quên mật khẩu: Bạn có hai cách lấy lại mật khẩu VssID.'"""
    return "\n".join(f"• {m.title}: {m.preview}" for m in matches)


def kb_buttons(matches: list[TopicMatch]) -> list[dict[str, str]]:
    return with_human_button([{"title": m.title, "payload": f"/{INTENT_FAQ}/{m.topic}"} for m in matches])


def with_human_button(buttons: list[dict[str, str]]) -> list[dict[str, str]]:
    if not any(button["payload"] == "/request_human" for button in buttons):
        buttons = [*buttons, {"title": SUGGESTABLE_INTENTS["request_human"], "payload": "/request_human"}]
    return buttons
