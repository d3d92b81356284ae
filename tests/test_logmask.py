"""Personal numbers never reach a log line once our channels are loaded."""

from __future__ import annotations

import io
import logging

import pytest


def test_loading_a_channel_masks_numbers_in_every_logger(
    root_log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    from connectors.webchat import WebChatInput

    monkeypatch.setenv("WEBCHAT_SECRET", "x" * 40)
    WebChatInput.from_credentials({})
    logging.getLogger("rasa.core.processor").info("user said cccd %s, phone 0912345678", "079123456789")
    line = root_log.getvalue()
    assert "079123456789" not in line and "0912345678" not in line
    assert "xxxxxxxxx789" in line and "xxxxxxx678" in line


def test_without_the_filter_the_number_would_be_logged(root_log: io.StringIO) -> None:
    logging.getLogger("rasa.core.processor").info("cccd 079123456789")
    assert "079123456789" in root_log.getvalue()
