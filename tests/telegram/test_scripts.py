"""scripts/telegram_webhook.py and scripts/telegram_polling.py against the fake Bot API."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.telegram import updates
from tests.telegram.conftest import SECRET, TOKEN, Harness
from vssid.settings import PROJECT_ROOT


def _env(harness: Harness, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "TELEGRAM_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": harness.api.base_url,
        "RASA_URL": harness.url,
        **extra,
    }


def _script(name: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / name), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT_ROOT,
    )


def test_webhook_script_registers_url_secret_and_commands(tg: Harness) -> None:
    result = _script("telegram_webhook.py", "--url", "https://bot.example.vn/", env=_env(tg))
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip() == "Webhook set: https://bot.example.vn/webhooks/telegram/webhook "
        "(pending updates: 0)"
    )
    assert tg.api.webhook["url"] == "https://bot.example.vn/webhooks/telegram/webhook"
    assert tg.api.webhook["secret_token"] == SECRET
    assert tg.api.webhook["allowed_updates"] == ["message", "edited_message", "callback_query"]
    assert [c["command"] for c in tg.api.commands] == ["start", "help"]
    assert TOKEN not in result.stdout + result.stderr

    result = _script("telegram_webhook.py", "--delete", env=_env(tg))
    assert result.returncode == 0 and tg.api.webhook == {}


@pytest.mark.parametrize(
    ("variable", "value"), [("TELEGRAM_TOKEN", ""), ("TELEGRAM_WEBHOOK_SECRET", "có dấu")]
)
def test_webhook_script_refuses_without_configuration(tg: Harness, variable: str, value: str) -> None:
    env = _env(tg, **{variable: value})
    result = _script("telegram_webhook.py", "--url", "https://bot.example.vn", env=env)
    assert result.returncode == 2
    assert tg.api.calls == []


def test_polling_feeds_updates_to_the_webhook_in_order(tg: Harness) -> None:
    chat = tg.new_chat()
    first, second = updates.text(chat, "một"), updates.text(chat, "hai lần")
    tg.api.push_update(first)
    tg.api.push_update(second)
    process = subprocess.Popen(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "telegram_polling.py"), "--timeout", "1"],
        env=_env(tg),
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        messages = tg.api.wait_for_messages(chat, 2, timeout=30)
        assert [m["text"] for m in messages] == ["Bạn vừa gửi: một", "Bạn vừa gửi: hai lần"]
        tg.api.wait_for(
            lambda api: any(
                int(c.params.get("offset", 0)) == second["update_id"] + 1 for c in api.calls_to("getUpdates")
            ),
            timeout=10,
        )
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert tg.api.calls_to("deleteWebhook"), "a webhook would block getUpdates"
    assert len(tg.received_by(chat)) == 2
    assert TOKEN not in output


def test_polling_stops_when_rasa_refuses_the_secret(tg: Harness) -> None:
    tg.api.push_update(updates.text(tg.new_chat(), "xin chào"))
    result = _script("telegram_polling.py", "--timeout", "1", env=_env(tg, TELEGRAM_WEBHOOK_SECRET="other"))
    assert result.returncode == 1
    assert "wrong TELEGRAM_WEBHOOK_SECRET" in result.stderr
