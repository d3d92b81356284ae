"""What the web widget shows of a conversation, derived from the tracker's events.

The tracker is the single source of truth: the widget's history after a reload, the replies to
a message and the messages that arrive later (a hotline agent's reply) are all read from it.
Each shown event carries `seq`, its index in the conversation's full event list. Events are
only ever appended, so `seq` is a cursor that is stable across Rasa processes and immune to
clock skew between them (timestamps are not).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

METADATA_KEY = "webchat"  # UserMessage.metadata[METADATA_KEY] = {"title": ..., "hidden": ...}


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


def display_event(seq: int, event: Mapping[str, Any]) -> dict[str, Any] | None:
    """The widget's view of one tracker event, or None for events it does not show."""
    kind = event.get("event")
    if kind == "user":
        return _user_event(seq, event)
    if kind == "bot":
        return _bot_event(seq, event)
    return None


def offered_payloads(events: Sequence[Mapping[str, Any]]) -> set[str]:
    """Payloads of every button the bot has shown in the conversation."""
    return {
        button["payload"]
        for event in events
        if event.get("event") == "bot"
        for button in _buttons(event.get("data") or {})
    }


def events_after(events: Sequence[Mapping[str, Any]], after: int) -> dict[str, Any]:
    """Shown events with seq >= `after`, and the cursor to ask from next time.

    A cursor beyond the end means the tracker was replaced (PUT /tracker/events): the answer
    then holds the whole conversation and `reset`, so the widget redraws it.
    """
    reset = after > len(events)
    start = 0 if reset else max(after, 0)
    shown = [display_event(seq, events[seq]) for seq in range(start, len(events))]
    return {"events": [event for event in shown if event], "cursor": len(events), "reset": reset}


def history(events: Sequence[Mapping[str, Any]], limit: int) -> dict[str, Any]:
    """The last `limit` shown events of the conversation, and the cursor after them."""
    page = events_after(events, 0)
    page["events"] = page["events"][-limit:] if limit > 0 else []
    return page
