"""Personal numbers never reach a log line once our channels are loaded."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from vssid import logmask


@pytest.fixture()
def root_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    old_level, installed = root.level, logmask._installed
    root.setLevel(logging.INFO)
    logmask._installed = False
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)
    for existing in (root, *root.handlers):
        existing.filters = [f for f in existing.filters if not isinstance(f, logmask.MaskingFilter)]
    logmask._installed = installed


def test_loading_a_channel_masks_numbers_in_every_logger(
    root_stream: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    from connectors.webchat import WebChatInput

    monkeypatch.setenv("WEBCHAT_SECRET", "x" * 40)
    WebChatInput.from_credentials({})
    logging.getLogger("rasa.core.processor").info("user said cccd %s, phone 0912345678", "079123456789")
    line = root_stream.getvalue()
    assert "079123456789" not in line and "0912345678" not in line
    assert "xxxxxxxxx789" in line and "xxxxxxx678" in line


def test_without_the_filter_the_number_would_be_logged(root_stream: io.StringIO) -> None:
    logging.getLogger("rasa.core.processor").info("cccd 079123456789")
    assert "079123456789" in root_stream.getvalue()
