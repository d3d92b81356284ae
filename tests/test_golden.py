"""Golden transcripts (tests/golden/*.yml) against the running stack: the bot's whole sequence
of messages in every turn, exact texts and buttons.

On a mismatch the test prints a readable diff, and every run writes the actual conversations in
the transcript format to test-artifacts/golden/ (`python -m tests.golden.record` writes them back).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.conftest import ARTIFACTS, new_sender
from tests.golden import runner
from tests.records.e2e_support import RecordsBackdoor

pytestmark = pytest.mark.e2e

CONVERSATIONS = runner.load_conversations()
# GOLDEN_RECORD=1 plays every turn even after a mismatch, to record a whole new transcript.
RECORD = os.environ.get("GOLDEN_RECORD") == "1"


@pytest.fixture(scope="module")
def records(rasa_stack) -> Iterator[RecordsBackdoor]:
    backdoor = RecordsBackdoor(rasa_stack.env["DATABASE_URL"])
    yield backdoor
    backdoor.close()


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _play(turn: dict[str, Any], sender: str, rasa_stack, records: RecordsBackdoor) -> tuple[str, list]:
    """Play one turn; return (what the user did, the bot's messages)."""
    if "agent" in turn:
        assert turn["agent"] == "resolve", turn
        before = len(runner.bot_events(rasa_stack.tracker(sender)))
        runner.AgentConsole(rasa_stack.url, rasa_stack.env["AGENT_TOKEN"]).resolve(sender)
        return "(agent resolves the ticket)", runner.bot_events(rasa_stack.tracker(sender))[before:]
    if "otp" in turn:
        text = records.otp(bhxh_code=str(turn["otp"]))
    elif "wrong_otp" in turn:
        text = _wrong(records.otp(bhxh_code=str(turn["wrong_otp"])))
    else:
        text = str(turn["user"])
    return text, rasa_stack.send(sender, text)


def test_there_are_enough_golden_conversations() -> None:
    files = {c.file for c in CONVERSATIONS}
    assert {"key_conversations", "follow_ups", "look_alike_apps"} <= files
    assert sum(c.file == "key_conversations" for c in CONVERSATIONS) >= 20
    assert sum(c.file == "follow_ups" for c in CONVERSATIONS) >= 10


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=lambda c: c.id)
def test_golden_conversation(conversation: runner.Conversation, rasa_stack, records) -> None:
    records.reset_demo_identities()
    sender = new_sender("golden")
    expected, actual = [], []
    for turn in conversation.turns:
        said, messages = _play(turn, sender, rasa_stack, records)
        expected.append((turn.get("user") or next(iter(turn.values())), turn["bot"]))
        actual.append((said, messages))
        if not RECORD and not runner.turn_matches(turn["bot"], messages):
            break
    out = ARTIFACTS / "golden" / f"{conversation.file}__{conversation.name.replace(' ', '_')}.yml"
    out.parent.mkdir(parents=True, exist_ok=True)
    recorded = {"name": conversation.name, "turns": runner.as_golden(actual, conversation.turns)}
    out.write_text(yaml.safe_dump(recorded, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")
    mismatch = [
        i
        for i, ((_, want), (_, got)) in enumerate(zip(expected, actual, strict=True))
        if not runner.turn_matches(want, got)
    ]
    assert not mismatch, f"{conversation.id}: turn {mismatch[0] + 1} differs\n" + runner.diff(
        expected, actual
    )
