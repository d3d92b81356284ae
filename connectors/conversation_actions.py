"""Run an action in a conversation from inside the Rasa process, as `POST .../execute` would.

The agent console uses this instead of Rasa's HTTP API (which stays off): same lock, same
session handling, and the bot's messages go out through the user's own channel.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel
from sanic import Sanic

logger = logging.getLogger(__name__)

EXECUTE_TIMEOUT = 30.0  # seconds; the action server has its own, shorter timeouts


def output_channel(app: Sanic, name: str) -> OutputChannel:
    """The output channel of the registered input channel called `name` (else tracker only)."""
    for channel in getattr(app.ctx, "input_channels", None) or []:
        if channel.name() == name:
            return channel.get_output_channel() or CollectingOutputChannel()
    return CollectingOutputChannel()


async def _execute(agent: Any, conversation_id: str, action: str, output: OutputChannel) -> None:
    async with agent.lock_store.lock(conversation_id):
        await agent.processor.fetch_tracker_and_update_session(conversation_id, output)
        await agent.execute_action(conversation_id, action, output, None, None)


async def execute_action(app: Sanic, conversation_id: str, action: str, channel: str) -> bool:
    """Run `action` in the conversation, replies sent through `channel`; False if it failed."""
    agent = getattr(app.ctx, "agent", None)
    if agent is None or not agent.is_ready():
        logger.warning("No model loaded: cannot run %s in %s", action, conversation_id)
        return False
    try:
        await asyncio.wait_for(
            _execute(agent, conversation_id, action, output_channel(app, channel)), EXECUTE_TIMEOUT
        )
    except Exception as e:  # noqa: BLE001 - the reply stays undelivered and goes out later
        logger.warning("Could not run %s in %s: %s", action, conversation_id, type(e).__name__)
        return False
    return True
