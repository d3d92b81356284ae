"""Operator analytics: counters aggregated incrementally from the conversations' events.

The consumer (``vssid.services.analytics``) reads only the events after ``AnalyticsCursor`` and
adds them here, so the dashboard reads small tables and never scans the trackers.
Schema changes go through Alembic (``migrations/versions/0004_analytics.py``).
"""

from __future__ import annotations

import sqlalchemy as sa

from vssid.db.base import Base, UtcDateTime, utcnow

# Metrics of AnalyticsDaily (key = '' unless said otherwise).
METRIC_CONVERSATIONS = "conversations"
METRIC_MESSAGES = "messages"
METRIC_FALLBACKS = "fallbacks"
METRIC_LOW_CONFIDENCE = "low_confidence"
METRIC_ESCALATIONS = "escalations"
METRIC_FAQ = "faq"  # key = topic answered
METRIC_RATINGS = "ratings"  # key = good / neutral / bad
METRIC_TOPIC_NOT_HELPFUL = "topic_not_helpful"  # key = topic answered just before "không đúng"
METRIC_TOPIC_HANDOFF = "topic_handoff"  # key = last topic answered before an escalation
METRIC_TOPIC_RATING_BAD = "topic_rating_bad"  # key = last topic answered before a bad rating

KIND_FALLBACK = "fallback"
KIND_LOW_CONFIDENCE = "low_confidence"
KIND_OUT_OF_SCOPE = "out_of_scope"  # answered "I cannot help with that": maybe a topic to add


class AnalyticsCursor(Base):
    """Id of the last event of `source` already counted."""

    __tablename__ = "analytics_cursor"

    source = sa.Column(sa.String(64), primary_key=True)
    last_event_id = sa.Column(sa.BigInteger, nullable=False, default=0)
    updated_at = sa.Column(UtcDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class AnalyticsDaily(Base):
    """One counter per local day, channel, metric and key."""

    __tablename__ = "analytics_daily"

    day = sa.Column(sa.Date, primary_key=True)
    channel = sa.Column(sa.String(32), primary_key=True)
    metric = sa.Column(sa.String(32), primary_key=True)
    key = sa.Column(sa.String(100), primary_key=True, default="")
    value = sa.Column(sa.Integer, nullable=False, default=0)


class AnalyticsConversationDay(Base):
    """A conversation was active (a user message) on a day: counted once per day."""

    __tablename__ = "analytics_conversation_days"

    day = sa.Column(sa.Date, primary_key=True)
    conversation_id = sa.Column(sa.String(255), primary_key=True)


class AnalyticsConversation(Base):
    """What the consumer must remember of a conversation between two batches."""

    __tablename__ = "analytics_conversations"

    conversation_id = sa.Column(sa.String(255), primary_key=True)
    channel = sa.Column(sa.String(32), nullable=False)
    last_topic = sa.Column(sa.String(100), nullable=True)
    escalated_at = sa.Column(UtcDateTime, nullable=True)  # waiting for a first agent reply


class AnalyticsFirstReply(Base):
    """Time from an escalation to the agent's first reply (median on the dashboard)."""

    __tablename__ = "analytics_first_replies"

    id = sa.Column(sa.Integer, primary_key=True)
    day = sa.Column(sa.Date, nullable=False, index=True)
    channel = sa.Column(sa.String(32), nullable=False)
    conversation_id = sa.Column(sa.String(255), nullable=False)
    seconds = sa.Column(sa.Float, nullable=False)


class AnalyticsUnanswered(Base):
    """A message the bot did not understand (fallback) or barely did; the text is masked."""

    __tablename__ = "analytics_unanswered"
    __table_args__ = (sa.Index("ix_analytics_unanswered_day_kind", "day", "kind"),)

    id = sa.Column(sa.Integer, primary_key=True)
    event_id = sa.Column(sa.BigInteger, nullable=False, unique=True)
    day = sa.Column(sa.Date, nullable=False)
    channel = sa.Column(sa.String(32), nullable=False)
    conversation_id = sa.Column(sa.String(255), nullable=False)
    created_at = sa.Column(UtcDateTime, nullable=False)
    kind = sa.Column(sa.String(16), nullable=False)
    text = sa.Column(sa.Text, nullable=False)
    guess = sa.Column(sa.String(100), nullable=False, default="")
    confidence = sa.Column(sa.Float, nullable=False, default=0.0)
