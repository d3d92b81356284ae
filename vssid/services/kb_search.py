"""Search the FAQ knowledge base (kb/) for the topics closest to a message the NLU did not understand.

Every topic contributes several documents: its title, each paragraph of its answer and each
example question. A message is compared with TF-IDF cosine similarity on two views of the text,
both built once per process (``get_kb_index()``), never per message:

- words (1-2 grams) of the normal form (folded, teencode expanded: "mk" -> "mat khau") together
  with the accented words, so "mật khẩu" and "mat khau" meet and accents still count when typed;
- character 3-5 grams of the folded form (typos, glued words: "matkhau", "vsid").

A topic's score is the best similarity among its documents. Pure scikit-learn, no Rasa imports.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from vssid.nlu.normalize import normalize_text
from vssid.text import fold

# A topic below this score is not offered (gibberish and off-topic messages get no buttons).
MIN_SCORE = 0.25
WORD_WEIGHT = 0.3  # chosen on the dev set (bench/RESULTS.md, Operators)
PREVIEW_CHARS = 90

_ACCENTED_WORDS = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class TopicDocument:
    """What the index knows of one topic."""

    topic: str
    title: str
    preview: str
    texts: tuple[str, ...]


@dataclass(frozen=True)
class TopicMatch:
    """A topic offered to the user: ``title`` for the button, ``preview`` one line of its answer."""

    topic: str
    title: str
    preview: str
    score: float


def one_line_preview(answer: str, limit: int = PREVIEW_CHARS) -> str:
    """The first sentence of an answer, cut at a word boundary to at most `limit` characters."""
    first = next((line.strip() for line in answer.splitlines() if line.strip()), "")
    sentence = re.split(r"(?<=[.!?:])\s", first, maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:– -") + "…"


def _word_view(text: str) -> str:
    """Normal-form words plus the accented words (prefixed so they never collide with folded ones)."""
    accented = [w for w in _ACCENTED_WORDS.findall(text.lower()) if fold(w) != w]
    return normalize_text(text) + " " + " ".join("_" + w for w in accented)


def _char_view(text: str) -> str:
    return normalize_text(text)


class KbIndex:
    """TF-IDF index over the documents of every topic."""

    def __init__(self, topics: Sequence[TopicDocument]) -> None:
        if not topics:
            raise ValueError("the knowledge base has no topics")
        self.topics = list(topics)
        self._doc_topic: list[int] = []
        docs: list[str] = []
        for index, topic in enumerate(self.topics):
            for text in topic.texts:
                if text.strip():
                    docs.append(text)
                    self._doc_topic.append(index)
        self._doc_topic_array = np.array(self._doc_topic)
        self._words = TfidfVectorizer(
            analyzer="word", token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True
        )
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        self._word_matrix = self._words.fit_transform([_word_view(d) for d in docs])
        self._char_matrix = self._chars.fit_transform([_char_view(d) for d in docs])

    def scores(self, text: str) -> dict[str, float]:
        """Every topic's score for `text` (best document similarity, 0..1)."""
        words = (self._word_matrix @ self._words.transform([_word_view(text)]).T).toarray().ravel()
        chars = (self._char_matrix @ self._chars.transform([_char_view(text)]).T).toarray().ravel()
        combined = WORD_WEIGHT * words + (1 - WORD_WEIGHT) * chars
        best = np.zeros(len(self.topics))
        np.maximum.at(best, self._doc_topic_array, combined)
        return {topic.topic: float(best[i]) for i, topic in enumerate(self.topics)}

    def search(self, text: str, *, limit: int = 3, min_score: float = MIN_SCORE) -> list[TopicMatch]:
        """The best `limit` topics for `text` scoring at least `min_score`, best first."""
        if not normalize_text(text):
            return []
        by_topic = {t.topic: t for t in self.topics}
        ranked = sorted(self.scores(text).items(), key=lambda item: item[1], reverse=True)
        return [
            TopicMatch(topic=name, title=by_topic[name].title, preview=by_topic[name].preview, score=score)
            for name, score in ranked[:limit]
            if score >= min_score
        ]


def documents_from_kb(kb_topics: Iterable[object]) -> list[TopicDocument]:
    """Index documents from ``kb.load_topics()``: title, answer paragraphs, example questions."""
    documents = []
    for topic in kb_topics:
        answer: str = topic.answer  # type: ignore[attr-defined]
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\n(?=\d+\.)", answer) if p.strip()]
        documents.append(
            TopicDocument(
                topic=topic.topic,  # type: ignore[attr-defined]
                title=topic.title,  # type: ignore[attr-defined]
                preview=one_line_preview(answer),
                texts=(topic.title, *paragraphs, *topic.examples),  # type: ignore[attr-defined]
            )
        )
    return documents


_lock = threading.Lock()
_index: KbIndex | None = None


def get_kb_index() -> KbIndex:
    """The process-wide index of kb/, built on first use."""
    global _index
    with _lock:
        if _index is None:
            from kb import load_topics

            _index = KbIndex(documents_from_kb(load_topics()))
        return _index


def set_kb_index(index: KbIndex | None) -> None:
    """Replace the index (tests; None rebuilds from kb/ on next use)."""
    global _index
    with _lock:
        _index = index
