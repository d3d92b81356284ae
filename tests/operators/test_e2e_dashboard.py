"""The dashboard against the real stack: conversations on the web widget, REST and Telegram, then the
figures on the API and on the page equal counts taken with SQL from Rasa's tracker store.

Messages used for the knowledge-base search are made of words of a topic's answer and fall below
the NLU threshold with the trained model (the first assertion of each says so if that changes).
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
import sqlalchemy as sa
import yaml

from tests.conftest import ARTIFACTS, new_sender
from tests.handoff.test_e2e import Agent, TelegramUser, Web, _handoff_text
from vssid.db.engine import make_engine
from vssid.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e

PHONE = "0912345678"
# Words of an answer, which the model does not place (nlu_fallback): the messages must stay below
# the NLU threshold for the knowledge-base search to be what answers them (garbled words included,
# as typed in a hurry).
FALLBACK_WORDS = "hệ thống sẽ tự động duyệt qwrtz plokm"  # re-chosen when a new model places it
FALLBACK_WITH_PHONE = f"{FALLBACK_WORDS} {PHONE}"
FALLBACK_MASKED = f"{FALLBACK_WORDS} xxxxxxx678"
KB_MESSAGES = {
    "soạn tin theo cú pháp": "forgot_password",
    "nhập mã kiểm tra rồi bấm ghi nhận": "change_phone",
}
ESCALATIONS = ("utter_handoff_in_hours", "utter_handoff_after_hours")
CHROMIUM = "/usr/bin/chromium"


def _auth(stack: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.env['AGENT_TOKEN']}"}


def _api(stack: Any, path: str, **params: str) -> dict[str, Any]:
    answer = requests.get(
        f"{stack.url}/webhooks/agent/api/{path}", params=params, headers=_auth(stack), timeout=60
    )
    answer.raise_for_status()
    return answer.json()


def sql_counts(stack: Any) -> dict[str, Any]:
    """The dashboard's figures, counted with SQL straight from the tracker store's events table."""
    engine = make_engine(stack.env["TRACKER_STORE_URL"])
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    try:
        with engine.connect() as conn:
            scalar = lambda query: conn.execute(sa.text(query)).scalar_one()  # noqa: E731
            users = conn.execute(
                sa.text("SELECT sender_id, timestamp FROM events WHERE type_name = 'user'")
            ).all()
            faq = conn.execute(
                sa.text("SELECT data FROM events WHERE type_name = 'bot' AND data LIKE :faq"),
                {"faq": '%"utter_action": "utter_faq/%'},
            ).scalars()
            topics = Counter(json.loads(d)["metadata"]["utter_action"].split("/", 1)[1] for d in faq)
            escalations = sum(
                conn.execute(
                    sa.text("SELECT count(*) FROM events WHERE type_name = 'bot' AND data LIKE :u"),
                    {"u": f'%"utter_action": "{name}"%'},
                ).scalar_one()
                for name in ESCALATIONS
            )
            return {
                "messages": scalar("SELECT count(*) FROM events WHERE type_name = 'user'"),
                "fallbacks": scalar(
                    "SELECT count(*) FROM events WHERE type_name = 'user' AND intent_name = 'nlu_fallback'"
                ),
                "conversations": len(
                    {(datetime.fromtimestamp(ts, timezone.utc).astimezone(tz).date(), s) for s, ts in users}
                ),
                "escalations": escalations,
                "topics": dict(topics),
            }
    finally:
        engine.dispose()


def settled_counts(stack: Any) -> dict[str, Any]:
    """SQL counts once the stack is quiet (the shared stack may still be finishing a message)."""
    previous = sql_counts(stack)
    for _ in range(20):
        time.sleep(0.5)
        current = sql_counts(stack)
        if current == previous:
            return current
        previous = current
    return previous


@pytest.fixture(scope="module")
def seeded(rasa_stack: Any) -> Any:
    """Conversations on three channels: FAQ, "vẫn không được", knowledge-base suggestions, a fallback
    with a phone number on Telegram, a second fallback that escalates, and an agent's reply."""
    stack = rasa_stack
    stack.telegram.reset()
    web = Web(stack)
    web.say("/greet")
    web.say("quên mật khẩu vssid")
    web.say("vẫn không được")  # not_helpful: escalates too

    tg = TelegramUser(stack)
    tg.say("/start")
    tg.wait_for("Chào bạn!")
    tg.say(FALLBACK_WITH_PHONE)
    tg.wait_for_button("Cập nhật địa chỉ")  # the knowledge-base search, as an inline keyboard
    tg.say("zxqv blorp kwyjibo")
    tg.wait_for(_handoff_text())
    agent = Agent(stack, "Lan")
    ticket = agent.ticket_of(tg.sender)
    assert agent.post(ticket["id"], "claim").status_code == 200
    assert agent.post(ticket["id"], "reply", text="Chào bạn, tôi là Lan.").status_code == 201
    tg.wait_for("Nhân viên Lan: Chào bạn, tôi là Lan.")
    tracker = stack.tracker(tg.sender)
    intents = [e["parse_data"]["intent"]["name"] for e in tracker["events"] if e["event"] == "user"]
    assert intents[1:3] == ["nlu_fallback", "nlu_fallback"], intents
    return stack


@pytest.mark.parametrize(("message", "topic"), sorted(KB_MESSAGES.items()))
def test_knowledge_base_buttons_hold_the_topic_whose_answer_has_these_words(
    rasa_stack: Any, message: str, topic: str
) -> None:
    sender = new_sender("ops")
    rasa_stack.send(sender, "xin chào")
    messages = rasa_stack.send(sender, message)
    assert rasa_stack.tracker(sender)["latest_message"]["intent"]["name"] == "nlu_fallback"
    [offer] = messages
    payloads = [b["payload"] for b in offer["buttons"]]
    assert f"/faq/{topic}" in payloads[:3]
    assert payloads[-1] == "/request_human"
    assert offer["text"].startswith("Xin lỗi, tôi chưa chắc đã hiểu đúng ý bạn. Có phải bạn muốn hỏi")
    assert offer["text"].endswith("Bấm vào chủ đề phù hợp, hoặc diễn đạt lại bằng câu khác giúp tôi.")


def test_api_figures_equal_sql_counts(seeded: Any) -> None:
    expected = settled_counts(seeded)
    stats = _api(seeded, "stats", days="7")
    assert {k: stats[k] for k in expected} == expected
    assert (
        expected["fallbacks"] >= 2
        and expected["escalations"] >= 1
        and expected["topics"]["forgot_password"] >= 1
    )
    assert sum(day["messages"] for day in stats["days"]) == expected["messages"]
    assert {"telegram", "webchat", "rest"} <= set(stats["channels"]) and "other" not in stats["channels"]
    assert stats["median_first_reply_seconds"] is not None
    # Nothing new happened: a second read gives the same figures (nothing counted twice).
    assert {k: _api(seeded, "stats", days="7")[k] for k in expected} == expected


def test_fallback_with_a_phone_number_is_unanswered_and_masked(seeded: Any) -> None:
    answer = _api(seeded, "unanswered", days="7")
    assert PHONE not in json.dumps(answer, ensure_ascii=False)
    item = next(i for i in answer["items"] if FALLBACK_WORDS in i["text"])
    assert item["text"] == FALLBACK_MASKED
    assert "fallback" in item["kinds"] and "telegram" in item["channels"]
    assert item["count"] >= 1 and item["guess"]
    assert item["suggested_topic"] == "update_address"  # the kb/ search's best, not the NLU's guess


def _kb_health(stack: Any) -> dict[str, Any]:
    return _api(stack, "kb-health", days="7")


def _topic_figures(health: dict[str, Any], topic: str) -> dict[str, int]:
    found = next(t for t in health["topics"] if t["topic"] == topic)
    return {k: found[k] for k in ("answers", "not_helpful", "handoffs", "bad_ratings")}


def test_kb_health_shows_the_topic_followed_by_not_helpful(rasa_stack: Any) -> None:
    """What this test's own conversation adds to the topic: the shared stack's other conversations
    count too, so the figures are compared before and after it (whether the topic then needs
    attention depends on all of them: tests/operators/test_analytics.py pins that rule down)."""
    settled_counts(rasa_stack)  # nothing of an earlier test is still arriving
    before = _topic_figures(_kb_health(rasa_stack), "forgot_password")
    web = Web(rasa_stack)
    web.say("/greet")
    kb = yaml.safe_load((PROJECT_ROOT / "kb" / "forgot_password.yml").read_text(encoding="utf-8"))
    assert any(kb["answer"].splitlines()[0] in text for text in web.say("quên mật khẩu vssid"))
    assert any(_handoff_text() in text for text in web.say("vẫn không được"))  # not helpful: escalates
    health = _kb_health(rasa_stack)
    after = _topic_figures(health, "forgot_password")
    assert {k: after[k] - before[k] for k in after} == {
        "answers": 1,
        "not_helpful": 1,
        "handoffs": 1,
        "bad_ratings": 0,
    }
    assert health["never_asked"] == [t["topic"] for t in health["topics"] if t["answers"] == 0]


@pytest.fixture(scope="module")
def browser() -> Any:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (make setup-browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        yield browser
        browser.close()


@pytest.mark.browser
def test_page_shows_the_sql_counts_and_suggests_an_example(seeded: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    expected = settled_counts(seeded)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{seeded.url}/webhooks/agent/dashboard")
    page.fill("#agent-token", seeded.env["AGENT_TOKEN"])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("body[data-loaded='7']")
    for name in ("conversations", "messages", "fallbacks", "escalations"):
        expect(page.locator(f"#stat-{name}")).to_have_text(str(expected[name]))
    expect(page.locator("#stat-faq")).to_have_text(str(sum(expected["topics"].values())))
    assert (
        page.evaluate("Chart.getChart('chart-days').data.datasets[1].data.reduce((a, b) => a + b, 0)")
        == (expected["messages"])
    )
    item = page.locator("#unanswered li", has_text=FALLBACK_MASKED)
    expect(item).to_have_count(1)
    assert PHONE not in page.content()
    expect(item.locator("select")).to_have_value("update_address")
    item.locator("button").click()
    expect(item.locator(".done")).to_have_text('Đã đề xuất cho "Cập nhật địa chỉ"')
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#export-csv")
    rows = download.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("day,channel,conversations,messages")
    assert sum(int(r.split(",")[3]) for r in rows[1:]) == expected["messages"]
    assert errors == []
    page.close()
    stored = yaml.safe_load(
        (_var_dir(seeded) / "kb_suggestions" / "update_address.yml").read_text(encoding="utf-8")
    )
    assert stored["suggestions"][0]["text"] == FALLBACK_MASKED
    assert stored["suggestions"][0]["suggested_by"] == "Lan"


def _var_dir(stack: Any):
    from pathlib import Path

    return Path(stack.env["VSSID_VAR_DIR"])
