"""Rendering for Telegram: splitting, HTML escaping, inline keyboards."""

from __future__ import annotations

import pytest

from connectors.buttons import ButtonPayloads
from connectors.telegram.render import (
    MAX_MESSAGE_CHARS,
    inline_keyboard,
    render_html,
    split_message,
    utf16_len,
)
from tests.fakes.fake_telegram_api import parse_telegram_html


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Xin chào", "Xin chào"),
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("Gọi **1900.9068** ngay", "Gọi <b>1900.9068</b> ngay"),
        ("**<b>**", "<b>&lt;b&gt;</b>"),
        ("Mã `OTP` & mật khẩu", "Mã <code>OTP</code> &amp; mật khẩu"),
        (
            '[Tải VssID](https://vssid.vn/?a=1&b="2")',
            '<a href="https://vssid.vn/?a=1&amp;b=&quot;2&quot;">Tải VssID</a>',
        ),
        ("[lạ](javascript:alert(1))", "[lạ](javascript:alert(1))"),
        ("2 * 3 = 6, *không* đậm", "2 * 3 = 6, *không* đậm"),
    ],
)
def test_render_html_escapes_everything_but_the_markdown_subset(text: str, html: str) -> None:
    assert render_html(text) == html
    visible, problem = parse_telegram_html(html)
    assert problem is None


def test_short_message_is_one_part() -> None:
    assert split_message("  Một câu trả lời.  ") == ["Một câu trả lời."]
    assert split_message("   ") == []


def test_long_message_splits_at_paragraph_boundaries() -> None:
    paragraphs = [f"Đoạn {n}. " + "Nội dung hướng dẫn sử dụng VssID. " * 40 for n in range(8)]
    parts = split_message("\n\n".join(p.strip() for p in paragraphs))
    assert len(parts) > 1
    assert all(utf16_len(part) <= MAX_MESSAGE_CHARS for part in parts)
    assert all(part.startswith("Đoạn ") for part in parts), "every part starts at a paragraph"
    assert "\n\n".join(parts) == "\n\n".join(p.strip() for p in paragraphs)


def test_huge_paragraph_splits_at_lines_then_words_then_anywhere() -> None:
    lines = "\n".join(["dòng " * 300] * 5)
    assert all(utf16_len(p) <= 4096 for p in split_message(lines))
    words = "chữ " * 3000
    parts = split_message(words)
    assert all(utf16_len(p) <= 4096 and not p.endswith("ch") for p in parts)
    assert split_message("x" * 10_000) == ["x" * 4096, "x" * 4096, "x" * 1808]


def test_limit_counts_utf16_units_like_telegram() -> None:
    emoji = "👍" * 3000  # 2 UTF-16 units each
    parts = split_message(emoji)
    assert [utf16_len(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == emoji


def test_inline_keyboard_maps_payloads_to_short_callback_data() -> None:
    payloads = ButtonPayloads()
    long_payload = '/inform{"location": "Bảo hiểm xã hội Thành phố Hồ Chí Minh, Quận Bình Thạnh"}'
    markup = inline_keyboard(
        [
            {"title": "Bình Thạnh", "payload": long_payload},
            {"title": "Trang chủ", "url": "https://baohiemxahoi.gov.vn"},
            {"title": "Không có payload"},
        ],
        payloads.to_id,
    )
    assert markup is not None
    (first,), (second,) = markup.inline_keyboard
    assert first.text == "Bình Thạnh"
    assert len(first.callback_data.encode()) <= 64
    assert payloads.to_payload(first.callback_data) == long_payload
    assert second.url == "https://baohiemxahoi.gov.vn" and second.callback_data is None


def test_no_buttons_no_keyboard() -> None:
    assert inline_keyboard([], ButtonPayloads().to_id) is None
