"""Operators' dashboard in the agent console: what users ask, where the bot fails, what to add to kb/.

Registered on the agent console's blueprint by ``register_dashboard(blueprint)``, with
the console's own check of the agent's credentials. Routes under /webhooks/agent/:
    GET  /dashboard                    the page (Vietnamese; charts by the vendored Chart.js)
    GET  /dashboard/static/<file>      dashboard.js, dashboard.css, chart.umd.min.js
    GET  /api/stats?days=N             totals, FAQ answers by topic, per-day and per-channel figures
    GET  /api/stats.csv?days=N         the same per day and channel, as CSV
    GET  /api/unanswered?days=N        fallback and low-confidence messages, masked, grouped
    GET  /api/kb-health?days=N         topics followed by "không đúng", handoffs, bad ratings; never asked
    GET  /api/suggestions              example questions suggested for kb/ editors
    POST /api/suggestions              {"topic", "text", "count", "agent"}: suggest an example (201)

API routes need the agent's credentials (401, nothing shown); ``days`` is 1..366 (400 otherwise).
Figures come from the analytics tables, brought up to date from the stored events on each read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.agent_auth import agent_or_refusal
from connectors.pages import NO_STORE, serve_page
from vssid.aio import run_blocking
from vssid.services import kb_suggestions
from vssid.services.analytics import InvalidRange, parse_days
from vssid.services.registry import get_analytics_service

STATIC_DIR = Path(__file__).resolve().parent / "static" / "dashboard"
_STATIC_FILES = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
    "chart.umd.min.js": "text/javascript; charset=utf-8",
}
_NO_STORE = NO_STORE
_DASHBOARD_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


def _error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": code, "message": message}, status=status, headers=_NO_STORE)


def _unauthorised() -> HTTPResponse:
    return _error(401, "unauthorised", "Mã truy cập không đúng.")


def _csv(rows: list[list[Any]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return "\ufeff" + out.getvalue()  # BOM: spreadsheet programs then read the Vietnamese right


def _suggestion_view(s: kb_suggestions.Suggestion) -> dict[str, Any]:
    return {
        "topic": s.topic,
        "text": s.text,
        "count": s.count,
        "suggested_by": s.suggested_by,
        "suggested_at": s.suggested_at,
        "status": s.status,
    }


def _suggest(body: dict[str, Any], agent: str) -> dict[str, Any]:
    from kb import TOPIC_NAMES

    count = body.get("count", 1)
    suggestion = kb_suggestions.suggest(
        topic=str(body.get("topic") or ""),
        text=str(body.get("text") or ""),
        count=count if isinstance(count, int) and 0 < count < 10**6 else 1,
        agent=agent,
        known_topics=set(TOPIC_NAMES),
    )
    return {"suggestion": _suggestion_view(suggestion)}


def _list_suggestions() -> dict[str, Any]:
    return {"suggestions": [_suggestion_view(s) for s in kb_suggestions.list_suggestions()]}


def register_dashboard(blueprint: Blueprint) -> None:
    """Add the dashboard's page and API routes to the agent console's blueprint."""

    async def guarded(request: Request, use_case: Callable[[int], Any]) -> HTTPResponse | Any:
        _, refusal = await agent_or_refusal(request)
        if refusal is not None:
            return refusal
        try:
            days = parse_days(request.args.get("days"))
        except InvalidRange as e:
            return _error(400, "invalid_days", f"Tham số days không hợp lệ: {e}.")
        return await run_blocking(use_case, days)

    # Chart.js draws into canvases and exports images: data:/blob: images are allowed here.
    serve_page(blueprint, route="/dashboard", directory=STATIC_DIR, files=_STATIC_FILES, csp=_DASHBOARD_CSP)

    @blueprint.get("/api/stats")
    async def stats(request: Request) -> HTTPResponse:
        result = await guarded(request, lambda days: get_analytics_service().stats(days))
        return result if isinstance(result, HTTPResponse) else response.json(result, headers=_NO_STORE)

    @blueprint.get("/api/stats.csv")
    async def stats_csv(request: Request) -> HTTPResponse:
        result = await guarded(request, lambda days: (days, get_analytics_service().csv_rows(days)))
        if isinstance(result, HTTPResponse):
            return result
        days, rows = result
        return response.text(
            _csv(rows),
            content_type="text/csv; charset=utf-8",
            headers={
                **_NO_STORE,
                "Content-Disposition": f'attachment; filename="vssid-thong-ke-{days}-ngay.csv"',
            },
        )

    @blueprint.get("/api/unanswered")
    async def unanswered(request: Request) -> HTTPResponse:
        result = await guarded(request, lambda days: get_analytics_service().unanswered(days))
        return result if isinstance(result, HTTPResponse) else response.json(result, headers=_NO_STORE)

    @blueprint.get("/api/kb-health")
    async def kb_health(request: Request) -> HTTPResponse:
        result = await guarded(request, lambda days: get_analytics_service().kb_health(days))
        return result if isinstance(result, HTTPResponse) else response.json(result, headers=_NO_STORE)

    @blueprint.get("/api/suggestions")
    async def suggestions(request: Request) -> HTTPResponse:
        _, refusal = await agent_or_refusal(request)
        if refusal is not None:
            return refusal
        return response.json(await run_blocking(_list_suggestions), headers=_NO_STORE)

    @blueprint.post("/api/suggestions")
    async def suggest(request: Request) -> HTTPResponse:
        agent, refusal = await agent_or_refusal(request)
        if refusal is not None or agent is None:
            return refusal or _unauthorised()
        try:
            body = request.json
        except Exception:
            body = None
        if not isinstance(body, dict):
            return _error(400, "invalid", "Nội dung gửi lên không hợp lệ.")
        try:
            result = await run_blocking(_suggest, body, agent.name)
        except kb_suggestions.InvalidSuggestion as e:
            return _error(400, "invalid", f"Gợi ý không hợp lệ: {e}.")
        return response.json(result, status=201, headers=_NO_STORE)
