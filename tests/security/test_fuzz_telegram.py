"""Fuzz the Telegram webhook (with the right secret: what Telegram, or a leaked secret, could
post): a clear 4xx for what is not an update, 200 for the rest, never a 500, and the channel
keeps answering."""

from __future__ import annotations

import itertools
import json

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from connectors.telegram.client import SECRET_HEADER
from tests.conftest import RasaStack
from tests.security.fuzz import FUZZ, bodies, json_values, odd_text
from tests.telegram import updates

pytestmark = pytest.mark.e2e

_chats = itertools.count(770_000_001)
_update_ids = itertools.count(990_000_000)


def _post(stack: RasaStack, body: bytes, secret: str | None = None) -> requests.Response:
    return requests.post(
        f"{stack.url}/webhooks/telegram/webhook",
        data=body,
        headers={
            SECRET_HEADER: secret or stack.env["TELEGRAM_WEBHOOK_SECRET"],
            "Content-Type": "application/json",
        },
        timeout=30,
    )


# Update-shaped objects: a real envelope with fuzzed message fields, wrong types and unknown keys.
shaped_updates = st.builds(
    lambda chat, fields, extra: {
        "update_id": next(_update_ids),
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "Fuzz"},
            **fields,
        },
        **extra,
    },
    chat=st.just(0).map(lambda _: next(_chats)),
    fields=st.fixed_dictionaries(
        {}, optional={"text": odd_text, "caption": json_values, "sticker": json_values}
    ),
    extra=st.dictionaries(
        st.sampled_from(["edited_message", "callback_query", "unknown"]), json_values, max_size=2
    ),
)


@FUZZ
@given(body=bodies(update_id=json_values, message=json_values))
def test_fuzz_webhook_bodies(stack: RasaStack, body: bytes) -> None:
    answer = _post(stack, body)
    assert answer.status_code in {200, 400, 413}, answer.text[:300]


@FUZZ
@given(update=shaped_updates)
def test_fuzz_update_shapes(stack: RasaStack, update: dict) -> None:
    answer = _post(stack, json.dumps(update, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    assert answer.status_code == 200, answer.text[:300]


def test_the_channel_still_answers_after_the_fuzzing(stack: RasaStack) -> None:
    chat = next(_chats)
    assert _post(stack, json.dumps(updates.text(chat, "quên mật khẩu")).encode()).status_code == 200
    assert stack.telegram.wait_for_messages(chat, 1, timeout=60)


def test_wrong_secret_is_403_before_anything_else(stack: RasaStack) -> None:
    assert _post(stack, b"{not json", secret="wrong").status_code == 403
