"""Rasa's ResponseSelector, loaded without TensorFlow graph tracing.

When Rasa loads a TF component it runs one training step on a dummy example (to build the optimizer
weights) and one prediction, both as traced ``tf.function`` graphs; for our small selector this
tracing is most of the model's load time (bench/RESULTS.md). Training is unchanged (graph mode);
only the loaded model runs eagerly (Rasa's own ``run_eagerly`` option), which for this model size
costs a few milliseconds per message and saves seconds at every start.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.utils.tensorflow.constants import RUN_EAGERLY


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EagerResponseSelector(ResponseSelector):
    """ResponseSelector whose loaded model predicts eagerly (``eager_inference: false`` to disable)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**ResponseSelector.get_default_config(), "eager_inference": True}

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ResponseSelector:
        if config.get("eager_inference", True):
            config = {**config, RUN_EAGERLY: True}
        return super().load(config, model_storage, resource, execution_context, **kwargs)
