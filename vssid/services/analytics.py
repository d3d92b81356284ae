"""Operator analytics: what users ask, where the bot fails, what to add to the knowledge base.

`AnalyticsService` is what the dashboard and the CLI call. Every read first brings the tables
up to date (``refresh``: only the events stored since the last call, see
``analytics_consumer``), then answers from the small aggregated tables. Blocking; async callers
go through ``vssid.aio.run_blocking``. No Rasa imports.
"""

from __future__ import annotations

import re
import statistics
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from vssid import settings
from vssid.db import analytics as m
from vssid.services.analytics_consumer import consume_batch
from vssid.services.kb_search import TopicMatch, get_kb_index
from vssid.services.unanswered_groups import group_unanswered

MAX_DAYS = 366
MAX_BATCHES_PER_REFRESH = 50
UNANSWERED_ROWS = 5000
# A topic needs attention when this share of its answers was followed by "không đúng" or a handoff.
BAD_FOLLOW_UP_SHARE = 0.2
_DAYS = re.compile(r"[0-9]{1,4}")  # ASCII digits only: str.isdigit() also accepts "７" and "²"


class InvalidRange(ValueError):
    """`days` is not a whole number of days between 1 and MAX_DAYS."""


def parse_days(raw: str | None, default: int = 7) -> int:
    """The `days` query parameter: 1..MAX_DAYS, else InvalidRange."""
    if raw is None or raw == "":
        return default
    if not _DAYS.fullmatch(raw) or not 1 <= int(raw) <= MAX_DAYS:
        raise InvalidRange(f"days must be a whole number between 1 and {MAX_DAYS}")
    return int(raw)


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


class AnalyticsService:
    """Reads events incrementally from `events_url`; keeps and reads its tables on `database_url`."""

    def __init__(
        self,
        sessions: sessionmaker,
        events_engine: sa.engine.Engine,
        *,
        tz: str = "Asia/Ho_Chi_Minh",
        topic_titles: Callable[[], dict[str, str]] | None = None,
        search: Callable[[str], list[TopicMatch]] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        batch_size: int = 2000,
    ) -> None:
        self.sessions = sessions
        self.events_engine = events_engine
        self.tz = ZoneInfo(tz)
        self._topic_titles = topic_titles or _kb_titles
        self._search = search or _kb_search
        self.clock = clock
        self.batch_size = batch_size
        # One refresh at a time in this process; across processes the cursor's compare-and-set decides.
        self._refresh_lock = threading.Lock()

    @classmethod
    def from_settings(cls) -> AnalyticsService:
        from vssid.db.engine import get_engine, get_sessionmaker

        return cls(
            get_sessionmaker(settings.database_url()),
            get_engine(settings.analytics_events_url()),
            tz=settings.analytics_timezone(),
        )

    # --- keeping the tables up to date ---------------------------------------------------

    def refresh(self) -> int:
        """Count the events stored since the last refresh; return how many were read."""
        total = 0
        with self._refresh_lock:
            for _ in range(MAX_BATCHES_PER_REFRESH):
                with self.sessions() as session:
                    read = consume_batch(session, self.events_engine, self.tz, limit=self.batch_size)
                total += read
                if not read:
                    break
        return total

    def period(self, days: int) -> Period:
        today = self.clock().astimezone(self.tz).date()
        return Period(first=today - timedelta(days=days - 1), last=today)

    # --- figures ---------------------------------------------------------------------------

    def stats(self, days: int) -> dict[str, Any]:
        """Totals and per-day, per-channel figures of the last `days` local days (today included)."""
        self.refresh()
        period = self.period(days)
        with self.sessions() as session:
            rows = session.execute(
                sa.select(m.AnalyticsDaily).where(m.AnalyticsDaily.day.between(period.first, period.last))
            ).scalars()
            counters = [(r.day, r.channel, r.metric, r.key, r.value) for r in rows]
            replies = session.execute(
                sa.select(
                    m.AnalyticsFirstReply.day, m.AnalyticsFirstReply.channel, m.AnalyticsFirstReply.seconds
                ).where(m.AnalyticsFirstReply.day.between(period.first, period.last))
            ).all()
        return _stats_view(period, counters, replies)

    def unanswered(self, days: int, *, limit: int = 100) -> dict[str, Any]:
        """Fallback and low-confidence messages (masked), grouped by similarity, most frequent first."""
        self.refresh()
        period = self.period(days)
        with self.sessions() as session:
            rows = session.execute(
                sa.select(
                    m.AnalyticsUnanswered.text,
                    m.AnalyticsUnanswered.guess,
                    m.AnalyticsUnanswered.kind,
                    m.AnalyticsUnanswered.channel,
                    m.AnalyticsUnanswered.created_at,
                )
                .where(m.AnalyticsUnanswered.day.between(period.first, period.last))
                .order_by(m.AnalyticsUnanswered.id.desc())
                .limit(UNANSWERED_ROWS)
            ).all()
        titles = self._topic_titles()
        items = []
        for group in group_unanswered(rows)[:limit]:
            topic = group.guess.split("/", 1)[1] if group.guess.startswith("faq/") else ""
            found = self._search(group.text)
            items.append(
                {
                    "text": group.text,
                    "count": group.count,
                    "guess": group.guess,
                    "guess_topic": topic,
                    "guess_title": titles.get(topic, ""),
                    # The topic to propose by default: the kb/ search's best (right more often than
                    # the NLU's guess on fallback messages, bench/RESULTS.md "Operators"), else the guess.
                    "suggested_topic": found[0].topic if found else topic,
                    "kinds": group.kinds,
                    "channels": group.channels,
                    "variants": group.variants,
                    "last_seen": group.last_seen.isoformat(),
                }
            )
        return {"days": days, "from": period.first.isoformat(), "to": period.last.isoformat(), "items": items}

    def kb_health(self, days: int) -> dict[str, Any]:
        """Per topic: answers, "không đúng" after it, handoffs after it, bad ratings; topics never asked."""
        stats = self.stats(days)
        titles = self._topic_titles()
        per_topic: dict[str, Counter] = defaultdict(Counter)
        for metric in (
            m.METRIC_FAQ,
            m.METRIC_TOPIC_NOT_HELPFUL,
            m.METRIC_TOPIC_HANDOFF,
            m.METRIC_TOPIC_RATING_BAD,
        ):
            for topic, value in stats["by_metric_key"].get(metric, {}).items():
                per_topic[topic][metric] += value
        topics = []
        for topic, title in sorted(titles.items()):
            counts = per_topic.get(topic, Counter())
            answers = counts[m.METRIC_FAQ]
            bad = counts[m.METRIC_TOPIC_NOT_HELPFUL] + counts[m.METRIC_TOPIC_HANDOFF]
            topics.append(
                {
                    "topic": topic,
                    "title": title,
                    "answers": answers,
                    "not_helpful": counts[m.METRIC_TOPIC_NOT_HELPFUL],
                    "handoffs": counts[m.METRIC_TOPIC_HANDOFF],
                    "bad_ratings": counts[m.METRIC_TOPIC_RATING_BAD],
                    "needs_attention": bool(
                        answers
                        and (bad / answers >= BAD_FOLLOW_UP_SHARE or counts[m.METRIC_TOPIC_RATING_BAD] > 0)
                    ),
                }
            )
        topics.sort(key=lambda t: (not t["needs_attention"], -(t["not_helpful"] + t["handoffs"]), t["topic"]))
        never = [t["topic"] for t in topics if t["answers"] == 0]
        return {"days": days, "topics": topics, "never_asked": never}

    def csv_rows(self, days: int) -> list[list[str | int | float]]:
        """Per day and channel, the dashboard's columns, for the CSV export."""
        stats = self.stats(days)
        header: list[str | int | float] = [
            "day", "channel", "conversations", "messages", "faq_answers", "fallbacks",
            "escalations", "median_first_reply_seconds", "ratings_good", "ratings_neutral", "ratings_bad",
        ]  # fmt: skip
        rows = [header]
        for entry in stats["days"]:
            for channel, figures in sorted(entry["channels"].items()):
                median = figures["median_first_reply_seconds"]
                rows.append(
                    [
                        entry["day"],
                        channel,
                        figures["conversations"],
                        figures["messages"],
                        figures["faq_answers"],
                        figures["fallbacks"],
                        figures["escalations"],
                        "" if median is None else round(median, 1),
                        figures["ratings"].get("good", 0),
                        figures["ratings"].get("neutral", 0),
                        figures["ratings"].get("bad", 0),
                    ]  # fmt: skip
                )
        return rows


def _kb_search(text: str) -> list[TopicMatch]:
    return get_kb_index().search(text, limit=1)


def _kb_titles() -> dict[str, str]:
    from kb import topic_titles

    return topic_titles()


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _empty_figures() -> dict[str, Any]:
    return {
        "conversations": 0,
        "messages": 0,
        "faq_answers": 0,
        "fallbacks": 0,
        "low_confidence": 0,
        "escalations": 0,
        "topics": {},
        "ratings": {},
        "median_first_reply_seconds": None,
    }


_SIMPLE = {
    m.METRIC_CONVERSATIONS: "conversations",
    m.METRIC_MESSAGES: "messages",
    m.METRIC_FALLBACKS: "fallbacks",
    m.METRIC_LOW_CONFIDENCE: "low_confidence",
    m.METRIC_ESCALATIONS: "escalations",
}


def _add(figures: dict[str, Any], metric: str, key: str, value: int) -> None:
    if metric in _SIMPLE:
        figures[_SIMPLE[metric]] += value
    elif metric == m.METRIC_FAQ:
        figures["faq_answers"] += value
        figures["topics"][key] = figures["topics"].get(key, 0) + value
    elif metric == m.METRIC_RATINGS:
        figures["ratings"][key] = figures["ratings"].get(key, 0) + value


def _stats_view(
    period: Period, counters: list[tuple[date, str, str, str, int]], replies: list[Any]
) -> dict[str, Any]:
    total = _empty_figures()
    per_day: dict[date, dict[str, dict[str, Any]]] = {day: {} for day in period.days}
    per_day_all: dict[date, dict[str, Any]] = {day: _empty_figures() for day in period.days}
    by_metric_key: dict[str, Counter] = defaultdict(Counter)
    for day, channel, metric, key, value in counters:
        _add(total, metric, key, value)
        _add(per_day_all[day], metric, key, value)
        _add(per_day[day].setdefault(channel, _empty_figures()), metric, key, value)
        if key:
            by_metric_key[metric][key] += value
    waits: dict[tuple[date, str], list[float]] = defaultdict(list)
    for day, channel, seconds in replies:
        waits[(day, channel)].append(seconds)
        per_day[day].setdefault(channel, _empty_figures())
    for (day, channel), values in waits.items():
        per_day[day][channel]["median_first_reply_seconds"] = _median(values)
    for day in period.days:
        per_day_all[day]["median_first_reply_seconds"] = _median(
            [s for (d, _), values in waits.items() if d == day for s in values]
        )
    total["median_first_reply_seconds"] = _median([s for values in waits.values() for s in values])
    channels = sorted({channel for day in per_day.values() for channel in day})
    return {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        **total,
        "topics": dict(sorted(total["topics"].items(), key=lambda kv: (-kv[1], kv[0]))),
        "channels": channels,
        "days": [
            {"day": day.isoformat(), **per_day_all[day], "channels": per_day[day]} for day in period.days
        ],
        "by_metric_key": {metric: dict(counts) for metric, counts in by_metric_key.items()},
    }
