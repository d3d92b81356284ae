"""Hand a conversation to a hotline agent, relay the user's messages and carry the agent's back.

Flow: ``action_handoff`` opens a ticket and sets ``handoff_active``; from then on the
``HandoffPolicy`` answers every user message with ``action_relay_to_agent``. The agent console
asks Rasa to run ``action_deliver_agent_replies`` (replies) and ``action_handoff_resolved``
(end, then a one-tap rating stored by ``action_store_rating``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from vssid.aio import run_blocking
from vssid.channels import channel_for_conversation, native_sender_id
from vssid.constants import (
    ACTION_DELIVER_AGENT_REPLIES,
    ACTION_HANDOFF,
    ACTION_HANDOFF_RESOLVED,
    ACTION_LISTEN,
    ACTION_RELAY_TO_AGENT,
    ACTION_STORE_RATING,
    ACTION_SUGGEST_TOPICS,
    INTENT_NLU_FALLBACK,
    INTENT_NOT_HELPFUL,
    INTENT_RATE,
    SLOT_HANDOFF_ACTIVE,
    SLOT_HANDOFF_AWAITING_PHONE,
    SLOT_HANDOFF_TICKET_ID,
    SLOT_LAST_TASK,
    TASK_RATING,
    UTTER_ASK_HANDOFF_CALLBACK_PHONE,
    UTTER_ASK_HANDOFF_RATING,
    UTTER_HANDOFF_AFTER_HOURS,
    UTTER_HANDOFF_AGENT_REPLY,
    UTTER_HANDOFF_ALREADY_OPEN,
    UTTER_HANDOFF_IN_HOURS,
    UTTER_HANDOFF_PHONE_INVALID,
    UTTER_HANDOFF_PHONE_SAVED,
    UTTER_HANDOFF_PHONE_SKIPPED,
    UTTER_HANDOFF_RATING_BAD,
    UTTER_HANDOFF_RATING_THANKS,
    UTTER_HANDOFF_RELAYED,
    UTTER_HANDOFF_RESOLVED,
)
from vssid.db.base import utcnow
from vssid.db.tickets import AUTHOR_BOT, AUTHOR_USER
from vssid.privacy import mask_phone
from vssid.services import tickets as queue
from vssid.services.registry import get_ticket_service
from vssid.services.ticket_service import AgentReply

logger = logging.getLogger(__name__)

# Injected for tests: the current time and the hotline's opening hours.
clock: Callable[[], datetime] = utcnow
hotline_hours: Callable[[], queue.HotlineHours] = queue.HotlineHours.from_env

SKIP_PHONE_INTENTS = {"deny", "cancel"}
REQUESTED_SLOT = "requested_slot"
# Intents that say nothing about the user's problem.
_TOPIC_NOISE = {
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "cancel",
    "request_human",
    "not_helpful",
    "rate",
    "inform",
    "show_more",
    "bot_challenge",
    INTENT_NLU_FALLBACK,
}
# --- reading the tracker -------------------------------------------------------------------


def _current_session_events(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    current: list[dict[str, Any]] = []
    for event in events:
        if event.get("event") in ("session_started", "restart"):
            current = []
        else:
            current.append(event)
    return current


def _timestamp(event: dict[str, Any]) -> datetime | None:
    value = event.get("timestamp")
    return datetime.fromtimestamp(value, tz=timezone.utc) if isinstance(value, (int, float)) else None


def transcript_of(tracker: Tracker) -> list[queue.TranscriptLine]:
    """User and bot lines of the current session (masked later by the service)."""
    lines = []
    for event in _current_session_events(tracker.events):
        kind, text = event.get("event"), event.get("text")
        if kind in ("user", "bot") and text:
            lines.append(
                queue.TranscriptLine(
                    author=AUTHOR_USER if kind == "user" else AUTHOR_BOT, text=str(text), at=_timestamp(event)
                )
            )
    return lines


def _intent_label(parse_data: dict[str, Any]) -> str | None:
    intent = (parse_data.get("intent") or {}).get("name")
    if not intent:
        return None
    selected = (parse_data.get("response_selector") or {}).get(intent, {}).get("response", {})
    return selected.get("intent_response_key") or intent


def topic_of(tracker: Tracker, limit: int = 3) -> str:
    """The most recent distinct intents of the session, newest first ('faq/forgot_password, ...')."""
    labels: list[str] = []
    for event in reversed(_current_session_events(tracker.events)):
        if event.get("event") != "user":
            continue
        label = _intent_label(event.get("parse_data") or {})
        if label and label not in _TOPIC_NOISE and label not in labels:
            labels.append(label)
        if len(labels) == limit:
            break
    return ", ".join(labels) or "khác"


def reason_of(tracker: Tracker) -> str:
    intent = (tracker.latest_message or {}).get("intent", {}).get("name")
    if intent == INTENT_NOT_HELPFUL:
        return queue.REASON_NOT_HELPFUL
    if intent == INTENT_NLU_FALLBACK:
        return queue.REASON_FALLBACK
    return queue.REASON_REQUEST_HUMAN


def channel_of(tracker: Tracker) -> str:
    """Input channel of the conversation ('telegram', 'webchat', 'rest'...)."""
    return tracker.get_latest_input_channel() or channel_for_conversation(tracker.sender_id, default="")


def _utter_replies(dispatcher: CollectingDispatcher, replies: Iterable[AgentReply]) -> None:
    for reply in replies:
        dispatcher.utter_message(response=UTTER_HANDOFF_AGENT_REPLY, agent=reply.agent, reply=reply.text)


async def _take_replies(conversation_id: str) -> list[AgentReply]:
    return await run_blocking(get_ticket_service().take_undelivered_replies, conversation_id=conversation_id)


def _rating_prompt(dispatcher: CollectingDispatcher) -> list[EventType]:
    dispatcher.utter_message(response=UTTER_HANDOFF_RESOLVED)
    dispatcher.utter_message(response=UTTER_ASK_HANDOFF_RATING)
    return [
        SlotSet(SLOT_HANDOFF_ACTIVE, False),
        SlotSet(SLOT_HANDOFF_AWAITING_PHONE, False),
        SlotSet(SLOT_HANDOFF_TICKET_ID, None),
        # A rating is read as one only right after this question (rules check last_task).
        SlotSet(SLOT_LAST_TASK, TASK_RATING),
    ]


# --- actions -------------------------------------------------------------------------------


class ActionHandoff(Action):
    """Open (or find) the conversation's ticket and tell the user what happens next."""

    def name(self) -> str:
        return ACTION_HANDOFF

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        opened = await run_blocking(
            get_ticket_service().open_ticket,
            conversation_id=tracker.sender_id,
            channel=channel_of(tracker),
            sender_id=native_sender_id(tracker.sender_id),
            topic=topic_of(tracker),
            reason=reason_of(tracker),
            transcript=transcript_of(tracker),
        )
        ticket_id, created, has_phone = opened.ticket_id, opened.created, opened.has_callback_phone
        logger.info(
            "Handoff of %s: ticket %s (%s)", tracker.sender_id, ticket_id, "new" if created else "existing"
        )
        hours = hotline_hours()
        if not created:
            dispatcher.utter_message(response=UTTER_HANDOFF_ALREADY_OPEN, ticket_id=ticket_id)
        elif hours.is_open(clock()):
            dispatcher.utter_message(response=UTTER_HANDOFF_IN_HOURS, ticket_id=ticket_id)
        else:
            dispatcher.utter_message(
                response=UTTER_HANDOFF_AFTER_HOURS, ticket_id=ticket_id, hours=hours.describe()
            )
        ask_phone = not has_phone
        if ask_phone:
            dispatcher.utter_message(response=UTTER_ASK_HANDOFF_CALLBACK_PHONE)
        events: list[EventType] = [
            SlotSet(SLOT_HANDOFF_ACTIVE, True),
            SlotSet(SLOT_HANDOFF_TICKET_ID, ticket_id),
            SlotSet(SLOT_HANDOFF_AWAITING_PHONE, ask_phone),
        ]
        if tracker.active_loop_name:
            # A form left active would take the conversation back after the hand-back.
            events += [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]
        return events


class ActionRelayToAgent(Action):
    """While a ticket is active: append the user's message to it instead of answering."""

    def name(self) -> str:
        return ACTION_RELAY_TO_AGENT

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        events: list[EventType] = []
        if tracker.get_slot(SLOT_HANDOFF_AWAITING_PHONE):
            handled, events = await self._callback_phone(dispatcher, tracker, message, text)
            if handled:
                return events
        relay = await run_blocking(
            get_ticket_service().relay_user_message, conversation_id=tracker.sender_id, text=text
        )
        # Replies the console could not push (Rasa was down) go out with the next user turn.
        replies = await _take_replies(tracker.sender_id)
        _utter_replies(dispatcher, replies)
        if relay.ticket_id is None:
            # Resolved while the console could not reach Rasa: finish the hand-back now.
            return events + _rating_prompt(dispatcher)
        if relay.user_messages == 1 and not replies:
            dispatcher.utter_message(response=UTTER_HANDOFF_RELAYED)
        return events

    async def _callback_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, message: dict[str, Any], text: str
    ) -> tuple[bool, list[EventType]]:
        """Handle an answer to the optional callback-phone question: (consumed, events)."""
        intent = (message.get("intent") or {}).get("name")
        if intent in SKIP_PHONE_INTENTS:
            dispatcher.utter_message(response=UTTER_HANDOFF_PHONE_SKIPPED)
            return True, [SlotSet(SLOT_HANDOFF_AWAITING_PHONE, False)]
        entity = next(
            (e.get("value") for e in message.get("entities") or [] if e.get("entity") == "phone"), None
        )
        phone = queue.normalize_phone(str(entity)) if entity else None
        phone = phone or queue.normalize_phone(text)
        if phone:
            if await run_blocking(
                get_ticket_service().set_callback_phone, conversation_id=tracker.sender_id, phone=phone
            ):
                dispatcher.utter_message(response=UTTER_HANDOFF_PHONE_SAVED, phone=mask_phone(phone))
                return True, [SlotSet(SLOT_HANDOFF_AWAITING_PHONE, False)]
        elif queue.looks_like_phone_attempt(text):
            dispatcher.utter_message(response=UTTER_HANDOFF_PHONE_INVALID)
            return True, []
        # Anything else is a message for the agent: stop waiting for a number.
        return False, [SlotSet(SLOT_HANDOFF_AWAITING_PHONE, False)]


class ActionDeliverAgentReplies(Action):
    """Run by the agent console through Rasa's API: utter the agent's undelivered replies."""

    def name(self) -> str:
        return ACTION_DELIVER_AGENT_REPLIES

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        _utter_replies(dispatcher, await _take_replies(tracker.sender_id))
        # Run outside a user turn (POST /execute has no prediction loop): end the turn as a
        # predicted one would, so the next user message is read in a listening state.
        return [ActionExecuted(ACTION_LISTEN)]


class ActionHandoffResolved(Action):
    """Run by the agent console after resolving: hand the conversation back to the bot."""

    def name(self) -> str:
        return ACTION_HANDOFF_RESOLVED

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        _utter_replies(dispatcher, await _take_replies(tracker.sender_id))
        if await run_blocking(get_ticket_service().has_active_ticket, conversation_id=tracker.sender_id):
            # A newer escalation is open (the console pushed late): keep relaying.
            return [ActionExecuted(ACTION_LISTEN)]
        return [*_rating_prompt(dispatcher), ActionExecuted(ACTION_LISTEN)]


def rating_was_just_asked(tracker: Tracker) -> bool:
    """The bot's last message before the user's latest one was the rating question (rate buttons)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return False
            seen_user = True
        elif seen_user and event.get("event") == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            return any(str(b.get("payload", "")).startswith(f"/{INTENT_RATE}") for b in buttons)
    return False


class ActionStoreRating(Action):
    """Store the one-tap rating on the conversation's latest resolved ticket.

    A rating counts only as the answer to the rating question; anything else that reads as a
    rating ("còn ở Hải Châu thì sao" once was) goes to the fallback with topic suggestions.
    """

    def name(self) -> str:
        return ACTION_STORE_RATING

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if not rating_was_just_asked(tracker):
            return [SlotSet(SLOT_LAST_TASK, None), FollowupAction(ACTION_SUGGEST_TOPICS)]
        raw = next(tracker.get_latest_entity_values("rating"), None) or tracker.latest_message.get("text")
        rating = queue.normalize_rating(raw)
        if rating is not None:
            ticket_id = await run_blocking(
                get_ticket_service().rate_latest_ticket, conversation_id=tracker.sender_id, rating=rating
            )
            if ticket_id is not None:
                logger.info("Ticket %s rated %s", ticket_id, rating)
        if rating == queue.RATING_BAD:
            dispatcher.utter_message(response=UTTER_HANDOFF_RATING_BAD)
        else:
            dispatcher.utter_message(response=UTTER_HANDOFF_RATING_THANKS)
        return [SlotSet(SLOT_LAST_TASK, None)]


def handoff_slots_to_carry_over(tracker: Tracker) -> list[EventType]:
    """SlotSets that keep an active handoff across a session restart.

    Sessions start without the previous slots (``carry_over_slots_to_new_session: false``), but a
    ticket outlives a session: ``action_session_start`` adds these after ``SessionStarted`` so
    the user's next messages still go to the agent.
    """
    if not tracker.get_slot(SLOT_HANDOFF_ACTIVE):
        return []
    return [
        SlotSet(SLOT_HANDOFF_ACTIVE, True),
        SlotSet(SLOT_HANDOFF_TICKET_ID, tracker.get_slot(SLOT_HANDOFF_TICKET_ID)),
    ]
