"""LinearIntentClassifier exposes the regularisation Rasa hard-codes."""

from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource

from vssid.nlu.classifier import LinearIntentClassifier


def test_configured_regularisation_reaches_sklearn(tmp_path) -> None:
    config = {**LinearIntentClassifier.get_default_config(), "C": 7.0}
    classifier = LinearIntentClassifier(config, "clf", LocalModelStorage(tmp_path), Resource("clf"))
    assert (classifier.clf.C, classifier.clf.class_weight) == (7.0, None)
