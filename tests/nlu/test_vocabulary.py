"""KnownVocabularyGate: keyboard mash and emoji go to nlu_fallback, real messages keep their intent."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from vssid.nlu.vocabulary import KnownVocabularyGate, build_vocabulary, is_known, known_share

TRAINING = [
    "quên mật khẩu vssid",
    "đổi số điện thoại",
    "không",
    "ok",
    "còn ở đâu thì sao",
    "tên tôi là Nguyễn Văn An",
]
VOCABULARY = build_vocabulary(TRAINING)


@pytest.mark.parametrize(
    ("word", "known"),
    [
        ("mật", True),
        ("mat", True),  # folded
        ("mk", True),  # teencode: "mat khau", both parts known
        ("ko", True),  # teencode: "khong"
        ("khongggg", True),  # repeats squeezed
        ("okkk", True),
        ("kkkkkkkk", False),  # one letter repeated: mash, although "k" is teencode for "không"
        ("đđđđđ", False),
        ("mmmmmnnnn", False),  # most letters squeezed away
        ("asdfgh", False),
    ],
)
def test_is_known(word: str, known: bool) -> None:
    assert is_known(word, VOCABULARY) is known


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("quen mk vssid", 1.0),
        ("asdfgh qwerty", 0.0),
        ("quên mật khẩu asdf", 0.75),
        ("??", 0.0),  # no word at all
        ("😂😂", 0.0),
        ("483920", None),  # digits only: nothing to judge
    ],
)
def test_known_share(text: str, share: float | None) -> None:
    assert known_share(text, VOCABULARY) == share


def test_entity_spans_are_not_counted() -> None:
    text = "còn ở Thủ Đức thì sao"
    start = text.index("Thủ Đức")
    assert known_share(text, VOCABULARY) < 1.0
    assert known_share(text, VOCABULARY, [(start, start + len("Thủ Đức"))]) == 1.0
    assert known_share("Thủ Đức", VOCABULARY, [(0, len("Thủ Đức"))]) is None


def _message(text: str, intent: str, entities: list[dict] | None = None) -> Message:
    prediction = {"name": intent, "confidence": 0.9}
    return Message(
        data={
            "text": text,
            "intent": prediction,
            "intent_ranking": [prediction, {"name": "greet", "confidence": 0.1}],
            "entities": entities or [],
        }
    )


AFFIRM_EXAMPLES = ["ừ đúng rồi", "ok làm đi", "vâng ạ"]


@pytest.fixture
def gate(tmp_path) -> KnownVocabularyGate:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("gate")
    config = {
        **KnownVocabularyGate.get_default_config(),
        "min_known_share": 0.4,
        "reply_intents": ["affirm"],
        "min_reply_share": 0.5,
    }
    trained = KnownVocabularyGate.create(config, storage, resource, ExecutionContext(None))
    examples = [Message(data={"text": t, "intent": "x"}) for t in TRAINING]
    examples += [Message(data={"text": t, "intent": "affirm"}) for t in AFFIRM_EXAMPLES]
    trained.train(TrainingData(examples))
    return KnownVocabularyGate.load(config, storage, resource, ExecutionContext(None))


def test_trained_vocabulary_survives_persist_and_load(gate: KnownVocabularyGate) -> None:
    assert gate.vocabulary == build_vocabulary(TRAINING + AFFIRM_EXAMPLES)
    assert gate.reply_vocabularies == {"affirm": build_vocabulary(AFFIRM_EXAMPLES)}


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("ừ ok", "affirm", "affirm"),  # its own words
        ("ừ ok, số 0912345678", "affirm", "affirm"),  # digits are not counted
        ("vang dung roi", "affirm", "affirm"),  # folded
        ("quên mật khẩu đổi số", "affirm", "nlu_fallback"),  # known words, but not a yes
        ("ok quên mật khẩu", "affirm", "nlu_fallback"),  # one of four words is the reply's
        ("quên mật khẩu đổi số", "inform", "inform"),  # not a reply intent: left alone
    ],
)
def test_a_reply_intent_must_be_made_of_its_own_words(
    gate: KnownVocabularyGate, text: str, intent: str, expected: str
) -> None:
    [message] = gate.process([_message(text, intent)])
    assert message.get("intent")["name"] == expected
    assert message.get("intent_ranking")[0]["name"] == expected


@pytest.mark.parametrize("text", ["kkkkkkkk", "asdfgh", "ưqeqwe", "??", "👍", "sdfsdf sdfsdf"])
def test_mash_goes_to_fallback_first_in_the_ranking(gate: KnownVocabularyGate, text: str) -> None:
    [message] = gate.process([_message(text, "affirm")])
    assert message.get("intent")["name"] == "nlu_fallback"
    assert [r["name"] for r in message.get("intent_ranking")] == ["nlu_fallback", "affirm", "greet"]


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("quen mk", []),
        ("ko", []),
        ("483920", []),
        ("/faq/forgot_password", []),
        ("Thủ Đức", [{"entity": "location", "start": 0, "end": 7}]),
        ("⭐⭐⭐⭐⭐", [{"entity": "rating", "start": 0, "end": 5}]),
    ],
)
def test_known_messages_keep_their_intent(gate: KnownVocabularyGate, text: str, entities: list[dict]) -> None:
    [message] = gate.process([_message(text, "inform", entities)])
    assert message.get("intent")["name"] == "inform"
    assert [r["name"] for r in message.get("intent_ranking")] == ["inform", "greet"]
