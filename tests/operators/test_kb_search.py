"""The knowledge-base search finds a topic from the words of its answer, typed with or without accents."""

from __future__ import annotations

import pytest

from kb import load_topics
from vssid.services.kb_search import documents_from_kb, get_kb_index, one_line_preview
from vssid.text import fold


def _answer_sentence(topic: str) -> str:
    """A sentence of the topic's answer (the first long enough one, numbering stripped)."""
    answer = next(t.answer for t in load_topics() if t.topic == topic)
    lines = [line.strip().lstrip("0123456789.-– ") for line in answer.splitlines()]
    return next(line for line in lines if len(line.split()) >= 8)


@pytest.mark.parametrize("topic", [t.topic for t in load_topics()])
def test_a_sentence_of_an_answer_finds_its_topic_among_three(topic: str) -> None:
    sentence = _answer_sentence(topic)
    index = get_kb_index()
    assert topic in [m.topic for m in index.search(sentence)]
    assert topic in [m.topic for m in index.search(fold(sentence))]  # typed without diacritics


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("soạn tin theo cú pháp", "forgot_password"),
        ("hệ thống tự động duyệt và cập nhật", "update_address"),
        ("mat sim cu roi thi huy tai khoan cu the nao", "lost_phone"),
        ("quên mk vssid", "forgot_password"),
    ],
)
def test_messages_find_the_topic_first(message: str, topic: str) -> None:
    assert get_kb_index().search(message)[0].topic == topic


@pytest.mark.parametrize("message", ["zxqv blorp kwyjibo", "", "   ", "???", "0912345678"])
def test_nothing_is_offered_for_noise(message: str) -> None:
    assert get_kb_index().search(message) == []


def test_at_most_three_topics_best_first_with_titles_and_one_line_previews() -> None:
    matches = get_kb_index().search("đổi số điện thoại mà mất sim không nhận được otp")
    assert 1 <= len(matches) <= 3
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    titles = {d.topic: d.title for d in documents_from_kb(load_topics())}
    for match in matches:
        assert match.title == titles[match.topic]
        assert "\n" not in match.preview and 0 < len(match.preview) <= 90


def test_preview_is_the_first_sentence_cut_at_a_word() -> None:
    assert one_line_preview("Được. Theo công văn số 1.\n\nCách dùng:") == "Được."
    long = "Một " + "hai ba bốn " * 20
    preview = one_line_preview(long)
    assert preview.endswith("…") and len(preview) <= 90 and not preview[:-1].endswith(" ")
