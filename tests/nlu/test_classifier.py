"""LinearIntentClassifier exposes the regularisation Rasa hard-codes."""

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource

from tests.nlu.training import context, tokenized, tokenized_training
from vssid.nlu.classifier import LinearIntentClassifier


def test_configured_regularisation_reaches_sklearn(tmp_path) -> None:
    config = {**LinearIntentClassifier.get_default_config(), "C": 7.0}
    classifier = LinearIntentClassifier(config, "clf", LocalModelStorage(tmp_path), Resource("clf"))
    assert (classifier.clf.C, classifier.clf.class_weight) == (7.0, None)


@pytest.mark.parametrize("select_responses", [False, True])
def test_retrieval_labels_are_trained_and_summed_back(tmp_path, select_responses: bool) -> None:
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

    forgot, change = (
        {"intent_response_key": "faq/forgot_password"},
        {"intent_response_key": "faq/change_phone"},
    )
    training = tokenized_training(
        [
            ("quên mật khẩu", "faq", forgot),
            ("quen mk vssid", "faq", forgot),
            ("đổi số điện thoại", "faq", change),
            ("doi sdt", "faq", change),
            ("xin chào", "greet", {}),
            ("chao ban", "greet", {}),
        ]
    )
    storage = LocalModelStorage(tmp_path)
    featurizer = CountVectorsFeaturizer.create(
        CountVectorsFeaturizer.get_default_config(), storage, Resource("cvf"), context("clf")
    )
    featurizer.train(training)
    featurizer.process_training_data(training)
    classifier = LinearIntentClassifier.create(
        {**LinearIntentClassifier.get_default_config(), "select_responses": select_responses},
        storage,
        Resource("clf"),
        context("clf"),
    )
    classifier.train(training)

    assert sorted(classifier.clf.classes_) == ["faq/change_phone", "faq/forgot_password", "greet"]
    message = tokenized("quen mat khau")
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


def test_persisted_coefficients_load_back(tmp_path) -> None:
    import numpy as np

    storage = LocalModelStorage(tmp_path)
    config = LinearIntentClassifier.get_default_config()
    trained = LinearIntentClassifier(config, "clf", storage, Resource("clf"))
    trained.clf.fit(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.1]]), ["faq/a", "greet", "faq/a"])
    trained.persist()
    loaded = LinearIntentClassifier.load(config, storage, Resource("clf"), context("clf"))
    probe = np.array([[0.9, 0.2]])
    assert list(loaded.clf.classes_) == ["faq/a", "greet"]
    assert np.allclose(loaded.clf.predict_proba(probe), trained.clf.predict_proba(probe))
