"""LinearResponseSelector: the FAQ topic from the linear model, in Rasa's ResponseSelector shape."""

from __future__ import annotations

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from vssid.nlu.classifier import LinearIntentClassifier
from vssid.nlu.retrieval import LinearResponseSelector, retrieval_prediction
from vssid.nlu.tokenizer import VietnameseFoldingTokenizer

ROWS = [
    ("quên mật khẩu", "faq", "faq/forgot_password"),
    ("quen mk vssid", "faq", "faq/forgot_password"),
    ("lấy lại mật khẩu", "faq", "faq/forgot_password"),
    ("đổi số điện thoại", "faq", "faq/change_phone"),
    ("doi sdt", "faq", "faq/change_phone"),
    ("thay số điện thoại đăng ký", "faq", "faq/change_phone"),
    ("xin chào", "greet", None),
    ("chao ban", "greet", None),
]


def test_topics_are_ranked_by_their_share_of_the_retrieval_intent() -> None:
    labels = ["faq/a", "faq/b", "greet"]
    prediction = retrieval_prediction(labels, np.array([0.125, 0.375, 0.5]), "faq", 10)
    assert prediction == {
        "response": {
            "id": None,
            "responses": None,
            "response_templates": None,
            "confidence": 0.75,
            "intent_response_key": "faq/b",
            "utter_action": "utter_faq/b",
            "template_name": "utter_faq/b",
        },
        "ranking": [
            {"id": None, "confidence": 0.75, "intent_response_key": "faq/b"},
            {"id": None, "confidence": 0.25, "intent_response_key": "faq/a"},
        ],
    }
    assert len(retrieval_prediction(labels, np.array([0.1, 0.3, 0.6]), "faq", 1)["ranking"]) == 1
    assert retrieval_prediction(["greet"], np.array([1.0]), "faq", 10) is None


def _context() -> ExecutionContext:
    return ExecutionContext(graph_schema=None, node_name="selector")


def _featurised(storage: LocalModelStorage) -> tuple[TrainingData, object]:
    messages = []
    for text, intent, key in ROWS:
        data = {"text": text, "intent": intent}
        if key:
            data["intent_response_key"] = key
        messages.append(Message(data=data))
    training = TrainingData(messages)
    VietnameseFoldingTokenizer(VietnameseFoldingTokenizer.get_default_config()).process_training_data(
        training
    )
    featurizer = CountVectorsFeaturizer.create(
        CountVectorsFeaturizer.get_default_config(), storage, Resource("cvf"), _context()
    )
    featurizer.train(training)
    featurizer.process_training_data(training)
    return training, featurizer


def _parse(text: str, featurizer, *components) -> Message:
    message = Message(data={"text": text})
    VietnameseFoldingTokenizer(VietnameseFoldingTokenizer.get_default_config()).process([message])
    featurizer.process([message])
    for component in components:
        component.process([message])
    return message


def test_selector_answers_the_topic_the_classifier_ranks_first_and_survives_a_reload(tmp_path) -> None:
    storage = LocalModelStorage(tmp_path)
    training, featurizer = _featurised(storage)
    classifier = LinearIntentClassifier.create(
        LinearIntentClassifier.get_default_config(), storage, Resource("clf"), _context()
    )
    classifier.train(training)
    config = LinearResponseSelector.get_default_config()
    trained = LinearResponseSelector.create(config, storage, Resource("selector"), _context())
    trained.train(training)
    trained.persist()
    selector = LinearResponseSelector.load(config, storage, Resource("selector"), _context())

    message = _parse("doi so dien thoai", featurizer, classifier, selector)
    assert message.get("intent")["name"] == "faq"  # the classifier's, left alone
    chosen = message.get("response_selector")["faq"]["response"]
    assert chosen["intent_response_key"] == "faq/change_phone"
    assert chosen["utter_action"] == "utter_faq/change_phone"
    assert message.get("response_selector")["all_retrieval_intents"] == ["faq"]
    # Same configuration, same data: the selector's topic is the classifier's best faq/<topic> label.
    full = dict(
        zip(
            classifier.clf.classes_,
            classifier.clf.predict_proba(classifier._create_X([message]))[0],
            strict=True,
        )
    )
    best = max((label for label in full if label.startswith("faq/")), key=full.get)
    assert chosen["intent_response_key"] == best


def test_untrained_selector_predicts_nothing(tmp_path) -> None:
    storage = LocalModelStorage(tmp_path)
    _, featurizer = _featurised(storage)
    config = LinearResponseSelector.get_default_config()
    selector = LinearResponseSelector.load(config, storage, Resource("missing"), _context())
    assert _parse("doi sdt", featurizer, selector).get("response_selector") is None
