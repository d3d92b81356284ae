"""The consumer counts each stored event once and the service answers from its own tables."""

from __future__ import annotations

from datetime import timedelta

from tests.operators.conftest import NOW


def _seed(log) -> None:
    log.user("web-a", "quên mật khẩu vssid", "faq", topic="forgot_password", channel="webchat")
    log.bot("web-a", "utter_faq/forgot_password")
    log.user("web-a", "không đúng", "not_helpful", channel="webchat")
    log.user("tg-1", "số tôi là 0912345678 mà mất sim rồi ko vào đc", "nlu_fallback", 0.3, channel="telegram",
             ranking=[("nlu_fallback", 0.5), ("faq", 0.3)], topic="lost_phone")  # fmt: skip
    log.user("tg-1", "so toi la 0987654321 ma mat sim roi ko vao dc", "nlu_fallback", 0.3, channel="telegram",
             ranking=[("nlu_fallback", 0.5), ("faq", 0.3)], topic="lost_phone")  # fmt: skip
    log.bot("tg-1", "utter_handoff_in_hours")
    log.bot("tg-1", "utter_handoff_agent_reply", at=(NOW + timedelta(seconds=90)).timestamp())
    log.user("tg-1", "tốt", "rate", entities=[{"entity": "rating", "value": "good"}], channel="telegram")
    # yesterday in Hà Nội (23:00 local)
    log.user("web-b", "/faq/lost_phone", "faq", 1.0, topic="lost_phone", channel="webchat",
             at=(NOW - timedelta(hours=13)).timestamp())  # fmt: skip
    log.bot("web-b", "utter_faq/lost_phone", at=(NOW - timedelta(hours=13)).timestamp())


def test_stats_count_every_event_once(analytics) -> None:
    service, log = analytics
    _seed(log)
    stats = service.stats(7)
    assert (stats["conversations"], stats["messages"], stats["fallbacks"], stats["escalations"]) == (
        3,
        6,
        2,
        1,
    )
    assert stats["topics"] == {"forgot_password": 1, "lost_phone": 1}
    assert stats["ratings"] == {"good": 1}
    assert stats["median_first_reply_seconds"] == 90
    assert len(stats["days"]) == 7
    today, yesterday = stats["days"][-1], stats["days"][-2]
    assert (today["day"], today["messages"], yesterday["messages"]) == ("2026-12-02", 5, 1)
    assert today["channels"]["telegram"]["fallbacks"] == 2
    assert yesterday["channels"]["webchat"]["topics"] == {"lost_phone": 1}
    # A second read with nothing new changes nothing; new events are added, not recounted.
    assert service.stats(7)["messages"] == 6
    log.user("web-a", "cảm ơn", "thank", channel="webchat")
    assert service.stats(7)["messages"] == 7
    assert service.stats(1)["messages"] == 6


def test_unanswered_are_masked_grouped_and_guessed(analytics) -> None:
    service, log = analytics
    _seed(log)
    items = service.unanswered(7)["items"]
    assert len(items) == 1
    item = items[0]
    assert item["count"] == 2
    assert sorted(item["variants"]) == [
        "so toi la xxxxxxx321 ma mat sim roi ko vao dc",
        "số tôi là xxxxxxx678 mà mất sim rồi ko vào đc",
    ]
    assert item["text"] in item["variants"]
    assert item["suggested_topic"] == "lost_phone"
    assert (item["guess"], item["guess_title"], item["channels"]) == (
        "faq/lost_phone",
        "Mất số điện thoại",
        ["telegram"],
    )


def test_kb_health_flags_topics_followed_by_not_helpful_and_lists_never_asked(analytics) -> None:
    service, log = analytics
    _seed(log)
    topics = {t["topic"]: t for t in service.kb_health(7)["topics"]}
    assert topics["forgot_password"]["not_helpful"] == 1 and topics["forgot_password"]["needs_attention"]
    assert not topics["lost_phone"]["needs_attention"]
    assert service.kb_health(7)["never_asked"] == ["change_phone"]


def test_csv_has_one_row_per_day_and_channel(analytics) -> None:
    service, log = analytics
    _seed(log)
    rows = service.csv_rows(2)
    assert rows[0][:4] == ["day", "channel", "conversations", "messages"]
    assert [r[:4] for r in rows[1:]] == [
        ["2026-12-01", "webchat", 1, 1],
        ["2026-12-02", "telegram", 1, 3],
        ["2026-12-02", "webchat", 1, 2],
    ]


def test_two_consumers_at_once_count_every_event_once(analytics) -> None:
    """Two processes (two services, two locks) refreshing together: the cursor's compare-and-set decides."""
    from concurrent.futures import ThreadPoolExecutor

    from vssid.services.analytics import AnalyticsService

    service, log = analytics
    for i in range(300):
        log.user(f"web-{i % 40}", f"câu hỏi {i}", "faq", topic="forgot_password", channel="webchat")
    others = [
        AnalyticsService(
            service.sessions, service.events_engine, topic_titles=dict, clock=service.clock, batch_size=7
        )
        for _ in range(4)
    ]
    with ThreadPoolExecutor(4) as pool:
        read = sum(pool.map(lambda s: s.refresh(), others))
    assert read == 300  # what each consumer counted; a lost race counts nothing
    stats = service.stats(1)
    assert (stats["messages"], stats["conversations"]) == (300, 40)
