"""Session start: greet in Vietnamese and start every session without carried-over access."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import ACTION_LISTEN, ACTION_SESSION_START, UTTER_SESSION_WELCOME


class ActionSessionStart(Action):
    """Greets; slots are not carried over (domain: carry_over_slots_to_new_session: false)."""

    def name(self) -> str:
        return ACTION_SESSION_START

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(response=UTTER_SESSION_WELCOME)
        return [SessionStarted(), ActionExecuted(ACTION_LISTEN)]
