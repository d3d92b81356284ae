"""LinearIntentClassifier exposes the regularisation Rasa hard-codes."""

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource

from vssid.nlu.classifier import LinearIntentClassifier


def test_configured_regularisation_reaches_sklearn(tmp_path) -> None:
    config = {**LinearIntentClassifier.get_default_config(), "C": 7.0}
    classifier = LinearIntentClassifier(config, "clf", LocalModelStorage(tmp_path), Resource("clf"))
    assert (classifier.clf.C, classifier.clf.class_weight) == (7.0, None)


@pytest.mark.parametrize("select_responses", [False, True])
def test_retrieval_labels_are_trained_and_summed_back(tmp_path, select_responses: bool) -> None:
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from vssid.nlu.tokenizer import VietnameseFoldingTokenizer

    rows = [
        ("quên mật khẩu", "faq", "faq/forgot_password"),
        ("quen mk vssid", "faq", "faq/forgot_password"),
        ("đổi số điện thoại", "faq", "faq/change_phone"),
        ("doi sdt", "faq", "faq/change_phone"),
        ("xin chào", "greet", None),
        ("chao ban", "greet", None),
    ]
    messages = []
    for text, intent, key in rows:
        data = {"text": text, "intent": intent}
        if key:
            data["intent_response_key"] = key
        messages.append(Message(data=data))
    training = TrainingData(messages)
    storage = LocalModelStorage(tmp_path)
    VietnameseFoldingTokenizer(VietnameseFoldingTokenizer.get_default_config()).process_training_data(
        training
    )
    featurizer = CountVectorsFeaturizer.create(
        CountVectorsFeaturizer.get_default_config(), storage, Resource("cvf"), _context()
    )
    featurizer.train(training)
    featurizer.process_training_data(training)
    classifier = LinearIntentClassifier.create(
        {**LinearIntentClassifier.get_default_config(), "select_responses": select_responses},
        storage,
        Resource("clf"),
        _context(),
    )
    classifier.train(training)

    assert sorted(classifier.clf.classes_) == ["faq/change_phone", "faq/forgot_password", "greet"]
    message = Message(data={"text": "quen mat khau"})
    VietnameseFoldingTokenizer(VietnameseFoldingTokenizer.get_default_config()).process([message])
    featurizer.process([message])
    classifier.process([message])
    assert message.get("intent")["name"] == "faq"
    assert {r["name"] for r in message.get("intent_ranking")} == {"faq", "greet"}
    selector = message.get("response_selector")
    if not select_responses:
        assert selector is None
        return
    # The output Rasa's ResponseSelector would give, which utter_faq and the fallback's suggestions read.
    assert selector["all_retrieval_intents"] == ["faq"]
    assert selector["faq"]["response"]["intent_response_key"] == "faq/forgot_password"
    assert selector["faq"]["response"]["utter_action"] == "utter_faq/forgot_password"
    ranking = selector["faq"]["ranking"]
    assert [r["intent_response_key"] for r in ranking] == ["faq/forgot_password", "faq/change_phone"]
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)


def _context() -> ExecutionContext:
    return ExecutionContext(graph_schema=None, node_name="clf")


def test_persisted_coefficients_load_back(tmp_path) -> None:
    import numpy as np

    storage = LocalModelStorage(tmp_path)
    config = LinearIntentClassifier.get_default_config()
    trained = LinearIntentClassifier(config, "clf", storage, Resource("clf"))
    trained.clf.fit(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.1]]), ["faq/a", "greet", "faq/a"])
    trained.persist()
    loaded = LinearIntentClassifier.load(config, storage, Resource("clf"), _context())
    probe = np.array([[0.9, 0.2]])
    assert list(loaded.clf.classes_) == ["faq/a", "greet"]
    assert np.allclose(loaded.clf.predict_proba(probe), trained.clf.predict_proba(probe))
