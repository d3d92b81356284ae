"""Unanswered messages are grouped by similarity, most frequent first."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from vssid.services.unanswered_groups import group_unanswered

T0 = datetime(2026, 12, 2, tzinfo=timezone.utc)


def _row(text: str, guess: str = "", kind: str = "fallback", channel: str = "webchat", minutes: int = 0):
    return SimpleNamespace(
        text=text, guess=guess, kind=kind, channel=channel, created_at=T0 + timedelta(minutes=minutes)
    )


def test_similar_questions_form_one_group_most_frequent_first() -> None:
    rows = [
        _row("app vssid bị lỗi trắng màn hình", "faq/install_app", minutes=1),
        _row("app vssid bi loi trang man hinh", "faq/install_app", channel="telegram", minutes=5),
        _row("App VssID bị lỗi trắng màn hình!", "inform", minutes=2),
        _row("vssid lỗi trắng màn hình", "faq/install_app", kind="low_confidence", minutes=3),
        _row("hưu trí được bao nhiêu tiền", "check_benefits", kind="out_of_scope"),
        _row("hưu trí được bao nhiêu tiền", "check_benefits", kind="out_of_scope"),
        _row("thời tiết hôm nay"),
    ]
    groups = group_unanswered(rows)
    assert [(g.text, g.count) for g in groups] == [
        ("app vssid bị lỗi trắng màn hình", 4),
        ("hưu trí được bao nhiêu tiền", 2),
        ("thời tiết hôm nay", 1),
    ]
    first = groups[0]
    assert (first.guess, first.kinds, first.channels) == (
        "faq/install_app",
        ["fallback", "low_confidence"],
        ["telegram", "webchat"],
    )
    assert first.last_seen == T0 + timedelta(minutes=5)
    assert len(first.variants) == 4


def test_no_rows_no_groups() -> None:
    assert group_unanswered([]) == []
