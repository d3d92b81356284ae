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


def test_recorded_values_that_change_daily_become_placeholders() -> None:
    from tests.golden.record import templatize

    today = date(2026, 12, 2)
    assert templatize("hạn đến hết ngày 31/12/2026.", today=today) == "hạn đến hết ngày 31/12/{year}."
    assert templatize("đã chi trả (ngày 05/11/2026)", today=today) == "đã chi trả (ngày {date})"
    assert templatize("(yêu cầu số 42)", today=today) == "(yêu cầu số {ticket})"
    running = "tổng cộng 20 năm 1 tháng.\n• 07/2020 – nay: Công ty A (6 năm 6 tháng; BHXH)"
    assert (
        templatize(running, today=today)
        == "tổng cộng {n} năm {n} tháng.\n• 07/2020 – nay: Công ty A ({n} năm {n} tháng; BHXH)"
    )
    finished = "tổng cộng 23 năm 1 tháng.\n• 01/2006 – 01/2018: Công ty B (12 năm 1 tháng; BHXH)"
    assert templatize(finished, today=today) == finished
