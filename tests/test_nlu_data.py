"""Checks of the NLU training data (data/nlu/, kb/) and the held-out test set (tests/nlu_test.yml).

The test sets (ours and those written independently: TEST, tests/nlu_independent_test.yml with
tests/nlu_offdomain_test.yml; TEST2 and TEST3, the same names ending in 2 and 3) are only a fair
measure if none of their messages is also a training example, so messages are compared in the form
the tokenizer gives the featurizers (vssid.nlu.normalize): case, diacritics, punctuation and
whitespace folded, teencode ("ko", "mk", "sdt") expanded; the leak check also ignores word order.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message

from kb.topics import TOPIC_NAMES
from vssid.nlu.gazetteer import LocationMatcher
from vssid.nlu.normalize import bag_of_words, is_unaccented, normalize_text
from vssid.nlu.numbers import find_entities

ROOT = Path(__file__).resolve().parent.parent
TRAINING_DIR = ROOT / "data" / "nlu"
KB_DIR = ROOT / "kb"
TEST_SET = ROOT / "tests" / "nlu_test.yml"
# Written by people who never saw the training data; blind: a leak is reported by its training side.
INDEPENDENT_SETS = tuple(
    ROOT / "tests" / name
    for name in (
        "nlu_independent_test.yml",
        "nlu_offdomain_test.yml",
        "nlu_independent_test2.yml",
        "nlu_offdomain_test2.yml",
        "nlu_independent_test3.yml",
        "nlu_offdomain_test3.yml",
    )
)
DOMAIN = ROOT / "domain.yml"
GAZETTEER = ROOT / "vssid" / "data" / "locations.yml"

MIN_TRAINING_EXAMPLES = 25
MIN_TEST_MESSAGES = 8
MIN_UNACCENTED_SHARE = 0.3  # the test set aims at about a third typed without diacritics
RETRIEVAL_INTENT = "faq"
ENTITY_DIGITS = {"bhxh_code": {10}, "id_number": {9, 12}}
IDENTIFIERS = ("bhxh_code", "id_number", "phone", "email")


def full_intent(message: Message) -> str:
    """'faq/forgot_password' for retrieval intents, the plain intent name otherwise."""
    return message.get("intent_response_key") or message.get("intent")


@cache
def _read_nlu(path: Path) -> tuple[Message, ...]:
    return tuple(m for m in RasaYAMLReader().read(path).training_examples if m.get("intent"))


@cache
def training_examples() -> tuple[tuple[str, str, str], ...]:
    """(intent, text, source file) of every training example in data/nlu/*.yml and kb/*.yml."""
    found: list[tuple[str, str, str]] = []
    for path in sorted(TRAINING_DIR.glob("*.yml")):
        found += [(full_intent(m), m.get("text"), path.name) for m in _read_nlu(path)]
    for path in sorted(KB_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        topic = data.get("topic", path.stem)
        examples = data.get("examples") or []
        found += [(f"{RETRIEVAL_INTENT}/{topic}", str(e), f"kb/{path.name}") for e in examples]
    return tuple(found)


@cache
def held_out_messages() -> tuple[Message, ...]:
    return _read_nlu(TEST_SET)


@cache
def domain_intents() -> tuple[str, ...]:
    domain = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))
    return tuple(i if isinstance(i, str) else next(iter(i)) for i in domain["intents"])


def _expected_intents() -> list[str]:
    """Every intent of the domain, plus one faq/<topic> per FAQ topic of docs/ARCHITECTURE.md."""
    return list(domain_intents()) + [f"{RETRIEVAL_INTENT}/{t}" for t in TOPIC_NAMES]


def _count(intents: list[str], intent: str) -> int:
    if intent == RETRIEVAL_INTENT:
        return sum(i.startswith(f"{RETRIEVAL_INTENT}/") for i in intents)
    return intents.count(intent)


def test_test_set_uses_only_known_intents() -> None:
    unknown = {full_intent(m) for m in held_out_messages()} - set(_expected_intents())
    assert not unknown, f"tests/nlu_test.yml uses intents outside domain.yml / the FAQ topics: {unknown}"


def test_test_set_messages_are_unique() -> None:
    counts = Counter(normalize_text(m.get("text")) for m in held_out_messages())
    assert [t for t, n in counts.items() if n > 1] == []


def test_no_test_message_is_a_training_example() -> None:
    trained = {bag_of_words(text): (intent, text, source) for intent, text, source in training_examples()}
    leaks = [
        f"{full_intent(m)}: {m.get('text')!r} ~ {trained[bag_of_words(m.get('text'))]}"
        for m in held_out_messages()
        if bag_of_words(m.get("text")) in trained
    ]
    assert leaks == [], "test messages also present in training data:\n" + "\n".join(leaks)


@pytest.mark.parametrize("path", INDEPENDENT_SETS, ids=lambda p: p.name)
def test_no_independent_test_message_is_a_training_example(path: Path) -> None:
    """Blind sets: the failure names only the training example, never the test message."""
    if not path.exists():
        pytest.skip(f"{path.name} not present")
    held_out = {bag_of_words(m.get("text")) for m in _read_nlu(path)}
    leaks = [
        f"{source}: {text!r}"
        for _intent, text, source in training_examples()
        if bag_of_words(text) in held_out
    ]
    assert leaks == [], f"training examples that also occur in {path.name}:\n" + "\n".join(leaks)


def test_no_training_example_has_two_intents() -> None:
    intents_of: dict[str, set[str]] = defaultdict(set)
    for intent, text, _source in training_examples():
        intents_of[normalize_text(text)].add(intent)
    clashes = {text: sorted(intents) for text, intents in intents_of.items() if len(intents) > 1}
    assert clashes == {}


@pytest.mark.parametrize("intent", _expected_intents())
def test_intent_has_enough_training_examples(intent: str) -> None:
    count = _count([i for i, _text, _source in training_examples()], intent)
    assert count >= MIN_TRAINING_EXAMPLES, f"{intent}: {count} training examples"


@pytest.mark.parametrize("intent", _expected_intents())
def test_intent_has_enough_test_messages(intent: str) -> None:
    count = _count([full_intent(m) for m in held_out_messages()], intent)
    assert count >= MIN_TEST_MESSAGES, f"{intent}: {count} test messages"


@pytest.mark.parametrize("intent", [i for i in _expected_intents() if i != RETRIEVAL_INTENT])
def test_test_set_has_messages_without_diacritics(intent: str) -> None:
    texts = [m.get("text") for m in held_out_messages() if full_intent(m) == intent]
    # Messages with no letters at all (a bare number or OTP) count as neither.
    worded = [t for t in texts if re.search(r"[^\W\d_]{2,}", t)]
    unaccented = [t for t in worded if is_unaccented(t)]
    assert worded and len(unaccented) >= MIN_UNACCENTED_SHARE * len(worded), (intent, unaccented)


def _annotated_files() -> list[Path]:
    return sorted(TRAINING_DIR.glob("*.yml")) + [TEST_SET]


@pytest.mark.parametrize("path", _annotated_files(), ids=lambda p: p.name)
def test_number_entities_have_valid_length(path: Path) -> None:
    bad = []
    for message in _read_nlu(path):
        for entity in message.get("entities") or []:
            allowed = ENTITY_DIGITS.get(entity["entity"])
            span = message.get("text")[entity["start"] : entity["end"]]
            if allowed and not (span.isdigit() and len(span) in allowed):
                bad.append(f"{entity['entity']}: {span!r} in {message.get('text')!r}")
    assert bad == []


@pytest.mark.parametrize("path", _annotated_files(), ids=lambda p: p.name)
def test_entities_are_declared_in_domain(path: Path) -> None:
    entities = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["entities"]
    declared = {e if isinstance(e, str) else next(iter(e)) for e in entities}
    used = {e["entity"] for m in _read_nlu(path) for e in m.get("entities") or []}
    assert used <= declared, used - declared


@pytest.mark.parametrize("path", _annotated_files(), ids=lambda p: p.name)
def test_identifier_annotations_match_the_extractor(path: Path) -> None:
    """Every number/e-mail is annotated, with the span and type vssid.nlu.numbers finds."""
    mismatches = []
    for message in _read_nlu(path):
        text = message.get("text")
        annotated = sorted(
            (e["entity"], e["start"], e["end"])
            for e in message.get("entities") or []
            if e["entity"] in IDENTIFIERS
        )
        found = sorted((s.entity, s.start, s.end) for s in find_entities(text) if s.entity in IDENTIFIERS)
        if annotated != found:
            mismatches.append(f"{text!r}: annotated {annotated}, extractor {found}")
    assert mismatches == []


@cache
def _gazetteer() -> LocationMatcher:
    return LocationMatcher.from_yaml(GAZETTEER)


@pytest.mark.parametrize("path", _annotated_files(), ids=lambda p: p.name)
def test_location_annotations_are_found_by_the_gazetteer(path: Path) -> None:
    """Annotated places use the gazetteer's span (typed "quận/huyện/tp" prefix included).

    Only annotated -> found is checked: gazetteer false positives ("la gi" -> La Gi) are for the
    extractor's own tests and show up in `make eval`.
    """
    gazetteer = _gazetteer()
    missed = []
    for message in _read_nlu(path):
        text = message.get("text")
        found = {(s.start, s.end) for s in gazetteer.find(text)}
        missed += [
            f"{text[e['start'] : e['end']]!r} in {text!r}"
            for e in message.get("entities") or []
            if e["entity"] == "location" and (e["start"], e["end"]) not in found
        ]
    assert missed == []
