"""Signing and verification of web chat session ids (no server needed)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from connectors import session_ids
from vssid.settings import PROJECT_ROOT

SECRET = b"unit-test-secret-0123456789abcdef0123"


def test_session_ids_are_unguessable_and_unique() -> None:
    ids = {session_ids.new_session_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert session_ids.SESSION_ID_BYTES * 8 >= 128
    assert all(len(session_id) == 32 for session_id in ids)


def test_a_token_issued_for_a_session_verifies() -> None:
    session_id = session_ids.new_session_id()
    assert session_ids.verify(SECRET, session_id, session_ids.sign(SECRET, session_id))


def _tampered(token: str) -> str:
    return ("B" if token[0] == "A" else "A") + token[1:]


@pytest.mark.parametrize(
    "case, make_pair",
    [
        ("another session's token", lambda a, b: (a, session_ids.sign(SECRET, b))),
        ("token under another key", lambda a, b: (a, session_ids.sign(b"another-key-0123456789abcdef", a))),
        ("token with one character changed", lambda a, b: (a, _tampered(session_ids.sign(SECRET, a)))),
        ("missing token", lambda a, b: (a, None)),
        ("empty token", lambda a, b: (a, "")),
        ("non-ASCII token", lambda a, b: (a, "đ" * 43)),
        ("missing session id", lambda a, b: (None, session_ids.sign(SECRET, a))),
        ("session id chosen by the client", lambda a, b: ("my-id", session_ids.sign(SECRET, "my-id"))),
    ],
)
def test_forged_or_mismatched_credentials_are_refused(case: str, make_pair) -> None:
    session_id, token = make_pair(session_ids.new_session_id(), session_ids.new_session_id())
    assert not session_ids.verify(SECRET, session_id, token), case


def test_a_session_issued_by_another_process_verifies_with_the_shared_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stateless: a second replica (here: another Python process) that only shares
    WEBCHAT_SECRET accepts the session; one with another secret does not."""
    issue = (
        "from connectors import session_ids; s = session_ids.new_session_id(); "
        "print(s, session_ids.sign(session_ids.load_secret(), s))"
    )
    environ = {**os.environ, "WEBCHAT_SECRET": SECRET.decode(), "PYTHONPATH": str(PROJECT_ROOT)}
    issued = subprocess.run(
        [sys.executable, "-c", issue], env=environ, capture_output=True, text=True, check=True, timeout=60
    )
    session_id, token = issued.stdout.split()
    monkeypatch.setenv("WEBCHAT_SECRET", SECRET.decode())
    assert session_ids.verify(session_ids.load_secret(), session_id, token)
    monkeypatch.setenv("WEBCHAT_SECRET", "another-secret-0123456789abcdef0123")
    assert not session_ids.verify(session_ids.load_secret(), session_id, token)


def test_sender_id_tells_the_channel() -> None:
    assert session_ids.sender_id("abc") == "web-abc"


def test_secret_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBCHAT_SECRET", "x" * 40)
    assert session_ids.load_secret() == b"x" * 40


def test_missing_secret_gives_a_random_key_and_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("WEBCHAT_SECRET", raising=False)
    with caplog.at_level(logging.WARNING, logger="connectors.session_ids"):
        first, second = session_ids.load_secret(), session_ids.load_secret()
    assert len(first) == 32
    assert first != second
    assert "WEBCHAT_SECRET is not set" in caplog.text
    assert first.hex() not in caplog.text


def test_short_secret_is_warned_about(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("WEBCHAT_SECRET", "short")
    with caplog.at_level(logging.WARNING, logger="connectors.session_ids"):
        assert session_ids.load_secret() == b"short"
    assert "shorter than 32 characters" in caplog.text


def test_a_token_stops_working_when_it_expires() -> None:
    session_id = session_ids.new_session_id()
    token = session_ids.sign(SECRET, session_id, expires=1_000_000)
    assert session_ids.expiry(token) == 1_000_000
    assert session_ids.verify(SECRET, session_id, token, now=999_999)
    assert not session_ids.verify(SECRET, session_id, token, now=1_000_000)


def test_the_expiry_is_signed() -> None:
    session_id = session_ids.new_session_id()
    token = session_ids.sign(SECRET, session_id, expires=1_000_000)
    pushed_back = "2000000" + token[len("1000000") :]
    assert not session_ids.verify(SECRET, session_id, pushed_back, now=999_999)


def test_tokens_last_webchat_session_ttl_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("WEBCHAT_SESSION_TTL_SECONDS", "60")
    expires = session_ids.expiry(session_ids.sign(SECRET, session_ids.new_session_id()))
    assert expires is not None and 55 <= expires - time.time() <= 61
