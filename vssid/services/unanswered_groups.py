"""Group unanswered messages by similarity so editors see each question once, most frequent first.

Messages with the same normal form (folded, teencode expanded) are one question; distinct
questions then join a group when their character 3-5-gram TF-IDF cosine with the group's most
frequent question reaches ``SIMILARITY`` (greedy, most frequent first). Pure functions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer

from vssid.nlu.normalize import normalize_text

SIMILARITY = 0.6
MAX_VARIANTS = 5


@dataclass
class UnansweredGroup:
    text: str
    count: int
    guess: str
    kinds: list[str]
    channels: list[str]
    variants: list[str]
    last_seen: datetime


@dataclass
class _Question:
    key: str
    texts: Counter = field(default_factory=Counter)
    guesses: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    channels: Counter = field(default_factory=Counter)
    last_seen: datetime | None = None

    @property
    def count(self) -> int:
        return sum(self.texts.values())


def _questions(rows: Iterable[Any]) -> list[_Question]:
    by_key: dict[str, _Question] = {}
    for row in rows:
        key = normalize_text(row.text) or row.text.strip().lower()
        question = by_key.setdefault(key, _Question(key=key))
        question.texts[row.text.strip()] += 1
        if row.guess:
            question.guesses[row.guess] += 1
        question.kinds[row.kind] += 1
        question.channels[row.channel] += 1
        if question.last_seen is None or row.created_at > question.last_seen:
            question.last_seen = row.created_at
    return sorted(by_key.values(), key=lambda q: (-q.count, q.key))


def group_unanswered(rows: Sequence[Any]) -> list[UnansweredGroup]:
    """Rows with ``text, guess, kind, channel, created_at`` -> groups, most frequent first."""
    questions = _questions(rows)
    if not questions:
        return []
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).fit_transform(
        [q.key or "_" for q in questions]
    )
    similarity = (vectors @ vectors.T).toarray()
    taken = [False] * len(questions)
    groups = []
    for i, head in enumerate(questions):
        if taken[i]:
            continue
        members = [
            j for j in range(i, len(questions)) if not taken[j] and (j == i or similarity[i, j] >= SIMILARITY)
        ]
        merged = _Question(key=head.key)
        for j in members:
            taken[j] = True
            q = questions[j]
            merged.texts.update(q.texts)
            merged.guesses.update(q.guesses)
            merged.kinds.update(q.kinds)
            merged.channels.update(q.channels)
            merged.last_seen = max(filter(None, (merged.last_seen, q.last_seen)))
        groups.append(
            UnansweredGroup(
                text=head.texts.most_common(1)[0][0],
                count=merged.count,
                guess=merged.guesses.most_common(1)[0][0] if merged.guesses else "",
                kinds=sorted(merged.kinds),
                channels=sorted(merged.channels),
                variants=[text for text, _ in merged.texts.most_common(MAX_VARIANTS)],
                last_seen=merged.last_seen or datetime.min,
            )
        )
    groups.sort(key=lambda g: (-g.count, g.text))
    return groups
