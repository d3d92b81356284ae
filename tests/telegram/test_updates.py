"""parse_update with the real PTB Update class on real-shaped JSON."""

from __future__ import annotations

import pytest
from telegram import Update

from connectors.buttons import ButtonPayloads
from connectors.telegram import texts
from connectors.telegram.updates import Kind, parse_update
from tests.telegram import updates

CHAT = 424242
GROUP = -1001234567890
BUTTONS = ButtonPayloads()
KNOWN = BUTTONS.to_id('/inform{"location": "Quận 1"}')


def parse(data: dict):
    return parse_update(Update.de_json(data, None), BUTTONS.to_payload)


@pytest.mark.parametrize(
    ("data", "kind", "reason", "text"),
    [
        (updates.text(CHAT, "quên mật khẩu"), Kind.MESSAGE, "text", "quên mật khẩu"),
        (updates.text(CHAT, "/start"), Kind.MESSAGE, "start", "/greet"),
        (updates.text(CHAT, "/start@vssid_test_bot ref123"), Kind.MESSAGE, "start", "/greet"),
        (updates.text(CHAT, "/help"), Kind.HELP, "help", ""),
        (updates.text(CHAT, "/HELP"), Kind.HELP, "help", ""),
        (
            updates.text(CHAT, '/lookup_bhxh_code{"bhxh_code": "0123456789"}'),
            Kind.MESSAGE,
            "text",
            'lookup_bhxh_code{"bhxh_code": "0123456789"}',
        ),
        (updates.text(CHAT, "/"), Kind.IGNORE, "empty_command", ""),
        (updates.sticker(CHAT), Kind.REPLY, "sticker", texts.NON_TEXT),
        (updates.photo(CHAT), Kind.REPLY, "photo", texts.NON_TEXT),
        (updates.photo(CHAT, caption="thẻ BHYT"), Kind.REPLY, "photo", texts.NON_TEXT),
        (updates.edited(CHAT, "sửa"), Kind.REPLY, "edited_message", texts.EDITED),
        (updates.edited(GROUP, "sửa"), Kind.IGNORE, "edited_message", ""),
        (updates.group_join(GROUP), Kind.IGNORE, "group_message", ""),
        (updates.text(GROUP, "chào"), Kind.IGNORE, "group_message", ""),
        (updates.text(GROUP, "/start"), Kind.REPLY, "group_command", texts.PRIVATE_ONLY),
        (updates.my_chat_member(CHAT), Kind.IGNORE, "my_chat_member", ""),
        (updates.callback(CHAT, KNOWN), Kind.MESSAGE, "callback_query", '/inform{"location": "Quận 1"}'),
        (updates.callback(CHAT, "b:stale"), Kind.IGNORE, "expired_button", ""),
        (updates.callback(CHAT, "/request_human"), Kind.IGNORE, "expired_button", ""),
        (updates.callback(GROUP, KNOWN), Kind.IGNORE, "group_callback", ""),
        (updates.inline_callback(CHAT, KNOWN), Kind.IGNORE, "inline_callback", ""),
        (updates.update(), Kind.IGNORE, "other_update", ""),
    ],
    ids=lambda value: value.value if isinstance(value, Kind) else None,
)
def test_parse_update(data: dict, kind: Kind, reason: str, text: str) -> None:
    incoming = parse(data)
    assert (incoming.kind, incoming.reason, incoming.text) == (kind, reason, text)


def test_private_service_message_is_ignored() -> None:
    data = updates.update(
        message={
            "message_id": 1,
            "date": 0,
            "chat": {"id": CHAT, "type": "private"},
            "pinned_message": {"message_id": 2, "date": 0, "chat": {"id": CHAT, "type": "private"}},
        }
    )
    assert parse(data).kind is Kind.IGNORE


def test_message_from_a_bot_is_ignored() -> None:
    data = updates.text(CHAT, "xin chào")
    data["message"]["from"]["is_bot"] = True
    assert parse(data).reason == "from_bot"


def test_callback_carries_what_is_needed_to_answer_and_clear() -> None:
    data = updates.callback(CHAT, KNOWN, message_id=77)
    incoming = parse(data)
    assert incoming.callback_query_id == data["callback_query"]["id"]
    assert incoming.callback_message_id == 77
    assert incoming.chat_id == CHAT
    expected = {"chat_id": CHAT, "message_id": 77, "update_id": data["update_id"]}
    assert incoming.metadata == {"telegram": expected}
    expired = parse(updates.callback(CHAT, "b:stale"))
    assert expired.callback_query_id and expired.callback_notice == texts.BUTTON_EXPIRED
