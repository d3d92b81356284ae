"""The FAQ topic (`faq/<topic>`) from the linear classifier, in place of Rasa's ResponseSelector.

`LinearIntentClassifier` is trained on the full retrieval labels (`faq/forgot_password`, ...), so
it already tells the topic; Rasa's ResponseSelector was a second, TensorFlow model answering the
same question, and in the profile of one web chat message it was 29 % of the Rasa process's CPU
(bench/RESULTS.md, "Speed"), plus its load time and memory.

`LinearResponseSelector` is that linear model (the same class, trained the same way on the same
features, so with the same configuration it learns the same coefficients) whose output is the
retrieval prediction instead of the intent: the topics of `retrieval_intent` ranked by their
probability renormalised among that intent's labels, written into the message exactly where and
in the shape Rasa's ResponseSelector writes them (`response_selector.<intent>.response.utter_action`
is what Rasa's `ActionRetrieveResponse` reads, e.g. `utter_faq/forgot_password`; `ranking` is what
the two-stage fallback's topic buttons read). It leaves `intent` to the classifier before it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_TEMPLATE_NAME_KEY,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

from vssid.nlu.classifier import RESPONSE_KEY_DELIMITER, LinearIntentClassifier

RETRIEVAL_INTENT = "retrieval_intent"


def retrieval_prediction(
    labels: list[str], probabilities: np.ndarray, retrieval_intent: str, ranking_length: int
) -> dict[str, Any] | None:
    """Rasa's ResponseSelector output for one message, from full-label probabilities (None: no topic)."""
    prefix = retrieval_intent + RESPONSE_KEY_DELIMITER
    topics = [
        (label, float(p)) for label, p in zip(labels, probabilities, strict=True) if label.startswith(prefix)
    ]
    total = sum(p for _, p in topics)
    if not topics or total <= 0.0:
        return None
    ranked = sorted(((label, p / total) for label, p in topics), key=lambda item: -item[1])
    best, confidence = ranked[0]
    utter_action = f"utter_{best}"
    ranking = ranked[:ranking_length] if ranking_length > 0 else ranked
    return {
        RESPONSE_SELECTOR_PREDICTION_KEY: {
            "id": None,
            RESPONSE_SELECTOR_RESPONSES_KEY: None,
            "response_templates": None,
            PREDICTED_CONFIDENCE_KEY: confidence,
            INTENT_RESPONSE_KEY: best,
            RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter_action,
            RESPONSE_SELECTOR_TEMPLATE_NAME_KEY: utter_action,
        },
        RESPONSE_SELECTOR_RANKING_KEY: [
            {"id": None, PREDICTED_CONFIDENCE_KEY: p, INTENT_RESPONSE_KEY: label} for label, p in ranking
        ],
    }


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearResponseSelector(LinearIntentClassifier):
    """Fills `response_selector.<retrieval_intent>` from the linear model's `<intent>/<topic>` labels."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**LinearIntentClassifier.get_default_config(), RETRIEVAL_INTENT: "faq"}

    def process(self, messages: list[Message]) -> list[Message]:
        if not messages or not hasattr(self.clf, "coef_"):
            return messages
        intent = self.config[RETRIEVAL_INTENT]
        labels = [str(label) for label in self.clf.classes_]
        probabilities = self.clf.predict_proba(self._create_X(messages))
        for message, row in zip(messages, probabilities, strict=True):
            prediction = retrieval_prediction(labels, row, intent, self.config["ranking_length"])
            if prediction is None:
                continue
            selector = dict(message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {})
            selector[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = [intent]
            selector[intent] = prediction
            message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selector, add_to_output=True)
        return messages
