"""HandoffPolicy: while a hotline agent holds the conversation, the bot relays instead of answering.

When the slot ``handoff_active`` is true, every user message is answered with
``action_relay_to_agent`` (which appends it to the ticket) and then ``action_listen``. With a
priority above RulePolicy's, a rule or story cannot make the bot answer in the agent's place.
Nothing is learnt: the decision reads one slot and the last events.

config.yml::

    policies:
      - name: vssid.handoff_policy.HandoffPolicy   # priority 7 by default (RulePolicy: 6)
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME, RULE_SNIPPET_ACTION_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from vssid.constants import ACTION_RELAY_TO_AGENT, SLOT_HANDOFF_ACTIVE
from vssid.nlu.code_fingerprint import CodeFingerprinted

logger = logging.getLogger(__name__)

DEFAULT_PRIORITY = 7  # RulePolicy has 6
# Rasa's own intents keep their default behaviour even during a handoff.
_PASS_THROUGH_INTENTS = {"restart", "session_start", "back"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class HandoffPolicy(CodeFingerprinted, Policy):
    """Predicts the relay to the agent for user messages while ``handoff_active`` is set."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": DEFAULT_PRIORITY, "slot": SLOT_HANDOFF_ACTIVE, "action": ACTION_RELAY_TO_AGENT}

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        action = self.next_action(tracker)
        probabilities = self._default_predictions(domain)
        if action is not None:
            logger.debug("Handoff active in %s: predicting %s", tracker.sender_id, action)
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)

    def next_action(self, tracker: DialogueStateTracker) -> str | None:
        """The action to run now, or None to leave the decision to the other policies."""
        relay = self.config["action"]
        last = _last_turn_event(tracker)
        if isinstance(last, ActionExecuted) and last.action_name == relay:
            return ACTION_LISTEN_NAME  # even if the relay just ended the handoff
        if not tracker.get_slot(self.config["slot"]):
            return None
        if isinstance(last, UserUttered):
            if (last.intent or {}).get("name") in _PASS_THROUGH_INTENTS:
                return None
            return relay
        if isinstance(last, ActionExecuted) and last.action_name not in (ACTION_LISTEN_NAME, None):
            return ACTION_LISTEN_NAME
        return None


def _last_turn_event(tracker: DialogueStateTracker) -> UserUttered | ActionExecuted | None:
    """The latest user message or executed action (slot and other side events skipped).

    ``tracker.latest_action_name`` is not enough: an action run through ``POST /execute`` is
    followed by the next user message without an ``action_listen`` in between.
    """
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return event
        if isinstance(event, ActionExecuted) and event.action_name != RULE_SNIPPET_ACTION_NAME:
            return event
    return None
