"""The dashboard's HTTP API on the agent console: agent token required, days validated, JSON and CSV."""

from __future__ import annotations

import pytest
import requests
import yaml

from tests.handoff.console_server import AGENT_TOKEN

AUTH = {"Authorization": f"Bearer {AGENT_TOKEN}"}
ROUTES = ["stats", "stats.csv", "unanswered", "kb-health", "suggestions"]


def _get(console, path: str, headers: dict | None = None, **params) -> requests.Response:
    server, _ = console
    return requests.get(f"{server.url}/webhooks/agent/api/{path}", params=params, headers=headers, timeout=30)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("headers", [None, {"Authorization": "Bearer wrong"}, {"Authorization": AGENT_TOKEN}])
def test_without_the_agent_token_nothing_is_shown(console, route: str, headers) -> None:
    _, log = console
    log.user("tg-1", "số 0912345678 kwyjibo", "nlu_fallback", 0.3)
    answer = _get(console, route, headers, days="7")
    assert answer.status_code == 401
    assert answer.json() == {"error": "unauthorised", "message": "Mã truy cập không đúng."}


@pytest.mark.parametrize("route", ["stats", "stats.csv", "unanswered", "kb-health"])
@pytest.mark.parametrize("days", ["abc", "-1", "0", "367", "99999999999", "1.5", "７"])
def test_bad_days_are_refused(console, route: str, days: str) -> None:
    answer = _get(console, route, AUTH, days=days)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_days"


def test_stats_unanswered_and_csv(console) -> None:
    _, log = console
    log.user("tg-1", "số 0912345678 kwyjibo", "nlu_fallback", 0.3, channel="telegram")
    log.user("web-1", "quên mật khẩu", "faq", topic="forgot_password", channel="webchat")
    log.bot("web-1", "utter_faq/forgot_password")
    stats = _get(console, "stats", AUTH, days="366").json()
    assert {k: stats[k] for k in ("conversations", "messages", "fallbacks", "escalations", "topics")} == {
        "conversations": 2,
        "messages": 2,
        "fallbacks": 1,
        "escalations": 0,
        "topics": {"forgot_password": 1},
    }
    assert len(stats["days"]) == 366
    items = _get(console, "unanswered", AUTH).json()["items"]
    assert [(i["text"], i["count"], i["kinds"]) for i in items] == [
        ("số xxxxxxx678 kwyjibo", 1, ["fallback"])
    ]
    csv = _get(console, "stats.csv", AUTH, days="1")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.lstrip("\ufeff").splitlines()[0].startswith("day,channel,conversations,messages")


def test_a_suggestion_is_written_for_editors_masked_and_listed(console, tmp_path) -> None:
    server, _ = console
    body = {"topic": "lost_phone", "text": "mất sim 0912345678 rồi", "count": 4, "agent": "Lan"}
    url = f"{server.url}/webhooks/agent/api/suggestions"
    created = requests.post(url, json=body, headers=AUTH, timeout=30)
    assert created.status_code == 201
    again = requests.post(url, json=body, headers=AUTH, timeout=30)
    assert again.status_code == 201
    stored = yaml.safe_load((tmp_path / "suggestions" / "lost_phone.yml").read_text(encoding="utf-8"))
    assert stored["topic"] == "lost_phone"
    [item] = stored["suggestions"]
    assert (item["text"], item["count"], item["suggested_by"], item["status"]) == (
        "mất sim xxxxxxx678 rồi",
        4,
        "Lan",
        "pending",
    )
    listed = _get(console, "suggestions", AUTH).json()["suggestions"]
    assert [(s["topic"], s["text"]) for s in listed] == [("lost_phone", "mất sim xxxxxxx678 rồi")]
    for bad in ({"topic": "nope", "text": "x"}, {"topic": "lost_phone", "text": "  "}, ["x"]):
        assert requests.post(url, json=bad, headers=AUTH, timeout=30).status_code == 400
    assert requests.post(url, json=body, timeout=30).status_code == 401


def test_the_dashboard_page_and_its_files_are_served(console) -> None:
    server, _ = console
    page = requests.get(f"{server.url}/webhooks/agent/dashboard", timeout=10)
    assert page.status_code == 200 and "Thống kê — Trợ lý VssID" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name in ("dashboard.js", "dashboard.css", "chart.umd.min.js"):
        assert (
            requests.get(f"{server.url}/webhooks/agent/dashboard/static/{name}", timeout=10).status_code
            == 200
        )
    assert (
        requests.get(f"{server.url}/webhooks/agent/dashboard/static/..%2Fconsole.js", timeout=10).status_code
        == 404
    )
