"""The golden-transcript runner can fail: stray, missing or changed messages and buttons."""

from __future__ import annotations

from datetime import date

import pytest

from tests.golden import runner

BUTTONS = [{"title": "Xem thêm", "payload": "/show_more"}]


@pytest.mark.parametrize(
    ("expected", "actual", "matches"),
    [
        (["Chào bạn"], [{"text": "Chào bạn"}], True),
        (["Chào bạn"], [{"text": "Chào bạn"}, {"text": "Mã OTP gồm đúng 6 chữ số."}], False),  # stray
        (["Chào bạn", "Tạm biệt"], [{"text": "Chào bạn"}], False),  # missing
        (["Chào bạn"], [{"text": "Chào bạn!"}], False),  # changed text
        (["Chào bạn"], [{"text": "Chào bạn", "buttons": BUTTONS}], False),  # unexpected buttons
        ([{"text": "Chào bạn", "buttons": BUTTONS}], [{"text": "Chào bạn", "buttons": BUTTONS}], True),
        ([{"text": "Chào bạn", "buttons": BUTTONS}], [{"text": "Chào bạn"}], False),  # missing buttons
        (["Yêu cầu số {ticket}."], [{"text": "Yêu cầu số 42."}], True),
        (["Yêu cầu số {ticket}."], [{"text": "Yêu cầu số ."}], False),
        (["Hạn đến 31/12/{year}."], [{"text": f"Hạn đến 31/12/{date.today().year}."}], True),
        (["Hạn đến 31/12/{year}."], [{"text": "Hạn đến 31/12/1999."}], False),
        (["Ngày {date}, {n} tháng"], [{"text": "Ngày 05/11/2026, 7 tháng"}], True),
        ([{"one_of": ["Trong giờ", "Ngoài giờ"]}], [{"text": "Ngoài giờ"}], True),
        ([{"one_of": ["Trong giờ", "Ngoài giờ"]}], [{"text": "Ngoài giờ (a)"}], False),
        (["a.b"], [{"text": "axb"}], False),  # the text is literal, not a pattern
    ],
)
def test_turn_matches(expected: list, actual: list, matches: bool) -> None:
    assert runner.turn_matches(expected, actual) is matches


def test_diff_shows_the_stray_message() -> None:
    expected = [("kiểm tra thẻ bhyt", ["Bạn vui lòng nhập mã số BHXH"])]
    actual = [
        (
            "kiểm tra thẻ bhyt",
            [{"text": "Mã OTP gồm đúng 6 chữ số."}, {"text": "Bạn vui lòng nhập mã số BHXH"}],
        )
    ]
    text = runner.diff(expected, actual)
    assert "+  bot: Mã OTP gồm đúng 6 chữ số." in text.splitlines()


def test_golden_files_load_and_every_turn_has_a_bot_sequence() -> None:
    conversations = runner.load_conversations()
    assert conversations
    for conversation in conversations:
        for turn in conversation.turns:
            assert isinstance(turn.get("bot"), list) and turn["bot"], (conversation.id, turn)
            assert {"user", "otp", "wrong_otp", "agent"} & set(turn), (conversation.id, turn)
