"""Calls from Rasa to the action server: bounded in time, and never a silent turn.

Rasa 3.6 waits up to 5 minutes for a custom action and, when one fails, logs it and answers
nothing (the turn may even retry the same action up to ten times). `install()` wraps
`RemoteAction.run` in the Rasa server process so that:

- every call is bounded by ACTION_TIMEOUT_SECONDS (default 4 s); right after a timeout the
  next calls get 1 s for a few seconds, so a frozen server cannot stack timeouts in one turn;
- a failed call (timeout, connection refused, 5xx, 401) answers the polite hotline message,
  ends any active form and ends the turn (`FollowupAction(action_listen)`);
- a failed `action_session_start` still starts the session (silently: the next action speaks).

Form validation rejections (ActionExecutionRejection) keep their normal meaning.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from vssid import settings

logger = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = (
    "Xin lỗi, hệ thống tra cứu đang tạm thời gián đoạn nên tôi chưa xử lý được yêu cầu của bạn. "
    f"Bạn vui lòng thử lại sau ít phút hoặc gọi tổng đài {settings.HOTLINE} để được hỗ trợ."
)
DEGRADED_TIMEOUT = 1.0
DEGRADED_WINDOW = 5.0

_installed = False
_degraded_until = 0.0


def call_timeout(now: float | None = None) -> float:
    """Seconds allowed for the next call (shorter just after a timeout)."""
    limit = settings.action_timeout_seconds()
    if (now if now is not None else time.monotonic()) < _degraded_until:
        return min(limit, DEGRADED_TIMEOUT)
    return limit


def fallback_events(action_name: str) -> list[Any]:
    """What a failed custom action returns instead of nothing."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME, REQUESTED_SLOT
    from rasa.shared.core.events import (
        ActionExecuted,
        ActiveLoop,
        BotUttered,
        FollowupAction,
        SessionStarted,
        SlotSet,
    )

    if action_name == ACTION_SESSION_START_NAME:
        return [SessionStarted(), ActionExecuted(ACTION_LISTEN_NAME)]
    return [
        BotUttered(text=UNAVAILABLE_MESSAGE, metadata={"fallback": "action_server_unavailable"}),
        ActiveLoop(None),
        SlotSet(REQUESTED_SLOT, None),
        FollowupAction(ACTION_LISTEN_NAME),
    ]


def install() -> None:
    """Wrap RemoteAction.run (idempotent; Rasa server process only)."""
    global _installed
    if _installed:
        return
    from rasa.core.actions import action as rasa_action

    original_run = rasa_action.RemoteAction.run
    # aiohttp's own limit (Rasa passes 300 s); the wait_for below is the one that counts.
    rasa_action.DEFAULT_REQUEST_TIMEOUT = max(1, int(settings.action_timeout_seconds()) + 1)

    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list[Any]:
        global _degraded_until
        try:
            return await asyncio.wait_for(
                original_run(self, output_channel, nlg, tracker, domain), timeout=call_timeout()
            )
        except rasa_action.ActionExecutionRejection:
            raise
        except Exception as error:  # noqa: BLE001 - any failure must still answer the user
            if isinstance(error, asyncio.TimeoutError):
                _degraded_until = time.monotonic() + DEGRADED_WINDOW
            logger.error(
                "Custom action %s failed (%s); answering with the hotline message.",
                self.name(),
                type(error).__name__,
            )
            return fallback_events(self.name())

    rasa_action.RemoteAction.run = run
    _installed = True
