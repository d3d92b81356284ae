"""Load and validate the FAQ knowledge base (one ``kb/<topic>.yml`` per topic)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

KB_DIR = Path(__file__).resolve().parent

# Fixed by docs/ARCHITECTURE.md: the retrieval intents are faq/<topic> for exactly these topics.
TOPIC_NAMES: tuple[str, ...] = (
    "what_is_vssid",
    "app_features",
    "install_app",
    "register_account",
    "register_child",
    "replaced_documents",
    "bhyt_card_in_app",
    "multiple_accounts",
    "bhxh_code_source",
    "forgot_password",
    "change_phone",
    "lost_phone",
    "update_id_card",
    "update_address",
    "support_contact",
)

MIN_EXAMPLES = 25
MIN_RELATED = 2
MAX_RELATED = 3

REQUIRED_KEYS = frozenset({"topic", "title", "answer", "source", "examples", "related"})
OPTIONAL_KEYS = frozenset({"buttons_hotline"})

_SPACES = re.compile(r"\s+")


class KbError(ValueError):
    """The knowledge base is invalid; ``problems`` lists every issue found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid kb/:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Topic:
    """One FAQ topic: the answer users get and the questions that lead to it."""

    topic: str
    title: str
    answer: str
    source: tuple[str, ...]
    examples: tuple[str, ...]
    related: tuple[str, ...]
    buttons_hotline: bool = False

    @property
    def intent(self) -> str:
        return f"faq/{self.topic}"

    @property
    def response(self) -> str:
        return f"utter_faq/{self.topic}"


def normalize_example(text: str) -> str:
    """Key used to detect duplicate examples (case and whitespace insensitive)."""
    return _SPACES.sub(" ", text).strip().casefold()


def load_topics(kb_dir: Path | None = None) -> list[Topic]:
    """Load every ``<kb_dir>/*.yml``, validate the whole set and return it sorted by topic.

    Raises:
        KbError: if any file or the set of topics is invalid.
    """
    return list(_load_cached(Path(kb_dir or KB_DIR).resolve()))


def topic_titles(kb_dir: Path | None = None) -> dict[str, str]:
    """Map bare topic names (``"forgot_password"``, no ``faq/`` prefix) to their button titles."""
    return {t.topic: t.title for t in load_topics(kb_dir)}


@lru_cache(maxsize=4)
def _load_cached(kb_dir: Path) -> tuple[Topic, ...]:
    problems: list[str] = []
    topics: list[Topic] = []
    for path in sorted(kb_dir.glob("*.yml")):
        topic = _parse_file(path, problems)
        if topic is not None:
            topics.append(topic)
    problems.extend(_check_set(topics))
    if problems:
        raise KbError(problems)
    return tuple(sorted(topics, key=lambda t: t.topic))


def _parse_file(path: Path, problems: list[str]) -> Topic | None:
    name = path.name
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        problems.append(f"{name}: not valid YAML ({exc})")
        return None
    if not isinstance(data, dict):
        problems.append(f"{name}: expected a mapping at the top level")
        return None

    before = len(problems)
    missing = REQUIRED_KEYS - data.keys()
    unknown = data.keys() - REQUIRED_KEYS - OPTIONAL_KEYS
    if missing:
        problems.append(f"{name}: missing keys {sorted(missing)}")
    if unknown:
        problems.append(f"{name}: unknown keys {sorted(unknown)}")
    if missing:
        return None

    for key in ("topic", "title", "answer"):
        if not isinstance(data[key], str) or not data[key].strip():
            problems.append(f"{name}: '{key}' must be a non-empty string")
    for key in ("source", "examples", "related"):
        if not _is_str_list(data[key]):
            problems.append(f"{name}: '{key}' must be a non-empty list of non-empty strings")
    if not isinstance(data.get("buttons_hotline", False), bool):
        problems.append(f"{name}: 'buttons_hotline' must be true or false")
    if len(problems) > before:
        return None

    if data["topic"] != path.stem:
        problems.append(f"{name}: topic '{data['topic']}' does not match the file name")
    return Topic(
        topic=data["topic"],
        title=data["title"].strip(),
        answer=data["answer"].strip(),
        source=tuple(s.strip() for s in data["source"]),
        examples=tuple(e.strip() for e in data["examples"]),
        related=tuple(data["related"]),
        buttons_hotline=data.get("buttons_hotline", False),
    )


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v.strip() for v in value)


def _check_set(topics: Iterable[Topic]) -> list[str]:
    topics = list(topics)
    problems: list[str] = []
    names = {t.topic for t in topics}
    if missing := sorted(set(TOPIC_NAMES) - names):
        problems.append(f"missing topic files: {', '.join(f'{m}.yml' for m in missing)}")
    if extra := sorted(names - set(TOPIC_NAMES)):
        problems.append(f"topics not in docs/ARCHITECTURE.md: {', '.join(extra)}")

    seen: dict[str, str] = {}
    for t in topics:
        if len(t.examples) < MIN_EXAMPLES:
            problems.append(f"{t.topic}: {len(t.examples)} examples, need at least {MIN_EXAMPLES}")
        if not MIN_RELATED <= len(t.related) <= MAX_RELATED:
            problems.append(f"{t.topic}: needs {MIN_RELATED}-{MAX_RELATED} related topics")
        for rel in t.related:
            if rel == t.topic:
                problems.append(f"{t.topic}: related to itself")
            elif rel not in names:
                problems.append(f"{t.topic}: related topic '{rel}' does not exist")
        if len(set(t.related)) != len(t.related):
            problems.append(f"{t.topic}: related topics repeat")
        for example in t.examples:
            key = normalize_example(example)
            if key in seen:
                where = "twice" if seen[key] == t.topic else f"also in {seen[key]}"
                problems.append(f"{t.topic}: example '{example}' appears {where}")
            else:
                seen[key] = t.topic
    return problems
