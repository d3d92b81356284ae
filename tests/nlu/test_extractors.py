"""The Rasa entity extractor components on parsed messages."""

from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.message import Message

from vssid.nlu.extractors import IdentifierEntityExtractor, LocationEntityExtractor, RatingEntityExtractor

FIXTURE = Path(__file__).parent / "fixtures" / "locations.yml"


def _entities(component, text: str, intent: str = "inform") -> list[tuple[str, str, str]]:
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9}})
    component.process([message])
    return [(e["entity"], e["value"], text[e["start"] : e["end"]]) for e in message.get("entities", [])]


def test_identifiers_and_location_are_added_to_the_message() -> None:
    numbers = IdentifierEntityExtractor({})
    location = LocationEntityExtractor({"gazetteer": str(FIXTURE)})
    message = Message(data={"text": "sdt 0912 345 678, o cau giay"})
    numbers.process([message])
    location.process([message])
    assert [(e["entity"], e["value"], e["extractor"]) for e in message.get("entities")] == [
        ("phone", "0912345678", "IdentifierEntityExtractor"),
        ("location", "Cầu Giấy", "LocationEntityExtractor"),
    ]


def test_missing_gazetteer_extracts_nothing() -> None:
    location = LocationEntityExtractor({"gazetteer": "no/such/file.yml"})
    assert _entities(location, "Cầu Giấy") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 sao", [("rating", "5 sao", "5 sao")]),
        ("không hài lòng lắm", [("rating", "không hài lòng", "không hài lòng")]),
        ("khong hai long", [("rating", "khong hai long", "khong hai long")]),
        ("dịch vụ quá tệ", [("rating", "quá tệ", "quá tệ")]),
        ("chấm 10 điểm", [("rating", "10 điểm", "10 điểm")]),
        ("⭐⭐⭐⭐ nha ad", [("rating", "⭐⭐⭐⭐", "⭐⭐⭐⭐")]),
    ],
)
def test_rating_phrase_as_typed(text: str, expected: list[tuple[str, str, str]]) -> None:
    rating = RatingEntityExtractor(RatingEntityExtractor.get_default_config())
    assert _entities(rating, text, intent="rate") == expected


def test_rating_only_for_the_rate_intent() -> None:
    rating = RatingEntityExtractor(RatingEntityExtractor.get_default_config())
    assert _entities(rating, "app tốt lắm nhưng tôi quên mật khẩu", intent="faq") == []


def test_button_payloads_are_left_alone() -> None:
    assert _entities(IdentifierEntityExtractor({}), '/inform{"phone": "0912345678"}') == []
