"""The channel as Rasa loads it from credentials.yml, with and without Telegram configured."""

from __future__ import annotations

import pytest
import requests
from rasa.core.run import create_http_input_channels

from connectors.telegram.channel import TelegramInput, known_payloads
from connectors.telegram.client import TelegramConfig
from tests.telegram import updates
from tests.telegram.conftest import SECRET, StubAgent, serve_channel
from vssid.settings import PROJECT_ROOT


def test_credentials_file_loads_without_telegram_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    channels = create_http_input_channels(None, str(PROJECT_ROOT / "credentials.yml"))
    [telegram] = [c for c in channels if isinstance(c, TelegramInput)]
    assert not telegram.config.enabled
    assert telegram.get_output_channel() is None


def test_credentials_file_channel_reads_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_TOKEN", "1:abc")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "xyz")
    channels = create_http_input_channels(None, str(PROJECT_ROOT / "credentials.yml"))
    [telegram] = [c for c in channels if isinstance(c, TelegramInput)]
    assert telegram.config.enabled and telegram.config.webhook_secret == "xyz"
    assert telegram.get_output_channel().name() == "telegram"


def test_disabled_channel_answers_404() -> None:
    agent = StubAgent()
    server = serve_channel(TelegramInput(TelegramConfig()), agent)
    url = server.start().url
    try:
        response = requests.post(
            f"{url}/webhooks/telegram/webhook",
            json=updates.text(1, "chào"),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            timeout=5,
        )
        assert response.status_code == 404
        assert requests.get(f"{url}/webhooks/telegram/", timeout=5).json()["enabled"] is False
    finally:
        server.stop()
    assert agent.received == []


def test_token_without_secret_refuses_every_update() -> None:
    agent = StubAgent()
    server = serve_channel(TelegramInput(TelegramConfig(token="1:abc")), agent)
    url = server.start().url
    try:
        response = requests.post(
            f"{url}/webhooks/telegram/webhook",
            json=updates.text(1, "chào"),
            headers={"X-Telegram-Bot-Api-Secret-Token": ""},
            timeout=5,
        )
        assert response.status_code == 403
    finally:
        server.stop()


def test_domain_buttons_are_pinned(tmp_path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "domain.yml").write_text(
        'responses:\n  utter_greet:\n    - text: "Chào"\n      buttons:\n'
        '        - title: "Quên mật khẩu"\n          payload: "/faq/forgot_password"\n',
        encoding="utf-8",
    )
    (tmp_path / "data" / "broken.yml").write_text("responses: [unclosed", encoding="utf-8")
    payloads = list(known_payloads(tmp_path))
    assert "/faq/forgot_password" in payloads
    assert "/request_human" in payloads  # from the /help buttons
