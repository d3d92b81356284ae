"""Button payloads for retrieval intents: `/faq/forgot_password`.

Rasa's RegexMessageHandler only knows base intents, so `/faq/<topic>` would fall through to the
classifiers as text. This component turns such payloads into the exact prediction the
ResponseSelector would make (intent `faq`, response key `faq/<topic>`), so a button always
answers the topic it names. Place it last in the pipeline.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from vssid.nlu.code_fingerprint import CodeFingerprinted

_PAYLOAD = re.compile(r"^/(?P<intent>[a-z_]+)/(?P<key>[a-z0-9_]+)$")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RetrievalPayloadHandler(CodeFingerprinted, GraphComponent):
    """Maps `/<retrieval_intent>/<response_key>` payloads to a certain prediction."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RetrievalPayloadHandler:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            match = _PAYLOAD.match((message.get(TEXT) or "").strip())
            if match:
                _set_prediction(message, match.group("intent"), match.group("key"))
        return messages


def _set_prediction(message: Message, intent: str, key: str) -> None:
    full_key = f"{intent}/{key}"
    message.set(INTENT, {"name": intent, "confidence": 1.0}, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 1.0}], add_to_output=True)
    selector = dict(message.get("response_selector") or {})
    selector.setdefault("all_retrieval_intents", [intent])
    selector[intent] = {
        "response": {
            "id": None,
            "responses": None,
            "response_templates": None,
            "confidence": 1.0,
            "intent_response_key": full_key,
            "utter_action": f"utter_{full_key}",
            "template_name": f"utter_{full_key}",
        },
        "ranking": [{"id": None, "confidence": 1.0, "intent_response_key": full_key}],
    }
    message.set("response_selector", selector, add_to_output=True)
