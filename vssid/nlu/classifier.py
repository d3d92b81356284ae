"""Rasa's LogisticRegressionClassifier with its regularisation exposed and retrieval-aware training.

Three changes, all measured in bench/RESULTS.md:

- ``C`` and ``class_weight`` are configurable. Rasa 3.6 hard-codes ``C=1`` and balanced classes,
  which spreads probability thinly over our sparse folded n-grams: a clear message such as
  "quen mat khau" scored below 0.4, so a FallbackClassifier threshold in the usual 0.5-0.7 range
  discarded right answers.
- ``split_retrieval_intents``: the model is trained on the full retrieval labels (``faq/<topic>``)
  and their probabilities are summed back into ``faq``. "faq" alone is one huge, varied class; each
  topic is a tight one, so short FAQ questions ("quen mk", "doi sdt") get confident ``faq``
  predictions.
- ``select_responses``: the same probabilities also pick the topic. The classifier writes the
  ``response_selector`` output that Rasa's ``utter_faq`` reads (best ``faq/<topic>`` and a ranking
  of topics, probabilities normalised within ``faq``), so no ResponseSelector is needed: on the
  independent DEV set both score the same macro-F1 (0.950), and the TensorFlow selector was three
  quarters of the NLU training time and a graph to build at every model load.

Training is Rasa's own; the coefficients are saved as a NumPy archive instead of with skops, whose
import alone (it imports all of scikit-learn) took 15 s of model load on a busy machine.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import RANKING_LENGTH
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from vssid.nlu.code_fingerprint import CodeFingerprinted

logger = logging.getLogger(__name__)
RESPONSE_KEY_DELIMITER = "/"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(CodeFingerprinted, LogisticRegressionClassifier):
    """Logistic regression intent classifier (see module docstring)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **LogisticRegressionClassifier.get_default_config(),
            "C": 20.0,
            "class_weight": None,
            "split_retrieval_intents": True,
            "select_responses": False,
        }

    def __init__(
        self, config: dict[str, Any], name: str, model_storage: ModelStorage, resource: Resource
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf = LogisticRegression(
            C=self.config["C"],
            class_weight=self.config["class_weight"],
            solver=self.config["solver"],
            max_iter=self.config["max_iter"],
            tol=self.config["tol"],
            random_state=self.config["random_state"],
        )

    def persist(self) -> None:
        """Coefficients as a NumPy archive: no pickle, and no skops import (15 s on a busy machine)."""
        with self._model_storage.write_to(self._resource) as model_dir:
            np.savez(
                model_dir / f"{self._resource.name}.npz",
                coef=self.clf.coef_,
                intercept=self.clf.intercept_,
                classes=np.asarray(self.clf.classes_, dtype=str),
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        component = cls(config, execution_context.node_name, model_storage, resource)
        try:
            with model_storage.read_from(resource) as model_dir:
                with np.load(model_dir / f"{resource.name}.npz", allow_pickle=False) as saved:
                    # Fortran order: sklearn multiplies by coef_.T, which is then C-contiguous
                    # and used in place (a C-ordered coef_ is copied on every message: 0.75 ms).
                    component.clf.coef_ = np.asfortranarray(saved["coef"])
                    component.clf.intercept_ = saved["intercept"]
                    component.clf.classes_ = saved["classes"].astype(object)
        except (ValueError, FileNotFoundError):
            logger.debug("No trained %s in the model; it predicts nothing.", cls.__name__)
        return component

    def _create_training_matrix(self, training_data: TrainingData) -> tuple[csr_matrix, list[str]]:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        split = self.config["split_retrieval_intents"]
        labels = [(split and e.get(INTENT_RESPONSE_KEY)) or e.get(INTENT) for e in examples]
        return self._create_X(examples), labels

    def process(self, messages: list[Message]) -> list[Message]:
        if not hasattr(self.clf, "coef_"):  # untrained: let FallbackClassifier answer
            for message in messages:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
            return messages
        if not messages:
            return messages
        probabilities = self.clf.predict_proba(self._create_X(messages))
        intents = [label.split(RESPONSE_KEY_DELIMITER, 1)[0] for label in self.clf.classes_]
        for message, row in zip(messages, probabilities, strict=True):
            if self.config["select_responses"]:
                self._select_responses(message, row)
            summed: dict[str, float] = {}
            for intent, probability in zip(intents, row, strict=True):
                summed[intent] = summed.get(intent, 0.0) + float(probability)
            ranking = sorted(
                ({"name": name, "confidence": confidence} for name, confidence in summed.items()),
                key=lambda entry: -entry["confidence"],
            )
            message.set(INTENT, ranking[0], add_to_output=True)
            if self.config[RANKING_LENGTH] > 0:
                ranking = ranking[: self.config[RANKING_LENGTH]]
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    def _select_responses(self, message: Message, row: np.ndarray) -> None:
        """The ``response_selector`` output of Rasa's ResponseSelector, from the full-label probabilities."""
        by_intent: dict[str, list[tuple[str, float]]] = {}
        for label, probability in zip(self.clf.classes_, row, strict=True):
            if RESPONSE_KEY_DELIMITER in label:
                intent = label.split(RESPONSE_KEY_DELIMITER, 1)[0]
                by_intent.setdefault(intent, []).append((label, float(probability)))
        if not by_intent:
            return
        output: dict[str, Any] = {"all_retrieval_intents": sorted(by_intent)}
        for intent, scored in by_intent.items():
            total = sum(p for _, p in scored) or 1.0
            ranked = sorted(((key, p / total) for key, p in scored), key=lambda item: -item[1])
            best_key, best = ranked[0]
            output[intent] = {
                "response": {
                    "id": None,
                    "responses": None,
                    "response_templates": None,
                    "confidence": best,
                    "intent_response_key": best_key,
                    "utter_action": f"utter_{best_key}",
                    "template_name": f"utter_{best_key}",
                },
                "ranking": [
                    {"id": None, "confidence": p, "intent_response_key": key} for key, p in ranked[:10]
                ],
            }
        message.set("response_selector", output, add_to_output=True)
