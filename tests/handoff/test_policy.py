"""HandoffPolicy: relay while a ticket is active, stay out of the way otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from vssid.handoff_policy import HandoffPolicy
from vssid.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture
def policy(tmp_path: Path) -> HandoffPolicy:
    return HandoffPolicy.create(
        HandoffPolicy.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("handoff_policy"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def _user(intent: str, text: str = "xin chào") -> UserUttered:
    return UserUttered(text, intent={"name": intent, "confidence": 1.0})


def _tracker(domain: Domain, *events: Event) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        "web-test", [ActionExecuted("action_listen"), *events], slots=domain.slots
    )


ACTIVE = SlotSet("handoff_active", True)


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        # no handoff: abstain
        ((_user("greet"),), None),
        ((ActionExecuted("utter_greet"),), None),
        # the ticket was just opened: listen
        ((_user("request_human"), ActionExecuted("action_handoff"), ACTIVE), "action_listen"),
        # a user message during the handoff, whatever its intent: relay
        ((ACTIVE, ActionExecuted("action_listen"), _user("faq")), "action_relay_to_agent"),
        ((ACTIVE, ActionExecuted("action_listen"), _user("request_human")), "action_relay_to_agent"),
        # after an action run through POST /execute there is no action_listen before the user message
        ((ACTIVE, ActionExecuted("action_deliver_agent_replies"), _user("thank")), "action_relay_to_agent"),
        # slot events after the message (action_extract_slots) do not hide it
        (
            (ACTIVE, ActionExecuted("action_listen"), _user("inform"), SlotSet("location", "Hà Nội")),
            "action_relay_to_agent",
        ),
        # after the relay: listen, also when the relay itself ended the handoff
        ((ACTIVE, _user("faq"), ActionExecuted("action_relay_to_agent")), "action_listen"),
        (
            (ACTIVE, _user("faq"), ActionExecuted("action_relay_to_agent"), SlotSet("handoff_active", False)),
            "action_listen",
        ),
        # Rasa's own restart keeps working
        ((ACTIVE, ActionExecuted("action_listen"), _user("restart", "/restart")), None),
        # handed back: the other policies answer again
        ((SlotSet("handoff_active", False), ActionExecuted("action_listen"), _user("faq")), None),
    ],
)
def test_next_action(
    policy: HandoffPolicy, domain: Domain, events: tuple[Event, ...], expected: str | None
) -> None:
    assert policy.next_action(_tracker(domain, *events)) == expected


def test_prediction_is_certain_and_outranks_rules(policy: HandoffPolicy, domain: Domain) -> None:
    tracker = _tracker(domain, ACTIVE, ActionExecuted("action_listen"), _user("faq"))
    prediction = policy.predict_action_probabilities(tracker, domain)
    assert prediction.max_confidence == 1.0
    assert domain.action_names_or_texts[prediction.max_confidence_index] == "action_relay_to_agent"
    assert prediction.policy_priority > 6  # RulePolicy's priority


def test_abstains_with_all_zeros(policy: HandoffPolicy, domain: Domain) -> None:
    prediction = policy.predict_action_probabilities(_tracker(domain, _user("greet")), domain)
    assert max(prediction.probabilities) == 0.0
