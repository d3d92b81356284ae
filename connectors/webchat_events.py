"""What the web widget shows of a conversation, derived from the tracker's events.

The tracker store is the single source of truth: the widget's history after a reload, the
replies to a message and the messages that arrive later (a hotline agent's reply) are all read
from it, through `vssid.stores.read_event_rows`, which returns only the events newer than a
cursor. Each event carries `seq` (the id of its row in our SQL tracker store; the index in the
full event list with another store): it only grows, so it is a cursor that is stable across
Rasa processes and immune to clock skew between them (timestamps are not). The widget sends back
`cursor`, the seq after the last event it has seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

METADATA_KEY = "webchat"  # UserMessage.metadata[METADATA_KEY] = {"title": ..., "hidden": ...}
SHOWN_TYPES = ("user", "bot")  # the only event types the widget shows

Row = tuple[int, Mapping[str, Any]]  # (seq, event as dict)


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


def offered_payloads(events: Iterable[Mapping[str, Any]]) -> set[str]:
    """Payloads of every button the bot has shown in the conversation."""
    return {
        button["payload"]
        for event in events
        if event.get("event") == "bot"
        for button in _buttons(event.get("data") or {})
    }


def events_page(rows: Sequence[Row], after: int, *, reset: bool = False) -> dict[str, Any]:
    """The shown events among `rows` (read with seq >= `after`), and the cursor to ask from next.

    `reset` (the cursor was beyond the conversation: it was replaced or deleted) makes the widget
    redraw the whole conversation held in `rows`.
    """
    shown = [display_event(seq, event) for seq, event in rows]
    end = rows[-1][0] + 1 if rows else 0
    return {
        "events": [event for event in shown if event],
        "cursor": end if reset else max(after, end),
        "reset": reset,
    }


def history(rows: Sequence[Row], limit: int, *, reset: bool = False) -> dict[str, Any]:
    """The last `limit` shown events of the conversation, and the cursor after them."""
    page = events_page(rows, 0, reset=reset)
    page["events"] = page["events"][-limit:] if limit > 0 else []
    return page
