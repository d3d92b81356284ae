"""Rasa's CountVectorsFeaturizer, doing only what our pipeline reads.

Rasa's featurizer computes, for every message, both *sequence* features (one row per token:
`transform` over the message's tokens) and *sentence* features (one row for the whole text), and
it featurizes the responses, action names and action texts of the training data too. Our intent
classifier (a logistic regression, vssid/nlu/classifier.py) reads only the sentence features of
the message text, and no component reads anything else (no DIET, no TED, no ResponseSelector).
`SentenceCountVectorsFeaturizer` featurizes the text only and only as a sentence: the same
vocabulary and the same sentence features as Rasa's (asserted in tests/nlu/test_featurizers.py),
for about half the featurization work per message and none for the other attributes in training.
"""

from __future__ import annotations

import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.constants import TEXT

from vssid.nlu.code_fingerprint import CodeFingerprinted


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceCountVectorsFeaturizer(CodeFingerprinted, CountVectorsFeaturizer):
    """CountVectorsFeaturizer for the message text's sentence features only (module docstring)."""

    @staticmethod
    def _attributes_for(analyzer: str) -> list[str]:
        return [TEXT]

    def _create_features(
        self, attribute: str, all_tokens: list[list[str]]
    ) -> tuple[list[scipy.sparse.spmatrix | None], list[scipy.sparse.spmatrix | None]]:
        vectorizer = self.vectorizers.get(attribute)
        if not vectorizer:
            return [None], [None]
        sentences: list[scipy.sparse.spmatrix | None] = []
        for tokens in all_tokens:
            if not tokens:
                sentences.append(None)
                continue
            sentence = vectorizer.transform([" ".join(tokens)])
            sentence.sort_indices()
            sentences.append(sentence.tocoo())
        return [None] * len(sentences), sentences
