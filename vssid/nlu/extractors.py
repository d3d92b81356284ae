"""Rasa entity extractors built on the deterministic matchers of this package.

- ``IdentifierEntityExtractor``: ``phone``, ``bhxh_code``, ``id_number``, ``email`` (``numbers.py``).
- ``LocationEntityExtractor``: ``location`` from the province/district gazetteer (``gazetteer.py``).
- ``RatingEntityExtractor``: ``rating`` phrases ("5 sao", "không hài lòng"), only when the intent is
  ``rate`` because words such as "tốt" or "ổn" are ratings only there.

None of them is trained; the gazetteer is read when the model is loaded, so editing the YAML file
needs no retraining (``scripts/train.py`` still retrains because it fingerprints ``vssid/data``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from vssid.nlu.code_fingerprint import CodeFingerprinted
from vssid.nlu.gazetteer import FoldedPhraseMatcher, LocationMatcher
from vssid.nlu.numbers import EntitySpan, find_entities
from vssid.text import rating_marks

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RATING = "rating"
# Folded rating phrases; read by vssid/services/tickets.py normalize_rating().
RATING_PHRASES = (
    "rất hài lòng",
    "hài lòng",
    "không hài lòng",
    "rất không hài lòng",
    "chưa hài lòng",
    "tệ",
    "tệ quá",
    "quá tệ",
    "rất tệ",
    "kém",
    "chán",
    "tốt",
    "rất tốt",
    "khá tốt",
    "tuyệt vời",
    "tuyệt",
    "xuất sắc",
    "ổn",
    "tạm được",
    "tạm ổn",
    "bình thường",
    "good",
    "bad",
    *(f"{n} sao" for n in range(1, 6)),
    *(f"{n} điểm" for n in range(0, 11)),
)


class _DeterministicExtractor(CodeFingerprinted, GraphComponent, EntityExtractorMixin):
    """Shared plumbing: find spans in the text and append them to the message's entities."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config)

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = config

    def spans(self, message: Message) -> list[EntitySpan]:
        raise NotImplementedError

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith("/"):
                continue  # button payloads carry their own entities
            entities = [
                {
                    "entity": s.entity,
                    "value": s.value,
                    "start": s.start,
                    "end": s.end,
                    "confidence_entity": 1.0,
                }
                for s in self.spans(message)
            ]
            if entities:
                entities = self.add_extractor_name(entities)
                message.set(ENTITIES, [*message.get(ENTITIES, []), *entities], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class IdentifierEntityExtractor(_DeterministicExtractor):
    """phone / bhxh_code / id_number / email with the rules documented in ``vssid.nlu.numbers``."""

    def spans(self, message: Message) -> list[EntitySpan]:
        return find_entities(message.get(TEXT))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LocationEntityExtractor(_DeterministicExtractor):
    """``location`` from the gazetteer file given as ``gazetteer`` (relative to the project root)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"gazetteer": "vssid/data/locations.yml"}

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        path = Path(config["gazetteer"])
        path = path if path.is_absolute() else PROJECT_ROOT / path
        if path.exists():
            self.gazetteer = LocationMatcher.from_yaml(path)
        else:
            logger.warning("Gazetteer %s not found: no location entities will be extracted.", path)
            self.gazetteer = LocationMatcher([])

    def spans(self, message: Message) -> list[EntitySpan]:
        return self.gazetteer.find(message.get(TEXT))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class RatingEntityExtractor(_DeterministicExtractor):
    """``rating`` = the phrase as typed, when the classified intent is one of ``intents``."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"intents": ["rate"]}

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._intents = set(config["intents"])
        self._matcher = FoldedPhraseMatcher()
        for phrase in RATING_PHRASES:
            self._matcher.add(phrase, canonical=phrase)

    def spans(self, message: Message) -> list[EntitySpan]:
        intent = (message.get(INTENT) or {}).get("name")
        if intent not in self._intents:
            return []
        text = message.get(TEXT)
        spans = [
            EntitySpan(RATING, text[start:end], start, end) for start, end, _ in self._matcher.find(text)
        ]
        spans += [EntitySpan(RATING, text[m.start : m.end], m.start, m.end) for m in rating_marks(text)]
        return spans
