"""Session start: greet in Vietnamese; no identity verification survives into a new session."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import handoff_slots_to_carry_over
from vssid.aio import run_blocking
from vssid.constants import ACTION_LISTEN, ACTION_SESSION_START, UTTER_SESSION_WELCOME
from vssid.services.registry import get_records_service

logger = logging.getLogger(__name__)


class ActionSessionStart(Action):
    """Greets and revokes any verification of the conversation.

    Slots are not carried over (domain: carry_over_slots_to_new_session: false), except an open
    hotline handoff: the ticket outlives the session, so the user's messages keep reaching the agent.
    """

    def name(self) -> str:
        return ACTION_SESSION_START

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        service = get_records_service()
        await run_blocking(service.revoke_verification, conversation_id=tracker.sender_id)
        carried = handoff_slots_to_carry_over(tracker)
        if not carried:
            dispatcher.utter_message(response=UTTER_SESSION_WELCOME)
        return [SessionStarted(), *carried, ActionExecuted(ACTION_LISTEN)]
