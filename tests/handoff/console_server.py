"""The agent console channel served by Sanic in a background thread, with a fake executor.

The console runs actions in the user's conversation through an executor (in Rasa: the agent's
processor). The fake one records each call and does what the real action would do to the
database (delivering replies marks them delivered), so the console's HTTP API, the CLI and the
page can be tested without a trained model.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import register
from sanic import Sanic

from connectors.agent_console import AgentConsoleInput
from tests.fakes.sanic_server import SanicServer
from vssid.constants import ACTION_DELIVER_AGENT_REPLIES
from vssid.db.engine import new_session
from vssid.services import agents
from vssid.services import tickets as queue

AGENT_TOKEN = "test-agent-token-for-the-console"  # Lan's
MINH_TOKEN = "test-agent-token-of-minh"


@dataclass
class ExecuteCall:
    conversation_id: str
    action: str
    output_channel: str
    delivered: list[str] = field(default_factory=list)


class ConsoleServer(SanicServer):
    """Console + fake executor on one free port; ``fail_pushes`` makes the executor fail."""

    def __init__(self) -> None:
        self.calls: list[ExecuteCall] = []
        self.fail_pushes = False
        app = Sanic(f"console_{uuid.uuid4().hex[:8]}")
        register([AgentConsoleInput(executor=self._execute)], app, route="/webhooks/")
        super().__init__(app, name="console-server")

    async def _execute(self, app: Sanic, conversation_id: str, action: str, channel: str) -> bool:
        if self.fail_pushes:
            return False
        call = ExecuteCall(conversation_id, action, channel)
        if call.action == ACTION_DELIVER_AGENT_REPLIES:
            call.delivered = await asyncio.to_thread(self._deliver, conversation_id)
        self.calls.append(call)
        return True

    @staticmethod
    def _deliver(conversation_id: str) -> list[str]:
        with new_session() as session:
            return [r.text for r in queue.take_undelivered_replies(session, conversation_id=conversation_id)]

    def env(self) -> dict[str, Any]:
        """Lan's own token (as the CLI reads it), and limits no test run reaches by accident."""
        return {"AGENT_TOKEN": AGENT_TOKEN, "RATE_LIMIT_AGENT_API": "100000/minute"}

    @staticmethod
    def issue_tokens() -> None:
        """Lan and Minh hold the tokens the tests use (in this test's database)."""
        with new_session() as session:
            agents.issue_token(session, name="Lan", token=AGENT_TOKEN)
        with new_session() as session:
            agents.issue_token(session, name="Minh", token=MINH_TOKEN)
