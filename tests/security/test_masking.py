"""Numbers at rest, without the stack: the mask, the tracker-store scrubbing, the outbox purge,
the log filter, the secrets required outside development and the action server's checks."""

from __future__ import annotations

import io
import json
import logging
import time
import warnings
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from tests.databases import empty_database, migrated
from vssid import logmask, startup
from vssid.action_server import token_ok
from vssid.db.base import utcnow
from vssid.db.engine import make_engine
from vssid.db.verification import OutboxMessage
from vssid.privacy import mask_text
from vssid.services import audit
from vssid.tracker_privacy import (
    ENCRYPTED_PREFIX,
    SEALED_TEXT_KEY,
    SEALED_TEXT_TTL,
    cipher_for,
    restore_event,
    scrub_event,
)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("sdt0912345678", "sdtxxxxxxx678"),
        ("goi 0912  345  678 nhe", "goi xxxxxxx678 nhe"),
        ("so (0912345678)", "so (xxxxxxx678)"),
        ("(091) 234 5678", "(xxxxxxx678"),
        ("the DN4010101234567 con han", "the DNxxxxxxxxxx567 con han"),
        ("cccd 079190005678.", "cccd xxxxxxxxx678."),
        ("cmnd 123456789", "cmnd xxxxxx789"),
        ("+84 912 345 678", "xxxxxxxx678"),
        ("ma otp 123456", "ma otp xxxxxx"),
        ("otp:654321", "otp:xxxxxx"),
        ("an.nguyen@example.com", "a***@example.com"),
        # not personal numbers: kept
        ("1.500.000 đồng", "1.500.000 đồng"),
        ("01/2015 - 12/2019", "01/2015 - 12/2019"),
        ("sinh ngày 15-03-1985", "sinh ngày 15-03-1985"),
        ("1234567", "1234567"),
    ],
)
def test_mask_text(text: str, masked: str) -> None:
    assert mask_text(text) == masked


CIPHER = cipher_for("test-secret")


def test_stored_events_hold_no_number_but_the_form_value_survives_encrypted() -> None:
    user = {
        "event": "user",
        "timestamp": 1764650000.5,
        "text": "cccd 079190005678, sdt0912345678",
        "parse_data": {
            "text": "cccd 079190005678, sdt0912345678",
            "intent": {"name": "inform", "confidence": 0.9},
            "entities": [{"entity": "id_number", "value": "079190005678", "start": 5, "end": 17}],
        },
        "message_id": "0123456789abcdef0123456789abcdef",
    }
    assert scrub_event(user, CIPHER) == {
        **user,
        "text": "cccd xxxxxxxxx678, sdtxxxxxxx678",
        "parse_data": {
            "text": "cccd xxxxxxxxx678, sdtxxxxxxx678",
            "intent": {"name": "inform", "confidence": 0.9},
            "entities": [{"entity": "id_number", "value": "xxxxxxxxx678", "start": 5, "end": 17}],
        },
    }
    bot = {"event": "bot", "text": "Mã số BHXH của bạn là 0101234567.", "data": {}, "metadata": {}}
    assert scrub_event(bot, CIPHER)["text"] == "Mã số BHXH của bạn là xxxxxxx567."
    otp_slot = {"event": "slot", "name": "otp_code", "value": "123456", "timestamp": 1.0}
    assert scrub_event(otp_slot, CIPHER)["value"] == "xxxxxx"

    carried = {"event": "slot", "name": "lookup_id_number", "value": "079190005678", "timestamp": 1.0}
    stored = scrub_event(carried, CIPHER)
    assert stored["value"].startswith(ENCRYPTED_PREFIX) and "079190005678" not in stored["value"]
    assert restore_event(stored, CIPHER) == carried
    # another key (OTP_SECRET changed): the slot reads as empty and the form asks again
    assert restore_event(stored, cipher_for("other"))["value"] is None


def test_a_personal_answer_rests_sealed_and_reads_back_only_while_fresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot = {"event": "bot", "text": "Mã số BHXH của bạn là 0101234567.", "data": {}, "metadata": {}}
    stored = scrub_event(bot, CIPHER)
    assert "0101234567" not in json.dumps(stored)
    assert stored[SEALED_TEXT_KEY].startswith(ENCRYPTED_PREFIX)
    assert restore_event(stored, CIPHER) == bot  # the verified user sees their own answer
    masked = {**bot, "text": "Mã số BHXH của bạn là xxxxxxx567."}
    assert restore_event(stored, cipher_for("other")) == masked
    later = time.time() + SEALED_TEXT_TTL + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert restore_event(stored, CIPHER) == masked  # after the verification's lifetime: masked
    plain = {"event": "bot", "text": "Bạn cần hỗ trợ gì thêm?", "data": {}, "metadata": {}}
    assert scrub_event(plain, CIPHER) == plain  # nothing personal: nothing sealed


@pytest.fixture
def outbox_sessions(tmp_path: Path) -> Iterator[sessionmaker]:
    with empty_database("sqlite", tmp_path) as url:
        engine = make_engine(migrated(url))
        yield sessionmaker(bind=engine, future=True)
        engine.dispose()


def test_purge_masks_expired_and_delivered_messages_only(outbox_sessions: sessionmaker) -> None:
    now = utcnow()
    with outbox_sessions.begin() as session:
        for phone, age, sent in (
            ("0912345678", 600, None),
            ("0987654321", 10, now),
            ("0911111222", 10, None),
        ):
            message = OutboxMessage(
                channel="sms", recipient=phone, purpose="otp", body=f"Ma xac thuc la {phone[-6:]}."
            )
            message.created_at, message.sent_at = now - timedelta(seconds=age), sent
            session.add(message)
    with outbox_sessions.begin() as session:
        assert audit.purge_outbox(session, now=now, retention=timedelta(seconds=300)) == 2
    with outbox_sessions.begin() as session:
        assert audit.purge_outbox(session, now=now, retention=timedelta(seconds=300)) == 0  # idempotent
        rows = session.execute(select(OutboxMessage.recipient, OutboxMessage.body)).all()
    assert sorted(rows) == [
        ("0911111222", "Ma xac thuc la 111222."),  # still usable: kept for the gateway
        ("09xx xxx 321", "Ma xac thuc la xxxxxx."),
        ("09xx xxx 678", "Ma xac thuc la xxxxxx."),
    ]


@pytest.fixture
def logged(root_log: io.StringIO) -> Iterator[tuple[io.StringIO, list[str]]]:
    """The root logger's output and the warnings shown, with the masking installed afresh."""
    shown: list[str] = []
    show = warnings.showwarning
    warnings.showwarning = lambda message, *args, **kwargs: shown.append(str(message))
    logmask.install()
    try:
        yield root_log, shown
    finally:
        warnings.showwarning = show


def test_tracebacks_and_warnings_are_masked(logged: tuple[io.StringIO, list[str]]) -> None:
    stream, shown = logged
    try:
        raise ValueError("bad id 079190005678")
    except ValueError:
        logging.getLogger("rasa.core.processor").exception("action failed for %s", "0912345678")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn('Failed to parse \'/inform{"otp_code": "123456", "id": "0101234567"}\'', stacklevel=1)
    lines = stream.getvalue()
    assert "action failed for xxxxxxx678" in lines and "ValueError: bad id xxxxxxxxx678" in lines
    assert shown == ['Failed to parse \'/inform{"otp_code": "xxxxxx", "id": "xxxxxxx567"}\'']
    assert not any(n in lines for n in ("079190005678", "0912345678"))


def test_secrets_are_required_outside_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTP_SECRET", raising=False)
    monkeypatch.setenv("VSSID_ENV", "production")
    with pytest.raises(SystemExit, match="OTP_SECRET is not set"):
        startup.ensure_secret("OTP_SECRET", "test")
    monkeypatch.setenv("VSSID_ENV", "development")
    generated = startup.ensure_secret("OTP_SECRET", "test")
    assert len(generated) >= 32 and startup.ensure_secret("OTP_SECRET", "test") == generated


@pytest.mark.parametrize(
    ("presented", "expected", "ok"),
    [("s3cret", "s3cret", True), ("s3cre", "s3cret", False), (None, "s3cret", False), ("", "", False)],
)
def test_token_check(presented: str | None, expected: str, ok: bool) -> None:
    assert token_ok(presented, expected) is ok
