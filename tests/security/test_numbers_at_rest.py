"""No full personal number rests anywhere (issue 9, item 3).

End-to-end conversations type BHXH codes, CCCDs, phones (also glued to letters, split by
double spaces, in parentheses) and OTPs; then every place the stack writes is scanned: the
tracker store, the handoff transcripts, the audit log, the SMS outbox (after the purge of
expired codes) and the stack's log lines written meanwhile.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from tests.security.conftest import AN, AN_CCCD, AN_PHONE, BINH, BINH_CCCD, Chat, LogTail
from vssid.db.seed import DEMO_IDENTITIES
from vssid.privacy import mask_text
from vssid.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e

# 9+ digits, with up to three separators between them: what a personal number looks like.
LONG_NUMBER = re.compile(r"\d(?:[\s.\-_()]{0,3}\d){8,}")
PERSONAL_NUMBERS = sorted(
    {d[key] for d in DEMO_IDENTITIES for key in ("bhxh_code", "id_number", "phone") if d.get(key)}
)


def _strings(value: Any) -> Iterator[str]:
    """Every text inside a JSON value (numbers such as timestamps and ids are not text)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if not key.endswith("id"):  # message_id, model_id...: random hex, not text
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _leaks(place: str, texts: list[str], otps: list[str]) -> list[str]:
    found = []
    for text in texts:
        for match in LONG_NUMBER.finditer(text):
            found.append(f"{place}: long number {match.group(0)!r} in {text[:120]!r}")
        for code in otps:
            if re.search(rf"(?<!\d){code}(?!\d)", text):
                found.append(f"{place}: OTP {code} in {text[:120]!r}")
    return found


@pytest.fixture(scope="module")
def conversations(rasa_stack: Any, records: Any) -> dict[str, Any]:
    """The conversations of this module: look-ups, OTPs and a handoff, with numbers typed."""
    records.reset_demo_identities()
    logs = LogTail()
    otps: list[str] = []
    senders: list[str] = []

    def chat(prefix: str) -> Chat:
        new = Chat(rasa_stack, prefix)
        senders.append(new.sender)
        new.say("xin chào")
        return new

    lookup = chat("rest-lookup")
    lookup.say("tra cứu mã số bhxh")
    lookup.say(f"cccd {AN_CCCD}")
    lookup.say("nguyen van an")
    assert f"Mã số BHXH của bạn là {AN}" in lookup.joined("15/03/1985")  # answered in full, live

    card = chat("rest-card")
    card.say("thẻ bhyt của tôi còn hạn không")
    card.say(f"mã bhxh {AN}")
    otps.append(records.otp(bhxh_code=AN))
    assert "DN4010101234567" in card.joined(otps[-1])

    benefits = chat("rest-benefits")
    benefits.say("tra cứu chế độ thai sản của tôi")
    benefits.say(BINH_CCCD)
    otps.append(records.otp(bhxh_code=BINH))
    assert "Thai sản:" in benefits.joined(otps[-1])

    handoff = chat("rest-handoff")
    handoff.say(f"sdt0912345678 cccd {BINH_CCCD} mã bhxh {BINH}")
    handoff.say("/request_human")
    handoff.say("(0912  345  678)")  # the callback number, kept on the ticket for the agent
    handoff.say(f"số thẻ DN4010101234567, cmnd 123456789, mã otp {otps[0]}, sđt 0987.654.321")

    env = {**os.environ, **rasa_stack.env}
    purge = subprocess.run(
        [sys.executable, "-m", "vssid.db.manage", "purge-outbox", "--retention", "0"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return {"senders": senders, "otps": otps, "logs": logs.new_text(), "purge": purge.stdout}


def _rows(url: str, query: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(url, future=True)
    with engine.connect() as conn:
        statement = sa.text(query).bindparams(
            *(
                sa.bindparam(name, expanding=True)
                for name, value in params.items()
                if isinstance(value, tuple)
            )
        )
        rows = [tuple(row) for row in conn.execute(statement, params)]
    engine.dispose()
    return rows


def test_tracker_store_holds_no_personal_number(rasa_stack: Any, conversations: dict[str, Any]) -> None:
    rows = _rows(
        rasa_stack.env["TRACKER_STORE_URL"],
        "SELECT data FROM events WHERE sender_id IN :senders",
        senders=tuple(conversations["senders"]),
    )
    assert len(rows) > 50
    texts = [s for (data,) in rows for s in _strings(json.loads(data))]
    assert any("xxxxxxx567" in t for t in texts)  # the numbers were there, masked
    assert _leaks("tracker store", texts, conversations["otps"]) == []


def test_transcripts_audit_log_and_outbox_hold_no_personal_number(
    rasa_stack: Any, conversations: dict[str, Any]
) -> None:
    url, senders, otps = (
        rasa_stack.env["DATABASE_URL"],
        tuple(conversations["senders"]),
        conversations["otps"],
    )
    transcript = _rows(
        url,
        "SELECT m.text FROM handoff_messages m JOIN handoff_tickets t ON t.id = m.ticket_id "
        "WHERE t.conversation_id IN :senders",
        senders=senders,
    )
    assert any("DNxxxxxxxxxx567" in text for (text,) in transcript)
    tickets = _rows(
        url, "SELECT topic, callback_phone FROM handoff_tickets WHERE conversation_id IN :s", s=senders
    )
    assert len(tickets) == 1
    assert tickets[0][1] in (None, AN_PHONE)  # by design: the number the agent calls back, kept in full
    audit = _rows(url, "SELECT event, subject, detail FROM audit_log WHERE conversation_id IN :s", s=senders)
    assert {"otp_sent", "verified"} <= {event for event, _, _ in audit}
    outbox = _rows(url, "SELECT recipient, body FROM outbox_messages")
    assert "masked" in conversations["purge"] and outbox
    texts = [
        *(text for (text,) in transcript),
        *(topic for topic, _ in tickets),
        *(str(v) for row in audit for v in row if v),
        *(v for row in outbox for v in row),
    ]
    assert _leaks("database", texts, otps) == []


def test_stack_logs_hold_no_personal_number(conversations: dict[str, Any]) -> None:
    logs = conversations["logs"]
    assert "OTP sent for xxxxxxx567 to 09xx xxx 678" in logs["actions.out"]
    lines = [line for text in logs.values() for line in text.splitlines()]
    leaks = [
        f"log: {number} in {line[:160]!r}"
        for line in lines
        for number in (*PERSONAL_NUMBERS, "123456789", *conversations["otps"])
        if re.search(rf"(?<!\d){number}(?!\d)", re.sub(r"(?<=\d)[\s.\-_()]{1,3}(?=\d)", "", line))
    ]
    assert leaks == []


@pytest.mark.parametrize(
    "text", ["sdt0912345678", "cccd 0791 9000 5678", "(091) 234 5678", "DN4010101234567", "mã 654321"]
)
def test_the_scan_sees_a_number_in_clear(text: str) -> None:
    assert _leaks("self-test", [text], ["654321"]) != []
    assert _leaks("self-test", [mask_text(text)], ["654321"]) == []
