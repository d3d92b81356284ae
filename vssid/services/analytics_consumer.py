"""Incremental consumer: Rasa's stored events -> the analytics tables.

Reads only the events after the cursor, in id order, from a table with Rasa's columns
``id, sender_id, data`` (JSON of the event): the SQL tracker store's ``events`` table (default)
or the ``events`` table of Rasa's SQL event broker (``ANALYTICS_EVENTS_URL``). One batch is
counted and the cursor moved in ONE transaction; the cursor moves with a compare-and-set, so two
consumers at once (two replicas, two dashboard requests) never count an event twice.

What is counted (day = local day of the event, channel = the user's input channel):
- user message: ``messages``; first message of the day in a conversation: ``conversations``;
  intent nlu_fallback: ``fallbacks`` + an unanswered row; out_of_scope, or an intent confidence
  below ``LOW_CONFIDENCE``: an unanswered row of that kind (typed text only, never a button);
  ``not_helpful`` right after a FAQ answer: ``topic_not_helpful``; ``rate``: ``ratings``
  (and ``topic_rating_bad`` for the last topic answered);
- bot message ``utter_faq/<topic>``: ``faq``; a new ticket's announcement: ``escalations`` (and
  ``topic_handoff``); the first agent reply after it: a first-reply time.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vssid.channels import channel_for_conversation
from vssid.constants import (
    INTENT_FAQ,
    INTENT_NLU_FALLBACK,
    INTENT_NOT_HELPFUL,
    INTENT_OUT_OF_SCOPE,
    INTENT_RATE,
    UTTER_FAQ_PREFIX,
    UTTER_HANDOFF_AFTER_HOURS,
    UTTER_HANDOFF_AGENT_REPLY,
    UTTER_HANDOFF_IN_HOURS,
)
from vssid.db import analytics as m
from vssid.privacy import mask_text
from vssid.services.tickets import RATING_BAD, normalize_rating

logger = logging.getLogger(__name__)

LOW_CONFIDENCE = 0.6
SOURCE = "events"
_ESCALATION_UTTERANCES = {UTTER_HANDOFF_IN_HOURS, UTTER_HANDOFF_AFTER_HOURS}


@dataclass(frozen=True)
class StoredEvent:
    id: int
    conversation_id: str
    data: dict[str, Any]


def read_events(engine: Engine, *, after_id: int, limit: int, table: str = "events") -> list[StoredEvent]:
    """Events with id > `after_id`, oldest first (none when the table does not exist yet)."""
    if not sa.inspect(engine).has_table(table):
        return []
    query = sa.text(f"SELECT id, sender_id, data FROM {table} WHERE id > :after ORDER BY id LIMIT :limit")
    events = []
    with engine.connect() as conn:
        for row in conn.execute(query, {"after": after_id, "limit": limit}):
            try:
                data = json.loads(row.data or "{}")
            except ValueError:
                logger.warning("Event %s is not JSON: skipped", row.id)
                continue
            events.append(StoredEvent(id=int(row.id), conversation_id=row.sender_id, data=data))
    return events


# --- counting one batch in memory ----------------------------------------------------------


@dataclass
class Batch:
    """What a batch of events adds; written by `_write` in one transaction."""

    counters: Counter = field(default_factory=Counter)  # (day, channel, metric, key) -> n
    conversation_days: set[tuple[date, str, str]] = field(default_factory=set)
    first_replies: list[m.AnalyticsFirstReply] = field(default_factory=list)
    unanswered: list[m.AnalyticsUnanswered] = field(default_factory=list)

    def add(self, day: date, channel: str, metric: str, key: str = "") -> None:
        self.counters[(day, channel, metric, key[:100])] += 1


def _when(event: dict[str, Any]) -> datetime:
    value = event.get("timestamp")
    return datetime.fromtimestamp(float(value), tz=timezone.utc) if value else datetime.now(timezone.utc)


def _faq_topic(parse_data: dict[str, Any]) -> str:
    selected = (parse_data.get("response_selector") or {}).get(INTENT_FAQ, {}).get("response", {}) or {}
    return str(selected.get("intent_response_key") or "").split("/", 1)[-1]


def guess_of(parse_data: dict[str, Any]) -> tuple[str, float]:
    """The NLU's best guess at a real request: 'faq/<topic>' or an intent, with its confidence."""
    for item in parse_data.get("intent_ranking") or []:
        name = item.get("name")
        if name and name not in (INTENT_NLU_FALLBACK, INTENT_OUT_OF_SCOPE):
            if name == INTENT_FAQ and _faq_topic(parse_data):
                return f"faq/{_faq_topic(parse_data)}", float(item.get("confidence") or 0.0)
            return name, float(item.get("confidence") or 0.0)
    return "", 0.0


def _rating_of(event: dict[str, Any]) -> str | None:
    entities = (event.get("parse_data") or {}).get("entities") or []
    value = next((e.get("value") for e in entities if e.get("entity") == "rating"), None)
    return normalize_rating(str(value) if value else event.get("text"))


class Aggregator:
    """Applies events to a batch, with the per-conversation state the batch needs."""

    def __init__(self, session: Session, tz: ZoneInfo) -> None:
        self.session = session
        self.tz = tz
        self.states: dict[str, m.AnalyticsConversation] = {}
        self.batch = Batch()

    def load_states(self, conversation_ids: Iterable[str]) -> None:
        ids = sorted(set(conversation_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = self.session.scalars(
                sa.select(m.AnalyticsConversation).where(m.AnalyticsConversation.conversation_id.in_(chunk))
            )
            self.states.update({row.conversation_id: row for row in rows})

    def _state(self, conversation_id: str, event: dict[str, Any]) -> m.AnalyticsConversation:
        state = self.states.get(conversation_id)
        if state is None:
            channel = event.get("input_channel") or channel_for_conversation(conversation_id, default="other")
            state = m.AnalyticsConversation(conversation_id=conversation_id, channel=str(channel)[:32])
            self.session.add(state)
            self.states[conversation_id] = state
        return state

    def apply(self, stored: StoredEvent) -> None:
        event = stored.data
        kind = event.get("event")
        if kind == "user":
            self._user(stored)
        elif kind == "bot":
            self._bot(stored)
        elif kind in ("session_started", "restart") and stored.conversation_id in self.states:
            self.states[stored.conversation_id].last_topic = None

    def _user(self, stored: StoredEvent) -> None:
        event, conversation_id = stored.data, stored.conversation_id
        state = self._state(conversation_id, event)
        if event.get("input_channel"):
            # The session-start greeting (a bot event, no channel) may have been seen first.
            state.channel = str(event["input_channel"])[:32]
        when = _when(event)
        day, channel = when.astimezone(self.tz).date(), state.channel
        batch = self.batch
        batch.add(day, channel, m.METRIC_MESSAGES)
        batch.conversation_days.add((day, conversation_id, channel))
        parse_data = event.get("parse_data") or {}
        intent = (parse_data.get("intent") or {}).get("name")
        confidence = float((parse_data.get("intent") or {}).get("confidence") or 0.0)
        text = str(event.get("text") or "")
        if intent == INTENT_NOT_HELPFUL and state.last_topic:
            batch.add(day, channel, m.METRIC_TOPIC_NOT_HELPFUL, state.last_topic)
        if intent == INTENT_RATE:
            rating = _rating_of(event)
            if rating:
                batch.add(day, channel, m.METRIC_RATINGS, rating)
                if rating == RATING_BAD and state.last_topic:
                    batch.add(day, channel, m.METRIC_TOPIC_RATING_BAD, state.last_topic)
        if intent == INTENT_NLU_FALLBACK:
            batch.add(day, channel, m.METRIC_FALLBACKS)
            self._unanswered(stored, day, when, channel, m.KIND_FALLBACK, text, parse_data)
        elif intent == INTENT_OUT_OF_SCOPE and text and not text.startswith("/"):
            self._unanswered(stored, day, when, channel, m.KIND_OUT_OF_SCOPE, text, parse_data)
        elif intent and confidence < LOW_CONFIDENCE and text and not text.startswith("/"):
            batch.add(day, channel, m.METRIC_LOW_CONFIDENCE)
            self._unanswered(stored, day, when, channel, m.KIND_LOW_CONFIDENCE, text, parse_data)

    def _unanswered(
        self,
        stored: StoredEvent,
        day: date,
        when: datetime,
        channel: str,
        kind: str,
        text: str,
        parse_data: dict[str, Any],
    ) -> None:
        guess, confidence = guess_of(parse_data)
        self.batch.unanswered.append(
            m.AnalyticsUnanswered(
                event_id=stored.id,
                day=day,
                channel=channel,
                conversation_id=stored.conversation_id,
                created_at=when,
                kind=kind,
                text=mask_text(text)[:2000],
                guess=guess[:100],
                confidence=confidence,
            )
        )

    def _bot(self, stored: StoredEvent) -> None:
        event = stored.data
        utter = str((event.get("metadata") or {}).get("utter_action") or "")
        if not utter:
            return
        state = self._state(stored.conversation_id, event)
        when = _when(event)
        day, channel = when.astimezone(self.tz).date(), state.channel
        if utter.startswith(UTTER_FAQ_PREFIX):
            topic = utter[len(UTTER_FAQ_PREFIX) :]
            self.batch.add(day, channel, m.METRIC_FAQ, topic)
            state.last_topic = topic[:100]
        elif utter in _ESCALATION_UTTERANCES:
            self.batch.add(day, channel, m.METRIC_ESCALATIONS)
            if state.last_topic:
                self.batch.add(day, channel, m.METRIC_TOPIC_HANDOFF, state.last_topic)
            state.escalated_at = when
        elif utter == UTTER_HANDOFF_AGENT_REPLY and state.escalated_at is not None:
            escalated = state.escalated_at
            self.batch.first_replies.append(
                m.AnalyticsFirstReply(
                    day=escalated.astimezone(self.tz).date(),
                    channel=channel,
                    conversation_id=stored.conversation_id,
                    seconds=max(0.0, (when - escalated).total_seconds()),
                )
            )
            state.escalated_at = None

    def write(self) -> None:
        """Add the batch's counters to the tables (the caller commits)."""
        session, batch = self.session, self.batch
        for day, conversation_id, channel in sorted(batch.conversation_days):
            if session.get(m.AnalyticsConversationDay, (day, conversation_id)) is None:
                session.add(m.AnalyticsConversationDay(day=day, conversation_id=conversation_id))
                batch.add(day, channel, m.METRIC_CONVERSATIONS)
        session.flush()
        for (day, channel, metric, key), value in sorted(batch.counters.items()):
            row = session.get(m.AnalyticsDaily, (day, channel, metric, key))
            if row is None:
                session.add(m.AnalyticsDaily(day=day, channel=channel, metric=metric, key=key, value=value))
            else:
                row.value += value
        session.add_all(batch.first_replies)
        session.add_all(batch.unanswered)


class _LostRace(Exception):
    """Another consumer moved the cursor first: this batch is theirs."""


def consume_batch(session: Session, events_engine: Engine, tz: ZoneInfo, *, limit: int = 2000) -> int:
    """Count the next batch of events; return how many were read (0 = caught up or lost a race)."""
    try:
        return _consume_batch(session, events_engine, tz, limit=limit)
    except (_LostRace, IntegrityError):
        return 0


def _consume_batch(session: Session, events_engine: Engine, tz: ZoneInfo, *, limit: int) -> int:
    with session.begin():
        cursor = session.get(m.AnalyticsCursor, SOURCE)
        last = cursor.last_event_id if cursor else 0
        events = read_events(events_engine, after_id=last, limit=limit)
        if not events:
            return 0
        new_last = events[-1].id
        if cursor is None:
            session.add(m.AnalyticsCursor(source=SOURCE, last_event_id=new_last))
            session.flush()  # a concurrent first consumer fails here on the primary key
        else:
            moved = session.execute(
                sa.update(m.AnalyticsCursor)
                .where(m.AnalyticsCursor.source == SOURCE, m.AnalyticsCursor.last_event_id == last)
                .values(last_event_id=new_last, updated_at=datetime.now(timezone.utc))
                .execution_options(synchronize_session=False)
            ).rowcount
            if moved != 1:
                raise _LostRace
        aggregator = Aggregator(session, tz)
        aggregator.load_states(e.conversation_id for e in events)
        for event in events:
            aggregator.apply(event)
        aggregator.write()
    return len(events)
