"""Golden transcripts: conversations whose bot messages must match exactly, read from YAML.

A transcript file (tests/golden/*.yml) holds `conversations`, each a `name` and `turns`. A turn
is one of

- `user: <text>`: a message over the REST channel;
- `otp: <bhxh code>` / `wrong_otp: <bhxh code>`: the latest OTP sent to that person (read from
  the outbox), or a wrong 6-digit code;
- `agent: resolve`: a hotline agent claims and resolves the conversation's ticket in the
  console (the bot's messages are then read from the tracker);

and `bot`: the bot's COMPLETE list of messages for that turn, in order. A message is a string
(text, and no buttons) or a mapping with `text` and `buttons` (`[{title, payload}]`, compared
exactly) or `one_of` (alternative texts, e.g. in or out of the hotline's hours). Texts may hold
placeholders: `{ticket}` (any ticket number), `{year}` (this year), and for demo data that is
generated relative to today `{date}` (any dd/mm/yyyy) and `{n}` (any number).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import requests
import yaml

GOLDEN_DIR = Path(__file__).resolve().parent
# Placeholder -> regular expression; None: replaced by its value at run time.
PLACEHOLDERS = {"ticket": r"\d+", "year": None, "date": r"\d{2}/\d{2}/\d{4}", "n": r"\d+"}
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


@dataclass(frozen=True)
class Conversation:
    file: str
    name: str
    turns: list[dict[str, Any]] = field(hash=False)

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"


def load_conversations(directory: Path = GOLDEN_DIR) -> list[Conversation]:
    found: list[Conversation] = []
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("conversations") or []:
            found.append(Conversation(file=path.stem, name=item["name"], turns=item["turns"]))
    return found


# --- comparing ---------------------------------------------------------------------------------


def _pattern(template: str) -> re.Pattern[str]:
    values = {"year": str(date.today().year)}
    parts, position = [], 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[position : match.start()]))
        key = match.group(1)
        parts.append(PLACEHOLDERS[key] or re.escape(values[key]))
        position = match.end()
    parts.append(re.escape(template[position:]))
    return re.compile("".join(parts), re.DOTALL)


def _expected_message(item: Any) -> dict[str, Any]:
    if isinstance(item, str):
        return {"texts": [item], "buttons": []}
    texts = item.get("one_of") or [item["text"]]
    return {"texts": texts, "buttons": item.get("buttons") or []}


def _buttons(message: dict[str, Any]) -> list[dict[str, str]]:
    return [{"title": b.get("title"), "payload": b.get("payload")} for b in message.get("buttons") or []]


def message_matches(expected: Any, actual: dict[str, Any]) -> bool:
    want = _expected_message(expected)
    text = actual.get("text") or ""
    return any(_pattern(t).fullmatch(text) for t in want["texts"]) and want["buttons"] == _buttons(actual)


def turn_matches(expected: list[Any], actual: list[dict[str, Any]]) -> bool:
    return len(expected) == len(actual) and all(
        message_matches(e, a) for e, a in zip(expected, actual, strict=True)
    )


def _render_message(lines: list[str], text: str, buttons: list[dict[str, str]]) -> None:
    first, *rest = text.split("\n")
    lines.append(f"  bot: {first}")
    lines += [f"       {line}" for line in rest]
    lines += [f"       [{b['title']}] -> {b['payload']}" for b in buttons]


def render(turns: list[tuple[str, list[Any]]], *, expected: bool) -> list[str]:
    """A readable transcript: one line per user message, bot line and button."""
    lines: list[str] = []
    for said, messages in turns:
        lines.append(f"user: {said}")
        for message in messages:
            if expected:
                want = _expected_message(message)
                _render_message(lines, " | ".join(want["texts"]), want["buttons"])
            else:
                _render_message(lines, message.get("text") or "", _buttons(message))
    return lines


def diff(expected: list[tuple[str, list[Any]]], actual: list[tuple[str, list[dict[str, Any]]]]) -> str:
    return "\n".join(
        difflib.unified_diff(
            render(expected, expected=True),
            render(actual, expected=False),
            "expected",
            "actual",
            lineterm="",
            n=20,
        )
    )


def as_golden(actual: list[tuple[str, list[dict[str, Any]]]], turns: list[dict[str, Any]]) -> list[Any]:
    """The actual conversation in the transcript format (to review a new or changed golden)."""
    out = []
    for (_, messages), turn in zip(actual, turns, strict=False):  # a failed run stops early
        step = {k: v for k, v in turn.items() if k != "bot"}
        step["bot"] = [
            {"text": m.get("text") or "", "buttons": _buttons(m)} if m.get("buttons") else m.get("text") or ""
            for m in messages
        ]
        out.append(step)
    return out


# --- talking to the stack ----------------------------------------------------------------------


class AgentConsole:
    """A hotline agent using the console's HTTP API."""

    def __init__(self, base_url: str, token: str, name: str = "Lan") -> None:
        self.api = f"{base_url}/webhooks/agent/api"
        self.headers = {"Authorization": f"Bearer {token}"}
        self.name = name

    def ticket_of(self, conversation_id: str) -> int:
        """The open ticket of `conversation_id`, on whichever page of the queue it is (other
        conversations' tickets may fill the first ones)."""
        page, seen = 1, 0
        while True:
            answer = requests.get(
                f"{self.api}/tickets",
                params={"page": page, "per_page": 200},
                headers=self.headers,
                timeout=30,
            )
            answer.raise_for_status()
            body = answer.json()
            found = [t["id"] for t in body["tickets"] if t["conversation_id"] == conversation_id]
            seen += len(body["tickets"])
            if found:
                return found[0]
            if not body["tickets"] or seen >= body["total"]:
                raise AssertionError(f"no open ticket of {conversation_id} in the queue")
            page += 1

    def act(self, ticket_id: int, action: str) -> None:
        answer = requests.post(
            f"{self.api}/tickets/{ticket_id}/{action}",
            json={"agent": self.name},
            headers=self.headers,
            timeout=60,
        )
        assert answer.status_code == 200, answer.text

    def resolve(self, conversation_id: str) -> None:
        ticket_id = self.ticket_of(conversation_id)
        self.act(ticket_id, "claim")
        self.act(ticket_id, "resolve")


def bot_events(tracker: dict[str, Any]) -> list[dict[str, Any]]:
    """Bot messages recorded in a tracker, shaped like REST channel messages."""
    out = []
    for event in tracker["events"]:
        if event["event"] == "bot":
            message: dict[str, Any] = {"text": event.get("text")}
            buttons = (event.get("data") or {}).get("buttons")
            if buttons:
                message["buttons"] = buttons
            out.append(message)
    return out
