"""Form validation that validates only what the user just gave.

rasa_sdk's `FormValidationAction` validates every slot set since the user's last message. When
a form activates, that includes slots an action merely reset in the same turn (for example
`action_personal_lookup` clears `verification_identifier` and `otp_code` before the
verification form starts), so `validate_<slot>` ran on empty values and the user saw "the BHXH
code has only digits" and "the OTP has 6 digits" before the first question.

`UserInputFormValidation` validates a slot only when it holds a value and either it is the slot
the form asked for, or the form is just activating (no slot asked yet): then the values come
from the request itself ("kiểm tra thẻ BHYT, mã số 0101234567"), through the domain's mappings
or the subclass's `extract_<slot>` methods.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Tracker, utils
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from vssid import constants as c


def is_activating(tracker: Tracker) -> bool:
    """The form is being activated in this turn: it has asked nothing yet."""
    return tracker.get_slot(c.SLOT_REQUESTED) is None


def slots_to_check(tracker: Tracker, form_slots: list[str]) -> dict[str, Any]:
    """The form's slots the user filled in this turn: the requested one, or (at activation) any
    that the request itself filled. Slots reset to None by actions are never among them."""
    requested = tracker.get_slot(c.SLOT_REQUESTED)
    return {
        slot: value
        for slot, value in tracker.slots_to_validate().items()
        if value is not None and slot in form_slots and (requested is None or slot == requested)
    }


class UserInputFormValidation(FormValidationAction, ABC):
    """`FormValidationAction` that never validates (or complains about) a slot it has not asked.

    Abstract, so the action server registers only the concrete subclasses.
    """

    @abstractmethod
    def name(self) -> str: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        extraction_events = await self.get_extraction_events(dispatcher, tracker, domain)
        tracker.add_slots(extraction_events)
        candidates = slots_to_check(tracker, self.domain_slots(domain))
        validated: dict[str, Any] = {}
        for slot, value in candidates.items():
            method = getattr(self, f"validate_{slot}", None)
            if method is None:
                output = {slot: value}
            else:
                output = await utils.call_potential_coroutine(method(value, dispatcher, tracker, domain))
            validated.update(output)
            tracker.slots.update(output)  # later validators see earlier results
        events: list[EventType] = [SlotSet(slot, value) for slot, value in validated.items()]
        next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
        if next_slot:
            events.append(next_slot)
        return events
