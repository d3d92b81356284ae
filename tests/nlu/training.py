"""Tiny tokenized training sets for the NLU component tests (featurizers, classifier)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rasa.engine.graph import ExecutionContext
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from vssid.nlu.tokenizer import VietnameseFoldingTokenizer

TOKENIZER = VietnameseFoldingTokenizer(VietnameseFoldingTokenizer.get_default_config())


def tokenized_training(rows: Iterable[tuple[str, str, Mapping[str, str]]]) -> TrainingData:
    """(text, intent, other attributes such as a response or an intent_response_key), tokenized
    by our tokenizer as in the pipeline."""
    training = TrainingData(
        [Message(data={"text": text, "intent": intent, **extra}) for text, intent, extra in rows]
    )
    TOKENIZER.process_training_data(training)
    return training


def tokenized(text: str) -> Message:
    """One message to process, tokenized."""
    message = Message(data={"text": text})
    TOKENIZER.process([message])
    return message


def context(node_name: str) -> ExecutionContext:
    return ExecutionContext(graph_schema=None, node_name=node_name)
