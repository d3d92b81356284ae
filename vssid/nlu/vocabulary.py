"""Known-vocabulary gate: a message made mostly of words never seen in training goes to the fallback.

Keyboard mash ("asdfgh", "ưqeqwe", "kkkkkkkk") and emoji-only messages still get a confident
prediction from a linear classifier over char n-grams ("kkkk" folds to "k", teencode for
"không"), which is dangerous inside a form or a confirmation. This component runs after the
classifiers and the FallbackClassifier: when the share of a message's words found in the training
vocabulary is below ``min_known_share``, the prediction becomes ``nlu_fallback`` (placed first in
the ranking, as the FallbackClassifier does, so the suggested topics still come from the ranking).

What counts:
- words are the tokenizer's words (``vssid.nlu.normalize.WORD_PATTERN``), folded; a word is known
  when its folded form or every part of its teencode expansion was seen in training;
- digits and the spans of extracted entities (numbers, e-mails, places, ratings) are not counted;
  a message with only such spans (an OTP, a CCCD, a place) is left alone;
- a word that is one letter repeated ("hhhhh", "đđđđ") or that loses most of its letters to
  repeat-squeezing ("mmmmmnnnn") is unknown whatever the vocabulary says;
- a message with no word at all (punctuation, emoji) has a known share of 0;
- button payloads (text starting with "/") are never touched.

Short replies are held to their own words. An intent of ``reply_intents`` (yes, no, thanks, a
rating: closed-vocabulary replies, where a wrong reading does the most harm inside a confirmation
or a form) is kept only when at least ``min_reply_share`` of the message's words occur in that
intent's own training examples; "How do I cook rice" read as ``affirm``, or "trứng vịt lộn" read as
``rate``, goes to the fallback instead. The same words, digits and entity spans are counted.

The vocabularies (folded words of every training example, and of each reply intent's examples)
are stored with the model as JSON. Thresholds chosen on the DEV sets only (bench/RESULTS.md).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from vssid.nlu.code_fingerprint import CodeFingerprinted
from vssid.nlu.normalize import WORD_PATTERN, fold, normalize_word, squeeze_repeats

logger = logging.getLogger(__name__)

VOCABULARY_FILE = "vocabulary.json"
MIN_SQUEEZED_AWAY = 5  # "okkkk" stays a word, "mmmmmnnnn" does not


def _is_mash_word(folded: str) -> bool:
    if len(folded) >= 3 and len(set(folded)) == 1:
        return True
    squeezed = squeeze_repeats(folded)
    return len(squeezed) <= 2 and len(folded) - len(squeezed) >= MIN_SQUEEZED_AWAY


def word_forms(word: str) -> set[str]:
    """The forms under which ``word`` is stored in, and looked up in, the vocabulary."""
    folded = fold(word)
    return {squeeze_repeats(folded), *normalize_word(word).split()}


def build_vocabulary(texts: Iterable[str]) -> set[str]:
    """Folded word forms of every word of ``texts`` (digits left out)."""
    vocabulary: set[str] = set()
    for text in texts:
        for match in WORD_PATTERN.finditer(text or ""):
            if not match.group(0).isdigit():
                vocabulary |= word_forms(match.group(0))
    return vocabulary


def is_known(word: str, vocabulary: set[str]) -> bool:
    folded = fold(word)
    if _is_mash_word(folded):
        return False
    if squeeze_repeats(folded) in vocabulary:
        return True
    parts = normalize_word(word).split()
    return bool(parts) and all(part in vocabulary for part in parts)


def known_share(text: str, vocabulary: set[str], skip: Iterable[tuple[int, int]] = ()) -> float | None:
    """Share of the words of ``text`` found in ``vocabulary``, ignoring digits and ``skip`` spans.

    ``None`` when there is nothing to judge (only digits or skipped spans, such as a rating typed
    as star emoji); 0.0 when the text has no word at all (punctuation, emoji).
    """
    spans = list(skip)
    words = []
    skipped_anything = False
    for match in WORD_PATTERN.finditer(text):
        if match.group(0).isdigit() or any(s <= match.start() < e for s, e in spans):
            skipped_anything = True
            continue
        words.append(match.group(0))
    if not words:
        return None if skipped_anything or spans else 0.0
    return sum(is_known(w, vocabulary) for w in words) / len(words)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class KnownVocabularyGate(CodeFingerprinted, GraphComponent):
    """Routes messages with too few known words to ``nlu_fallback`` (see module docstring)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"min_known_share": 0.5, "reply_intents": [], "min_reply_share": 0.5}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: set[str] | None = None,
        reply_vocabularies: dict[str, set[str]] | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary or set()
        self.reply_vocabularies = reply_vocabularies or {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> KnownVocabularyGate:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = training_data.training_examples
        self.vocabulary = build_vocabulary(m.get(TEXT) for m in examples)
        self.reply_vocabularies = {
            intent: build_vocabulary(m.get(TEXT) for m in examples if m.get(INTENT) == intent)
            for intent in self._config["reply_intents"]
        }
        stored = {
            "words": sorted(self.vocabulary),
            "replies": {intent: sorted(words) for intent, words in self.reply_vocabularies.items()},
        }
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> KnownVocabularyGate:
        stored: dict[str, Any] = {}
        try:
            with model_storage.read_from(resource) as directory:
                stored = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            logger.debug("No vocabulary in the model; %s lets every message through.", cls.__name__)
        replies = {intent: set(words) for intent, words in stored.get("replies", {}).items()}
        return cls(config, model_storage, resource, set(stored.get("words", [])), replies)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        if not self.vocabulary:
            return messages
        threshold = self._config["min_known_share"]
        for message in messages:
            text = message.get(TEXT) or ""
            if not text.strip() or text.startswith("/"):
                continue
            current = (message.get(INTENT) or {}).get("name")
            if current == DEFAULT_NLU_FALLBACK_INTENT_NAME:
                continue
            spans = [(e["start"], e["end"]) for e in message.get(ENTITIES) or [] if "start" in e]
            share = known_share(text, self.vocabulary, spans)
            if share is not None and share < threshold:
                _send_to_fallback(message, share)
                continue
            reply_words = self.reply_vocabularies.get(current)
            if reply_words:
                reply_share = known_share(text, reply_words, spans)
                if reply_share is not None and reply_share < self._config["min_reply_share"]:
                    _send_to_fallback(message, reply_share)
        return messages


def _send_to_fallback(message: Message, share: float) -> None:
    """``nlu_fallback`` first in the ranking, as the FallbackClassifier puts it."""
    fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0 - share}
    message.set(INTENT, fallback, add_to_output=True)
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != fallback["name"]]
    message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
