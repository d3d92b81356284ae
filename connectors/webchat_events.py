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

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from vssid import constants as c

METADATA_KEY = "webchat"  # UserMessage.metadata[METADATA_KEY] = {"title": ..., "hidden": ...}
SHOWN_TYPES = ("user", "bot")  # the only event types the widget shows
SESSION_STARTED = "session_started"
ACTION = "action"
SESSION_START_ACTION = "action_session_start"
# What is read: shown events and session boundaries (a session's welcome is uttered by
# action_session_start before its session_started event).
READ_TYPES = (*SHOWN_TYPES, SESSION_STARTED, ACTION)

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


def current_session(rows: Sequence[Row]) -> Sequence[Row]:
    """The rows of the current Rasa session (all of them when no session start is among them).

    It begins at the `action_session_start` that logged the last `session_started` (its welcome
    comes between the two), or at that `session_started` when the action is not among the rows.
    """
    starts = [i for i, (_, event) in enumerate(rows) if event.get("event") == SESSION_STARTED]
    if not starts:
        return rows
    start = starts[-1]
    for index in range(start - 1, -1, -1):
        event = rows[index][1]
        if event.get("event") == "user":
            break
        if event.get("event") == ACTION and event.get("name") == SESSION_START_ACTION:
            return rows[index:]
    return rows[start:]


def offered_payloads(events: Iterable[Mapping[str, Any]]) -> set[str]:
    """Payloads of every button the bot has shown in the conversation."""
    return {
        button["payload"]
        for event in events
        if event.get("event") == "bot"
        for button in _buttons(event.get("data") or {})
    }


def events_page(
    rows: Sequence[Row], after: int, *, reset: bool = False, now: float | None = None
) -> dict[str, Any]:
    """The shown events of the current Rasa session among `rows` (read with seq >= `after`), and
    the cursor to ask from next.

    `reset` (the cursor was beyond the conversation: it was replaced or deleted) makes the widget
    redraw the whole current session held in `rows`. Earlier sessions are never shown, nor
    personal answers older than PERSONAL_ANSWER_TTL.
    """
    end = rows[-1][0] + 1 if rows else 0
    shown = [display_event(seq, event, now=now) for seq, event in current_session(rows)]
    return {
        "events": [event for event in shown if event],
        "cursor": end if reset else max(after, end),
        "reset": reset,
    }


def history(
    rows: Sequence[Row], limit: int, *, reset: bool = False, now: float | None = None
) -> dict[str, Any]:
    """The last `limit` shown events of the current Rasa session, and the cursor after them."""
    page = events_page(rows, 0, reset=reset, now=now)
    page["events"] = page["events"][-limit:] if limit > 0 else []
    return page
