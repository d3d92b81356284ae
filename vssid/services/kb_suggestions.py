"""Example questions suggested by agents for kb/ editors to review (never training data directly).

One YAML file per topic under ``settings.kb_suggestions_dir()`` (default ``var/kb_suggestions``,
outside kb/ so nothing here changes the model)::

    topic: forgot_password
    suggestions:
      - text: quen mk vssid thi sao       # masked when stored
        count: 3                          # how often users asked it
        suggested_by: Lan
        suggested_at: '2026-12-02T07:30:00+00:00'
        status: pending                   # editors set accepted / rejected

An editor copies accepted texts into ``kb/<topic>.yml`` ``examples`` and retrains.
"""

from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import yaml

from vssid import settings
from vssid.privacy import mask_text

STATUS_PENDING = "pending"
MAX_TEXT = 500

_lock = threading.Lock()


class InvalidSuggestion(ValueError):
    """Unknown topic or empty text."""


@dataclass(frozen=True)
class Suggestion:
    topic: str
    text: str
    count: int
    suggested_by: str
    suggested_at: str
    status: str


def _path(directory: Path, topic: str) -> Path:
    return directory / f"{topic}.yml"


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):  # not a suggestion file (e.g. an export saved here): ignored
        return []
    return [item for item in data.get("suggestions") or [] if isinstance(item, dict)]


def _write(path: Path, topic: str, items: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump({"topic": topic, "suggestions": items}, allow_unicode=True, sort_keys=False)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{topic}.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(body)
    os.replace(tmp, path)


def suggest(
    *,
    topic: str,
    text: str,
    count: int = 1,
    agent: str = "",
    known_topics: set[str],
    directory: Path | None = None,
) -> Suggestion:
    """Add (or count again) `text` as a suggested example of `topic`; the text is stored masked."""
    if topic not in known_topics:
        raise InvalidSuggestion(f"unknown topic {topic!r}")
    clean = " ".join(mask_text(text or "").split())[:MAX_TEXT]
    if not clean:
        raise InvalidSuggestion("empty text")
    directory = directory or settings.kb_suggestions_dir()
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with _lock:
        path = _path(directory, topic)
        items = _read(path)
        existing = next((item for item in items if item.get("text") == clean), None)
        if existing is None:
            existing = {
                "text": clean,
                "count": max(1, int(count)),
                "suggested_by": " ".join(agent.split())[:100],
                "suggested_at": now,
                "status": STATUS_PENDING,
            }
            items.append(existing)
        else:
            existing["count"] = max(int(existing.get("count") or 1), int(count))
        _write(path, topic, items)
    return _suggestion(topic, existing)


def _suggestion(topic: str, item: dict) -> Suggestion:
    return Suggestion(
        topic=topic,
        text=str(item.get("text", "")),
        count=int(item.get("count") or 1),
        suggested_by=str(item.get("suggested_by") or ""),
        suggested_at=str(item.get("suggested_at") or ""),
        status=str(item.get("status") or STATUS_PENDING),
    )


def list_suggestions(directory: Path | None = None, *, status: str | None = None) -> list[Suggestion]:
    """Every suggestion, by topic then most frequent first; `status` filters (e.g. 'pending')."""
    directory = directory or settings.kb_suggestions_dir()
    found = []
    for path in sorted(directory.glob("*.yml")) if directory.exists() else []:
        for item in _read(path):
            suggestion = _suggestion(path.stem, item)
            if status is None or suggestion.status == status:
                found.append(suggestion)
    return sorted(found, key=lambda s: (s.topic, -s.count, s.text))
