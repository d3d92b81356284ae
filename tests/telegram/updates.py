"""Real-shaped Telegram update JSON for tests (as the Bot API posts it)."""

from __future__ import annotations

import itertools
import time
from typing import Any

BOT = {"id": 7000000001, "is_bot": True, "first_name": "Trợ lý VssID", "username": "vssid_test_bot"}
_ids = itertools.count(500_000_000)
_message_ids = itertools.count(1)


def _user(chat_id: int) -> dict[str, Any]:
    return {"id": abs(chat_id), "is_bot": False, "first_name": "Lan", "language_code": "vi"}


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Lan"}
    return {"id": chat_id, "type": "supergroup", "title": "Nhóm BHXH"}


def _message(chat_id: int, **content: Any) -> dict[str, Any]:
    return {
        "message_id": next(_message_ids),
        "from": _user(chat_id),
        "chat": _chat(chat_id),
        "date": int(time.time()),
        **content,
    }


def update(**body: Any) -> dict[str, Any]:
    return {"update_id": next(_ids), **body}


def text(chat_id: int, value: str) -> dict[str, Any]:
    entities = []
    if value.startswith("/"):
        entities = [{"type": "bot_command", "offset": 0, "length": len(value.split()[0])}]
    return update(message=_message(chat_id, text=value, **({"entities": entities} if entities else {})))


def sticker(chat_id: int) -> dict[str, Any]:
    return update(
        message=_message(
            chat_id,
            sticker={
                "file_id": "CAACAgIAAxkBAAIB",
                "file_unique_id": "AgADAQ",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
            },
        )
    )


def photo(chat_id: int, caption: str | None = None) -> dict[str, Any]:
    sizes = [{"file_id": "AgACAgIAAxk", "file_unique_id": "AQAD", "width": 90, "height": 90}]
    extra = {"caption": caption} if caption else {}
    return update(message=_message(chat_id, photo=sizes, **extra))


def edited(chat_id: int, value: str) -> dict[str, Any]:
    message = _message(chat_id, text=value, edit_date=int(time.time()))
    return update(edited_message=message)


def group_join(chat_id: int) -> dict[str, Any]:
    joined = {"id": 8_000_000_001, "is_bot": False, "first_name": "Minh"}
    return update(
        message=_message(
            chat_id, new_chat_members=[joined], new_chat_member=joined, new_chat_participant=joined
        )
    )


def my_chat_member(chat_id: int) -> dict[str, Any]:
    return update(
        my_chat_member={
            "chat": _chat(chat_id),
            "from": _user(chat_id),
            "date": int(time.time()),
            "old_chat_member": {"status": "left", "user": BOT},
            "new_chat_member": {"status": "member", "user": BOT},
        }
    )


def callback(chat_id: int, data: str, message_id: int = 1) -> dict[str, Any]:
    message = {
        "message_id": message_id,
        "from": BOT,
        "chat": _chat(chat_id),
        "date": int(time.time()),
        "text": "…",
    }
    return update(
        callback_query={
            "id": f"cq{next(_ids)}",
            "from": _user(chat_id),
            "chat_instance": "-77",
            "message": message,
            "data": data,
        }
    )


def inline_callback(chat_id: int, data: str) -> dict[str, Any]:
    return update(
        callback_query={
            "id": f"cq{next(_ids)}",
            "from": _user(chat_id),
            "chat_instance": "-77",
            "inline_message_id": "AAAAA",
            "data": data,
        }
    )
