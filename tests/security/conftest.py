"""What the attack and fault tests share: a chat over Rasa's REST channel, the records backdoor
(OTPs from the outbox), the action server's address and secret, and the stack's new log lines."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARTIFACTS, new_sender
from tests.records.e2e_support import RecordsBackdoor

AN, AN_CCCD, AN_PHONE = "0101234567", "001085001234", "0912345678"
BINH, BINH_CCCD = "7901234568", "079190005678"
LOGS = ARTIFACTS / "stack-logs"


@pytest.fixture(scope="module")
def records(rasa_stack: Any) -> Iterator[RecordsBackdoor]:
    backdoor = RecordsBackdoor(rasa_stack.env["DATABASE_URL"])
    yield backdoor
    backdoor.close()


class Chat:
    """One conversation over the REST channel; `say` returns the bot's texts in order."""

    def __init__(self, stack: Any, prefix: str = "security") -> None:
        self.stack = stack
        self.sender = new_sender(prefix)

    def say(self, text: str) -> list[str]:
        return self.stack.texts(self.sender, text)

    def joined(self, text: str) -> str:
        return "\n".join(self.say(text))


@pytest.fixture
def new_chat(rasa_stack: Any, records: RecordsBackdoor) -> Callable[..., Chat]:
    records.reset_demo_identities()
    return lambda prefix="security": Chat(rasa_stack, prefix)


class LogTail:
    """What the stack wrote to its logs since this object was made (the files are appended to)."""

    def __init__(self, directory: Path = LOGS) -> None:
        self.directory = directory
        self.offsets = {path.name: path.stat().st_size for path in directory.glob("*.out")}

    def new_text(self) -> dict[str, str]:
        texts = {}
        for path in self.directory.glob("*.out"):
            with path.open("rb") as file:
                file.seek(self.offsets.get(path.name, 0))
                texts[path.name] = file.read().decode("utf-8", errors="replace")
        return texts
