"""What the web widget shows of a conversation, derived from the tracker's events.

The tracker is the single source of truth: the widget's history after a reload, the replies to
a message and the messages that arrive later (a hotline agent's reply) are all read from it.
Each shown event carries `seq`, its index in the conversation's full event list. Events are
only ever appended, so `seq` is a cursor that is stable across Rasa processes and immune to
clock skew between them (timestamps are not).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from vssid import constants as c

METADATA_KEY = "webchat"  # UserMessage.metadata[METADATA_KEY] = {"title": ..., "hidden": ...}

# Answers that show a person's own records: never replayed once the verification that allowed
# them has run out (VerificationPolicy.verification_ttl), e.g. on a shared computer.
PERSONAL_RESPONSES = frozenset(
    {
        c.UTTER_VERIFIED,
        c.UTTER_BHXH_CODE_FOUND,
        c.UTTER_BHYT_CARD,
        c.UTTER_BHYT_CARD_EXPIRED,
        c.UTTER_NO_BHYT_CARD,
        c.UTTER_CONTRIBUTIONS,
        c.UTTER_CONTRIBUTIONS_PAGE,
        c.UTTER_NO_CONTRIBUTIONS,
        c.UTTER_NO_MORE_CONTRIBUTIONS,
        c.UTTER_BENEFITS,
        c.UTTER_NO_BENEFITS,
    }
)
PERSONAL_ANSWER_TTL = 15 * 60  # seconds


def _buttons(data: Mapping[str, Any]) -> list[dict[str, str]]:
    raw = data.get("buttons") or data.get("quick_replies") or []
    return [
        {"title": str(button["title"]), "payload": str(button["payload"])}
        for button in raw
        if isinstance(button, Mapping) and button.get("title") and button.get("payload")
    ]


def _user_event(seq: int, event: Mapping[str, Any]) -> dict[str, Any] | None:
    webchat = (event.get("metadata") or {}).get(METADATA_KEY) or {}
    if webchat.get("hidden"):
        return None
    # A quick reply is stored as its payload ("/faq/forgot_password"); show the label clicked.
    text = webchat.get("title") or event.get("text") or ""
    if not text:
        return None
    return {
        "seq": seq,
        "type": "user",
        "text": str(text),
        "timestamp": event.get("timestamp"),
        "message_id": event.get("message_id"),
    }


def _bot_event(seq: int, event: Mapping[str, Any]) -> dict[str, Any] | None:
    data = event.get("data") or {}
    shown: dict[str, Any] = {
        "seq": seq,
        "type": "bot",
        "text": str(event.get("text") or ""),
        "timestamp": event.get("timestamp"),
        "buttons": _buttons(data),
    }
    if isinstance(data.get("image"), str):
        shown["image"] = data["image"]
    if not (shown["text"] or shown["buttons"] or "image" in shown):
        return None
    return shown


def is_personal_answer(event: Mapping[str, Any]) -> bool:
    return (
        event.get("event") == "bot"
        and (event.get("metadata") or {}).get("utter_action") in PERSONAL_RESPONSES
    )


def _expired_personal(event: Mapping[str, Any], now: float) -> bool:
    timestamp = event.get("timestamp")
    return (
        is_personal_answer(event)
        and isinstance(timestamp, (int, float))
        and timestamp < now - PERSONAL_ANSWER_TTL
    )


def display_event(seq: int, event: Mapping[str, Any], *, now: float | None = None) -> dict[str, Any] | None:
    """The widget's view of one tracker event, or None for events it does not show."""
    kind = event.get("event")
    if kind == "user":
        return _user_event(seq, event)
    if kind == "bot":
        if _expired_personal(event, time.time() if now is None else now):
            return None
        return _bot_event(seq, event)
    return None


def current_session_start(events: Sequence[Mapping[str, Any]]) -> int:
    """Index of the current Rasa session's `session_started` event (0 if there is none)."""
    for seq in range(len(events) - 1, -1, -1):
        if events[seq].get("event") == "session_started":
            return seq
    return 0


def offered_payloads(events: Sequence[Mapping[str, Any]]) -> set[str]:
    """Payloads of every button the bot has shown in the conversation."""
    return {
        button["payload"]
        for event in events
        if event.get("event") == "bot"
        for button in _buttons(event.get("data") or {})
    }


def events_after(
    events: Sequence[Mapping[str, Any]], after: int, *, now: float | None = None
) -> dict[str, Any]:
    """Shown events of the current Rasa session with seq >= `after`, and the next cursor.

    A cursor beyond the end means the tracker was replaced (PUT /tracker/events): the answer
    then holds the whole current session and `reset`, so the widget redraws it.
    """
    reset = after > len(events)
    session_start = current_session_start(events)
    start = session_start if reset else max(after, session_start)
    shown = [display_event(seq, events[seq], now=now) for seq in range(start, len(events))]
    return {"events": [event for event in shown if event], "cursor": len(events), "reset": reset}


def history(events: Sequence[Mapping[str, Any]], limit: int, *, now: float | None = None) -> dict[str, Any]:
    """The last `limit` shown events of the current Rasa session, and the cursor after them.

    Earlier sessions are not shown, nor personal answers older than PERSONAL_ANSWER_TTL.
    """
    page = events_after(events, 0, now=now)
    page["events"] = page["events"][-limit:] if limit > 0 else []
    return page
