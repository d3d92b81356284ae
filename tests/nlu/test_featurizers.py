"""SentenceCountVectorsFeaturizer gives the text exactly Rasa's vocabulary and sentence features,
and nothing else (no sequence features, no other attributes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

from tests.nlu.training import context, tokenized, tokenized_training
from vssid.nlu.featurizers import SentenceCountVectorsFeaturizer

PASSWORD = {"response": "Bạn soạn tin nhắn theo cú pháp để lấy lại mật khẩu."}
TRAINING = [
    ("quên mật khẩu vssid", "faq", PASSWORD),
    ("quen mk r lam sao day", "faq", PASSWORD),
    ("đổi số điện thoại đăng ký", "faq", {"response": "Bạn đổi số trên Cổng dịch vụ công."}),
    ("xin chào ad", "greet", {}),
    ("mã số bhxh của tôi là gì", "lookup_bhxh_code", {}),
]
PROBES = ["quên mật khẩu rồi", "doi so dt", "chào", "asdfgh", "mã bhxh"]


def _trained(cls: type[CountVectorsFeaturizer], config: dict, path: Path) -> CountVectorsFeaturizer:
    training = tokenized_training(TRAINING)
    path.mkdir()
    featurizer = cls.create(
        {**cls.get_default_config(), **config},
        LocalModelStorage(path),
        Resource("cvf"),
        context("cvf"),
    )
    featurizer.train(training)
    return featurizer


@pytest.mark.parametrize(
    "config",
    [
        {"analyzer": "word", "min_ngram": 1, "max_ngram": 2},
        {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4},
    ],
)
def test_the_text_gets_rasas_sentence_features_and_nothing_else(config: dict, tmp_path: Path) -> None:
    rasas = _trained(CountVectorsFeaturizer, config, tmp_path / "rasa")
    ours = _trained(SentenceCountVectorsFeaturizer, config, tmp_path / "ours")
    assert ours.vectorizers["text"].vocabulary_ == rasas.vectorizers["text"].vocabulary_
    assert set(ours.vectorizers) == {"text"}, "responses and actions are not featurized"
    for text in PROBES:
        expected, actual = tokenized(text), tokenized(text)
        rasas.process([expected])
        ours.process([actual])
        expected_sequence, expected_sentence = expected.get_sparse_features("text")
        sequence, sentence = actual.get_sparse_features("text")
        assert expected_sequence is not None and sequence is None
        assert (sentence.features != expected_sentence.features).nnz == 0, text
