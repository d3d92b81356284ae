"""SessionTracker (vssid/session_tracker.py) and the policies' state window (vssid/rasa_speedups.py)
give exactly what Rasa computes, on long conversations too.

Each conversation is fed as the Rasa server sees it: message by message, the tracker rebuilt by
the "store" from its own objects (new ones for the rows saved since), events appended in between.
Before every action (where Rasa predicts) the values are compared with Rasa's own methods on a
plain DialogueStateTracker of the same events: applied events, the last states (both ways the
policies ask), `copy()`, the tracker the store builds, and the predictions of the trained model's
MemoizationPolicy and RulePolicy. The guard at the end fails when Rasa's code they mirror or rely
on changes.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import inspect
import random
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import requests
from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer, TrackerFeaturizer
from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.policy import Policy
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core import events as rasa_events
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    Event,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from tests.conftest import _ensure_model
from vssid import rasa_speedups
from vssid.session_tracker import STATES_TAIL, ConversationFolds, SessionTracker, copy_slot

SENDER = "web-long"
LISTEN = "action_listen"


# --- conversations --------------------------------------------------------------------------------


def user(intent: str, *entities: tuple[str, str], text: str | None = None, e2e: bool = False) -> list[Event]:
    """A user message as the processor logs it, with the featurization event of its first prediction."""
    found = [{"entity": name, "value": value, "start": 0, "end": 1} for name, value in entities]
    message = UserUttered(text or intent, {"name": intent, "confidence": 0.9}, found)
    return [
        message,
        *(SlotSet(n, v) for n, v in entities if n == "location"),
        DefinePrevUserUtteredFeaturization(e2e),
    ]


def act(name: str, *, hide: bool = False, text: str | None = None) -> list[Event]:
    events: list[Event] = [ActionExecuted(name, hide_rule_turn=hide)]
    if name.startswith("utter_") or text:
        events.append(BotUttered(text or name))
    return events


def listen() -> list[Event]:
    return [ActionExecuted(LISTEN)]


def session_start() -> list[Event]:
    return [ActionExecuted("action_session_start"), SessionStarted(), *listen()]


def faq(topic: str = "forgot_password") -> list[Event]:
    return [*user("faq", text=topic), *act("utter_faq", hide=True), *listen()]


def facility_form_happy() -> list[Event]:
    return [
        *user("find_facility"),
        *act("facility_search_form"),
        ActiveLoop("facility_search_form"),
        SlotSet("requested_slot", "location"),
        *listen(),
        *user("inform", ("location", "Hà Nội")),
        *act("facility_search_form"),  # happy path: Rasa undoes the turn in between
        SlotSet("requested_slot", None),
        ActiveLoop(None),
        *act("action_find_facility", text="Cơ sở KCB"),
        SlotSet("last_task", "facility"),
        *listen(),
    ]


def facility_form_unhappy() -> list[Event]:
    return [
        *user("find_facility"),
        *act("facility_search_form"),
        ActiveLoop("facility_search_form"),
        SlotSet("requested_slot", "location"),
        *listen(),
        *user("faq"),
        ActionExecutionRejected("facility_search_form"),
        *act("utter_faq", hide=True),
        LoopInterrupted(True),
        *act("facility_search_form"),  # back to the form after the digression
        SlotSet("requested_slot", "location"),
        *listen(),
        *user("cancel"),
        *act("action_cancel_records_form", text="Đã huỷ"),
        ActiveLoop(None),
        SlotSet("requested_slot", None),
        *listen(),
    ]


def verification_first_seen_late() -> list[Event]:
    """A form action logged before the conversation's first ActiveLoop of that form: its name
    becomes a loop name only later, which changes how Rasa counts the earlier event."""
    return [
        *user("check_bhyt_card"),
        *act("verification_form"),
        *listen(),
        *user("inform", text="0123456789"),
        *act("verification_form"),
        ActiveLoop("verification_form"),
        SlotSet("requested_slot", "otp_code"),
        *listen(),
        *user("inform", text="123456"),
        SlotSet("otp_code", "123456"),
        *act("verification_form"),
        SlotSet("identity_verified", True),
        ActiveLoop(None),
        *act("action_personal_lookup", text="Thẻ BHYT"),
        *listen(),
    ]


def handoff() -> list[Event]:
    return [
        *user("request_human"),
        *act("action_handoff", text="Đã chuyển"),
        SlotSet("handoff_active", True),
        SlotSet("handoff_ticket_id", 7),
        *listen(),
        *user("greet"),
        *act("action_relay_to_agent"),
        *listen(),
        *user("faq"),
        *act("action_relay_to_agent"),
        *listen(),
        *act("action_handoff_resolved", text="Nhân viên đã xử lý xong"),
        SlotSet("handoff_active", False),
        *listen(),
    ]


def oddities() -> list[Event]:
    """Events that edit the history or the state: reverts, follow-ups, resets, pauses, entities."""
    return [
        *user("greet"),
        *act("utter_greet"),
        *listen(),
        *user("nlu_fallback"),
        UserUtteranceReverted(),  # e.g. /back
        *listen(),
        *user("thank"),
        *act("utter_you_are_welcome"),
        ActionReverted(),
        FollowupAction("action_suggest_topics"),
        *act("action_suggest_topics", text="Bạn muốn hỏi về"),
        *listen(),
        *user("inform", text="ha noi"),
        EntitiesAdded([{"entity": "location", "value": "Hà Nội"}]),
        *act("utter_ok"),
        AllSlotsReset(),
        ConversationPaused(),
        ConversationResumed(),
        *listen(),
    ]


BLOCKS: dict[str, Callable[[], list[Event]]] = {
    "faq": faq,
    "facility_form_happy": facility_form_happy,
    "facility_form_unhappy": facility_form_unhappy,
    "verification_first_seen_late": verification_first_seen_late,
    "handoff": handoff,
    "oddities": oddities,
}


def long_conversation(turns: int, seed: int = 7) -> list[Event]:
    """One session of `turns` blocks drawn at random (FAQ most often), then a restart and a new
    session inside the same tracker."""
    rng = random.Random(seed)
    names = list(BLOCKS)
    events = session_start()
    for _ in range(turns):
        events += BLOCKS[rng.choice(["faq", "faq", "faq", *names])]()
    events += [*user("restart"), *act("action_restart"), Restarted(), *session_start()]
    events += facility_form_happy() + faq()
    return events


# --- Rasa's values, ours, and the loop that feeds a conversation ---------------------------------


def _fresh(events: Sequence[Event]) -> list[Event]:
    """New objects for saved events, as the store reads them back from its rows."""
    return rasa_events.deserialise_events([event.as_dict() for event in events])


def _plain(tracker: DialogueStateTracker, domain: Domain) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(tracker.sender_id, list(tracker.events), domain.slots)


def _message(message: UserUttered | BotUttered | None) -> Any:
    """A logged message by identity; the empty one a reset leaves by value (each tracker has its own)."""
    if (
        message is None
        or message.text
        or getattr(message, "intent_name", None)
        or getattr(message, "entities", None)
    ):
        return id(message)
    return (
        type(message).__name__,
        getattr(message, "use_text_for_featurization", None),
        message.data if isinstance(message, BotUttered) else None,
    )


def _snapshot(tracker: DialogueStateTracker) -> dict[str, Any]:
    """Everything a tracker holds, with events and messages compared by identity."""
    return {
        "events": [id(event) for event in tracker.events],
        "slots": {name: (slot.value, slot.has_been_set) for name, slot in tracker.slots.items()},
        "active_loop": dataclasses.asdict(tracker.active_loop) if tracker.active_loop else None,
        "latest_message": _message(tracker.latest_message),
        "latest_bot_utterance": _message(tracker.latest_bot_utterance),
        **{
            name: getattr(tracker, name)
            for name in (
                "sender_id",
                "latest_action",
                "followup_action",
                "_paused",
                "model_id",
                "assistant_id",
                "sender_source",
                "is_rule_tracker",
                "_max_event_history",
            )
        },
    }


@dataclasses.dataclass
class Compared:
    points: int = 0
    predictions: int = 0


def _compare_at_point(
    tracker: SessionTracker,
    domain: Domain,
    rule_only_data: dict[str, Any],
    policies: Sequence[Policy],
    compared: Compared,
) -> None:
    applied = tracker.applied_events()
    assert [id(e) for e in applied] == [id(e) for e in DialogueStateTracker.applied_events(tracker)]
    plain = _plain(tracker, domain)
    for ignore in (False, True):
        expected = domain.states_for_tracker_history(
            plain, ignore_rule_only_turns=ignore, rule_only_data=rule_only_data
        )
        for count in (1, 3, STATES_TAIL):
            actual = tracker.recent_states(
                domain, count, ignore_rule_only_turns=ignore, rule_only_data=rule_only_data
            )
            assert actual == expected[-count:], (ignore, count, len(tracker.events))
    assert _snapshot(tracker.copy()) == _snapshot(DialogueStateTracker.copy(tracker))
    for policy in policies:
        ours = policy.predict_action_probabilities(tracker, domain, rule_only_data=rule_only_data)
        rasas = policy.predict_action_probabilities(plain, domain, rule_only_data=rule_only_data)
        assert ours == rasas, (type(policy).__name__, len(tracker.events))
        compared.predictions += 1
    compared.points += 1


def feed(
    events: Sequence[Event],
    domain: Domain,
    *,
    rule_only_data: dict[str, Any] | None = None,
    policies: Sequence[Policy] = (),
    check: Callable[[int], bool] = lambda point: True,
) -> Compared:
    """Play `events` as the server does and compare with Rasa at the prediction points `check` picks."""
    rule_only_data = rule_only_data or {}
    folds = ConversationFolds(domain=domain)
    stored: list[Event] = []
    tracker: SessionTracker | None = None
    compared = Compared()
    point = 0
    for event in events:
        if tracker is None or isinstance(event, UserUttered):
            # A new message: the store saved the last one and rebuilds the tracker from its rows.
            if tracker is not None:
                stored += _fresh(list(tracker.events)[len(stored) :])
            tracker = SessionTracker.from_store(SENDER, stored, domain.slots, folds)
            assert _snapshot(tracker) == _snapshot(
                DialogueStateTracker.from_events(SENDER, stored, domain.slots)
            )
            tracker.applied_events()  # the session check, as Rasa's processor runs it first
        if isinstance(event, ActionExecuted):
            if check(point):
                _compare_at_point(tracker, domain, rule_only_data, policies, compared)
            point += 1
        tracker.update(event)
    return compared


def feed_model(events: Sequence[Event], model: tuple, *, first: int, every: int, last: int) -> Compared:
    """`feed` with the trained policies, compared at every prediction of the first `first`, then
    at every `every`-th and at the last `last` (Rasa's side is quadratic in the conversation)."""
    domain, memoization, rule = model
    total = sum(isinstance(e, ActionExecuted) for e in events)
    return feed(
        events,
        domain,
        rule_only_data=rule._get_rule_only_data(),
        policies=(memoization, rule),
        check=lambda point: point < first or point % every == 0 or point >= total - last,
    )


# --- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load("domain.yml")


@pytest.fixture(scope="module")
def model() -> Iterator[tuple[Domain, MemoizationPolicy, RulePolicy]]:
    """The trained model's domain and its two policies, loaded as the Rasa server loads them."""
    rasa_speedups.install()
    with tempfile.TemporaryDirectory(prefix="policies-") as directory:
        storage, metadata = LocalModelStorage.from_model_archive(Path(directory), _ensure_model())
        context = ExecutionContext(metadata.predict_schema, metadata.model_id)
        loaded: dict[type, Policy] = {}
        for node in metadata.predict_schema.nodes.values():
            if node.uses in (MemoizationPolicy, RulePolicy):
                config = {**node.uses.get_default_config(), **node.config}
                loaded[node.uses] = node.uses.load(config, storage, node.resource, context)
        yield metadata.domain, loaded[MemoizationPolicy], loaded[RulePolicy]  # type: ignore[misc]


# --- the folds equal Rasa's methods -----------------------------------------------------------------


@pytest.mark.parametrize("name", BLOCKS)
def test_each_kind_of_turn_gives_rasas_values(name: str, domain: Domain) -> None:
    events = session_start() + faq() + BLOCKS[name]() + faq() + BLOCKS[name]() + faq()
    assert feed(events, domain).points >= 6


def test_a_long_conversation_gives_rasas_values_at_every_prediction(domain: Domain) -> None:
    events = long_conversation(120)
    assert len(events) > 1000
    compared = feed(events, domain, rule_only_data={"rule_only_slots": ["last_task"], "rule_only_loops": []})
    assert compared.points > 250


def test_work_per_message_does_not_grow_with_the_conversation(
    domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counted, not timed: events replayed, turns folded into states, Rasa's full applied_events."""
    import vssid.session_tracker as module

    counts = {"update": 0, "step": 0, "from_start": 0}
    update, step, from_start = (
        DialogueStateTracker.update,
        module._StatesFold.step,
        module._rasa_applied_events,
    )

    def counting(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(DialogueStateTracker, "update", counting("update", update))
    monkeypatch.setattr(module._StatesFold, "step", counting("step", step))
    monkeypatch.setattr(module, "_rasa_applied_events", counting("from_start", from_start))
    folds = ConversationFolds(domain=domain)
    stored = session_start()
    per_message = []
    for message in range(90):
        before = dict(counts)
        tracker = SessionTracker.from_store(SENDER, stored, domain.slots, folds)
        tracker.applied_events()
        for event in faq() if message % 3 else facility_form_happy():
            if isinstance(event, ActionExecuted):
                tracker.recent_states(domain, 3, ignore_rule_only_turns=True)
                tracker.recent_states(domain, 3)
                tracker.copy()
            tracker.update(event)
        stored += _fresh(list(tracker.events)[len(stored) :])
        per_message.append({name: counts[name] - before[name] for name in counts})
    assert len(stored) > 750
    assert per_message[-1] == per_message[-4] == per_message[-7], per_message[-7:]
    assert per_message[-1]["from_start"] == 0
    assert per_message[-1]["update"] < 100 and per_message[-1]["step"] < 40


def test_trackers_handed_out_share_nothing_the_checkpoints_keep(domain: Domain) -> None:
    """Rasa changes the tracker it gets in place (slots, the active loop's flags, events); the
    store's next tracker for the same rows must not see any of it."""
    stored = session_start() + facility_form_happy()[:6]  # the form active, asking for a place
    folds = ConversationFolds(domain=domain)
    expected = _snapshot(DialogueStateTracker.from_events(SENDER, stored, domain.slots))
    first = SessionTracker.from_store(SENDER, stored, domain.slots, folds)
    assert first.active_loop_name == "facility_search_form"
    copied = first.copy()
    for tracker in (first, copied):
        for event in (
            *user("faq"),
            ActionExecutionRejected("facility_search_form"),
            LoopInterrupted(True),
            SlotSet("location", "Huế"),
        ):
            tracker.update(event)
        assert tracker.active_loop.rejected and tracker.active_loop.is_interrupted
    assert _snapshot(SessionTracker.from_store(SENDER, stored, domain.slots, folds)) == expected


def test_a_slot_is_copied_as_copy_copy_does(domain: Domain) -> None:
    from rasa.shared.core import slots as rasa_slots

    protocol = {"__copy__", "__setstate__", "__getstate__", "__reduce__", "__reduce_ex__", "__new__"}
    classes = [c for c in vars(rasa_slots).values() if inspect.isclass(c) and issubclass(c, rasa_slots.Slot)]
    for cls in classes:  # plain objects: copy.copy = a new object with the same __dict__
        for base in cls.__mro__[:-1]:
            assert not protocol & set(vars(base)) and not getattr(base, "__slots__", ()), (cls, base)
    for slot in domain.slots:
        slot.value = "x"
        ours, rasas = copy_slot(slot), copy.copy(slot)
        assert (type(ours), vars(ours)) == (type(rasas), vars(rasas))
        assert ours is not slot and ours.value == slot.value


def test_a_tracker_not_built_by_the_store_computes_on_its_own(domain: Domain) -> None:
    tracker = SessionTracker(SENDER, domain.slots)
    for event in session_start() + facility_form_happy() + faq():
        tracker.update(event)
    assert tracker.applied_events() == DialogueStateTracker.applied_events(tracker)
    assert tracker.recent_states(domain, 3) == tracker.past_states(domain)[-3:]


def test_a_tracker_with_an_event_cap_is_left_to_rasa(domain: Domain) -> None:
    tracker = SessionTracker(SENDER, domain.slots, max_event_history=5)
    for event in session_start() + faq() + faq():
        tracker.update(event)
    assert len(tracker.events) == 5
    assert tracker.applied_events() == DialogueStateTracker.applied_events(tracker)
    assert _snapshot(tracker.copy()) == _snapshot(DialogueStateTracker.copy(tracker))


# --- the trained policies predict what they predict on the whole history ----------------------------


def test_the_model_policies_predict_the_same_on_a_long_conversation(model: tuple) -> None:
    compared = feed_model(long_conversation(60, seed=11), model, first=150, every=5, last=40)
    assert compared.predictions > 300


@pytest.mark.parametrize("name", ["facility_form_happy", "facility_form_unhappy", "handoff"])
def test_the_model_policies_predict_the_same_in_forms_and_handoff(name: str, model: tuple) -> None:
    domain, memoization, rule = model
    events = session_start() + [event for _ in range(6) for event in faq() + BLOCKS[name]()]
    compared = feed(events, domain, rule_only_data=rule._get_rule_only_data(), policies=(memoization, rule))
    assert compared.predictions > 60


def test_the_windows_are_max_history_and_the_longest_rule(model: tuple) -> None:
    _, memoization, rule = model
    assert rasa_speedups.states_window(memoization) == memoization.featurizer.max_history == 3
    longest = max(len(rule._rule_key_to_state(key)) for key in rule.lookup["rules"])
    assert rasa_speedups.states_window(rule) == longest <= STATES_TAIL


def test_only_the_two_policies_get_a_window_and_only_for_a_session_tracker(
    model: tuple, domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Custom(MemoizationPolicy):
        pass

    _, memoization, _ = model
    context = ExecutionContext(None)  # type: ignore[arg-type]
    custom = Custom(memoization.config, memoization._model_storage, memoization._resource, context)
    assert rasa_speedups.states_window(custom) is None
    seen: list[str] = []

    def create_states(tracker: Any, *args: Any, **kwargs: Any) -> list[dict]:
        seen.append(type(tracker).__name__)
        return [{}]

    monkeypatch.setattr(TrackerFeaturizer, "_create_states", staticmethod(create_states))
    plain = DialogueStateTracker.from_events(SENDER, session_start(), domain.slots)
    session = SessionTracker.from_store(SENDER, session_start(), domain.slots, ConversationFolds())
    memoization._prediction_states(plain, domain)
    memoization._prediction_states(session, domain)
    custom._prediction_states(session, domain)
    assert seen == ["DialogueStateTracker", "_RecentStates", "SessionTracker"]


@pytest.mark.e2e
def test_a_long_real_conversation_gives_rasas_values_and_predictions(rasa_stack, model: tuple) -> None:
    """Every golden conversation played in ONE conversation of the running stack (forms, OTP,
    handoff to an agent and back, FAQ), then its events checked as above."""
    from tests.conftest import new_sender
    from tests.golden import runner
    from tests.records.e2e_support import RecordsBackdoor
    from vssid.services import testing

    sender = new_sender("long")
    console = runner.AgentConsole(rasa_stack.url, rasa_stack.env["AGENT_TOKEN"])
    records = RecordsBackdoor(rasa_stack.env["DATABASE_URL"])
    try:
        records.reset_demo_identities()
        # Turns meant for a fresh conversation may find no OTP sent or no ticket open in this one.
        for conversation in runner.load_conversations():
            for turn in conversation.turns:
                if "agent" in turn:
                    tickets = requests.get(f"{console.api}/tickets", headers=console.headers, timeout=30)
                    if any(t["conversation_id"] == sender for t in tickets.json()["tickets"]):
                        console.resolve(sender)
                elif "otp" in turn or "wrong_otp" in turn:
                    with records.sessions() as session:
                        code = testing.latest_otp(
                            session, bhxh_code=str(turn.get("otp") or turn["wrong_otp"])
                        )
                    rasa_stack.send(sender, code if code and "otp" in turn else "000000")
                else:
                    rasa_stack.send(sender, str(turn["user"]))
    finally:
        records.close()
    events = rasa_events.deserialise_events(rasa_stack.tracker(sender)["events"])
    assert len(events) > 600
    compared = feed_model(events, model, first=100, every=4, last=30)
    assert compared.predictions > 200


# --- a rule for the start of a conversation --------------------------------------------------------

START_RULES = """
version: "3.1"
rules:
- rule: welcome only at the start
  conversation_start: true
  steps:
  - intent: greet
  - action: utter_welcome
- rule: greet later
  steps:
  - intent: greet
  - action: utter_greet
- rule: goodbye
  steps:
  - intent: goodbye
  - action: utter_goodbye
"""


def _trained_rule_policy(domain: Domain, directory: Path) -> RulePolicy:
    from rasa.engine.storage.resource import Resource
    from rasa.shared.core.generator import TrainingDataGenerator
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
    from rasa.shared.core.training_data.structures import StoryGraph

    steps = YAMLStoryReader(domain).read_from_string(START_RULES)
    trackers = TrainingDataGenerator(StoryGraph(steps), domain, augmentation_factor=0).generate()
    storage = LocalModelStorage(directory)
    policy = RulePolicy.create(
        RulePolicy.get_default_config(),
        storage,
        Resource("rule"),
        ExecutionContext(None),  # type: ignore[arg-type]
    )
    policy.train(trackers, domain)
    return policy


def test_a_conversation_start_rule_fires_at_the_start_only_as_in_rasa(tmp_path: Path) -> None:
    rasa_speedups.install()
    domain = Domain.from_dict(
        {
            "intents": ["greet", "goodbye"],
            "responses": {
                name: [{"text": name}] for name in ("utter_welcome", "utter_greet", "utter_goodbye")
            },
        }
    )
    policy = _trained_rule_policy(domain, tmp_path)
    start_rule = next(key for key in policy.lookup["rules"] if "utter_welcome" == policy.lookup["rules"][key])
    assert policy._rule_key_to_state(start_rule)[0] == {}, "the rule's first state is a conversation start"
    longest = max(len(policy._rule_key_to_state(key)) for key in policy.lookup["rules"])
    assert rasa_speedups.states_window(policy) == longest >= 2
    start = [*session_start(), *user("greet")]
    chosen = []

    def predicted(events: list[Event]) -> str:
        tracker = SessionTracker.from_store(SENDER, events, domain.slots, ConversationFolds())
        ours = policy.predict_action_probabilities(tracker, domain)
        assert ours == policy.predict_action_probabilities(_plain(tracker, domain), domain)
        return domain.action_names_or_texts[ours.max_confidence_index]

    chosen.append(predicted(start))
    later = start + act("utter_welcome") + listen()
    for _ in range(40):
        later += user("goodbye") + act("utter_goodbye") + listen()
    chosen.append(predicted(later + user("greet")))
    assert chosen == ["utter_welcome", "utter_greet"]


# --- the guard ----------------------------------------------------------------------------------------

# Rasa code the two modules mirror (the loops of applied_events and states_for_tracker_history) or
# rely on (what a replay, copy and the featurizer read; how the policies use the states). If one
# changes, re-read vssid/session_tracker.py and vssid/rasa_speedups.py against it, then update.
GUARDED = {
    "DialogueStateTracker.__init__": "8f39eb22462a",
    "DialogueStateTracker.applied_events": "764d5065ea99",
    "DialogueStateTracker._undo_till_previous": "3a3710e5e73c",
    "DialogueStateTracker._first_loop_execution_or_unhappy_path": "b67fe33e30d9",
    "DialogueStateTracker._undo_till_previous_loop_execution": "7ecfe12cccb3",
    "DialogueStateTracker.generate_all_prior_trackers": "a1f6954347b5",
    "DialogueStateTracker.init_copy": "429fcd2243b9",
    "DialogueStateTracker.copy": "dfa48dca9f35",
    "DialogueStateTracker.travel_back_in_time": "09d16f28f007",
    "DialogueStateTracker.from_events": "820a9cbb7dd5",
    "DialogueStateTracker.update": "b55e6b1c724f",
    "DialogueStateTracker.past_states": "5463eefb5c69",
    "Domain.states_for_tracker_history": "035111ce73ac",
    "Domain.get_active_state": "5a4a50574312",
    "Domain._get_user_sub_state": "d7c9322b9abf",
    "Domain._get_slots_sub_state": "bc25e220e41b",
    "Domain._get_active_loop_sub_state": "c2cc522070c0",
    "Policy._prediction_states": "ed9b82bed2f2",
    "TrackerFeaturizer._create_states": "2fed265eee3b",
    "TrackerFeaturizer._choose_last_user_input": "0a4f5a414bf1",
    "MaxHistoryTrackerFeaturizer.prediction_states": "451caf09a389",
    "MaxHistoryTrackerFeaturizer.slice_state_history": "f90eb9f4789d",
    "RulePolicy._is_rule_applicable": "64a108b016b4",
    "RulePolicy._get_possible_keys": "2915fd81711e",
    "RulePolicy._find_action_from_rules": "be6da6ee0f54",
    "RulePolicy._create_feature_key": "641eda8d0199",
    "RulePolicy._predict": "f5182d8a1063",
    "RulePolicy._rule_prediction": "90316ddf7eb4",
    "MemoizationPolicy.predict_action_probabilities": "19903a81bee5",
    "Event.apply_to (every event)": "4891af2bdb5a",
}


OWNERS = {
    cls.__name__: cls
    for cls in (
        DialogueStateTracker,
        Domain,
        Policy,
        TrackerFeaturizer,
        MaxHistoryTrackerFeaturizer,
        RulePolicy,
        MemoizationPolicy,
    )
}


def _source_digest(name: str) -> str:
    if name == "Event.apply_to (every event)":
        classes = sorted(
            (cls for cls in vars(rasa_events).values() if inspect.isclass(cls) and issubclass(cls, Event)),
            key=lambda cls: cls.__name__,
        )
        source = "".join(inspect.getsource(cls.apply_to) for cls in classes if "apply_to" in vars(cls))
    else:
        owner, attribute = name.split(".")
        member = inspect.getattr_static(OWNERS[owner], attribute)
        if name == "Policy._prediction_states":
            member = rasa_speedups._rasa_prediction_states  # Rasa's, whether installed or not
        source = inspect.getsource(getattr(member, "__func__", member))
    return hashlib.sha256(source.encode()).hexdigest()[:12]


def test_rasas_code_that_the_speedups_mirror_has_not_changed() -> None:
    changed = {
        name: _source_digest(name) for name, digest in GUARDED.items() if _source_digest(name) != digest
    }
    assert not changed, (
        f"Rasa changed: {changed}; re-check vssid/session_tracker.py and vssid/rasa_speedups.py"
    )
