"""What the tracker store writes: events with every personal number masked.

Rasa's SQL tracker store keeps each event as JSON. Before it is written, every free-text
string of the event (user and bot texts, `parse_data`, entity and slot values) goes through
`vssid.privacy.mask_text`. The in-memory tracker of the current turn is untouched, so forms
and actions see what the user typed.

One value must survive to a later turn in full: the CCCD/CMND of the BHXH-code look-up form,
asked first and used after two more questions. It is stored encrypted (Fernet, key derived
from OTP_SECRET) and decrypted on read; if it cannot be decrypted (the key changed), the slot
reads as empty and the form asks again.

A bot message that holds a personal number (a verified look-up's answer) rests masked too, with
the original sealed beside it (`SEALED_TEXT_KEY`, same cipher): the channels read replies from
the store, so the verified user sees their own answer, but only for `SEALED_TEXT_TTL` seconds
(the verification's lifetime); after that, or with another key, every reader gets the masked text.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from vssid import constants as c
from vssid.privacy import mask_text

logger = logging.getLogger(__name__)

CARRIED_SLOTS = frozenset({c.SLOT_LOOKUP_ID_NUMBER})
ENCRYPTED_PREFIX = "enc:v1:"
SEALED_TEXT_KEY = "vssid_sealed_text"
SEALED_TEXT_TTL = 15 * 60  # seconds: VerificationPolicy.verification_ttl
# Keys whose string values are names or ids, never free text: left as they are.
_KEEP_KEYS = frozenset(
    {
        "event",
        "name",
        "timestamp",
        "message_id",
        "input_channel",
        "policy",
        "intent_response_key",
        "utter_action",
        "retrieval_intent",
        "entity",
        "extractor",
        "model_id",
        "assistant_id",
        "action_name",
    }
)


def cipher_for(secret: str) -> Fernet:
    key = hashlib.sha256(b"vssid-tracker-store:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: (v if k in _KEEP_KEYS else _mask(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v) for v in value]
    return value


def scrub_event(data: dict[str, Any], cipher: Fernet) -> dict[str, Any]:
    """The event as it may rest in the store."""
    if (
        data.get("event") == "slot"
        and data.get("name") in CARRIED_SLOTS
        and isinstance(data.get("value"), str)
    ):
        token = cipher.encrypt(data["value"].encode()).decode()
        return {**_mask({k: v for k, v in data.items() if k != "value"}), "value": ENCRYPTED_PREFIX + token}
    scrubbed = _mask(data)
    text = data.get("text")
    if data.get("event") == "bot" and isinstance(text, str) and scrubbed.get("text") != text:
        scrubbed[SEALED_TEXT_KEY] = ENCRYPTED_PREFIX + cipher.encrypt(text.encode()).decode()
    return scrubbed


def restore_event(data: dict[str, Any], cipher: Fernet) -> dict[str, Any]:
    """The event as the tracker needs it (carried slots decrypted)."""
    value = data.get("value")
    if data.get("event") == "slot" and isinstance(value, str) and value.startswith(ENCRYPTED_PREFIX):
        try:
            plain: str | None = cipher.decrypt(value[len(ENCRYPTED_PREFIX) :].encode()).decode()
        except InvalidToken:
            logger.warning("A stored %s slot could not be decrypted (key changed): reset", data.get("name"))
            plain = None
        return {**data, "value": plain}
    sealed = data.get(SEALED_TEXT_KEY)
    if isinstance(sealed, str) and sealed.startswith(ENCRYPTED_PREFIX):
        restored = {k: v for k, v in data.items() if k != SEALED_TEXT_KEY}
        try:
            restored["text"] = cipher.decrypt(
                sealed[len(ENCRYPTED_PREFIX) :].encode(), ttl=SEALED_TEXT_TTL
            ).decode()
        except InvalidToken:
            pass  # expired or another key: the masked text stays
        return restored
    return data
