"""Who is calling the agent console: the agent that owns the bearer token, or nobody.

Reusable by any route that serves agents (`authenticate`, or `agent_or_refusal` for a ready
401/429 answer). Identity comes from the token alone. Every failure is audited and counts
towards the lockout of the client address (`vssid.services.agents`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import guard
from vssid.aio import run_blocking
from vssid.db.base import utcnow
from vssid.services import agents
from vssid.services.registry import get_access_service


@dataclass(frozen=True)
class Agent:
    name: str


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    token = header[len("Bearer ") :].strip() if header.startswith("Bearer ") else ""
    return token or None


async def authenticate(request: Request) -> Agent | None:
    """The agent owning the request's bearer token, or None (audited).

    Raises `agents.LockedOut` when the client address failed too often recently.
    """
    name = await run_blocking(
        get_access_service().authenticate_agent,
        token=bearer_token(request),
        client=guard.client_address(request),
    )
    return Agent(name) if name else None


async def agent_or_refusal(request: Request) -> tuple[Agent | None, HTTPResponse | None]:
    """(agent, None) for an authorised call, else (None, the 401/429 answer to send)."""
    client = guard.client_address(request)
    wait = await guard.rate_limits().hit("agent_api", client)
    if wait:
        return None, guard.too_many_requests(wait)
    try:
        agent = await authenticate(request)
    except agents.LockedOut as locked:
        wait = max(1, math.ceil((locked.retry_after - utcnow()).total_seconds()))
        return None, guard.json_error(
            429,
            "locked_out",
            f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {math.ceil(wait / 60)} phút.",
            retry_after=wait,
        )
    if agent is None:
        return None, guard.json_error(401, "unauthorised", "Mã truy cập không đúng.")
    return agent, None
