"""The agent console channel served by Sanic in a background thread, with a fake Rasa API.

The fake ``POST /conversations/<id>/execute`` records each call and does what the real action
would do to the database (delivering replies marks them delivered), so the console's HTTP API,
the CLI and the page can be tested without a trained model.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import register
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.agent_console import AgentConsoleInput
from tests.fakes.sanic_server import SanicServer
from vssid.constants import ACTION_DELIVER_AGENT_REPLIES
from vssid.db.engine import new_session
from vssid.services import tickets as queue

AGENT_TOKEN = "test-agent-token-for-the-console"
RASA_API_TOKEN = "test-rasa-api-token"


@dataclass
class ExecuteCall:
    conversation_id: str
    action: str
    output_channel: str
    delivered: list[str] = field(default_factory=list)


class ConsoleServer(SanicServer):
    """Console + fake Rasa API on one free port; ``fail_pushes`` makes the fake answer 500."""

    def __init__(self) -> None:
        self.calls: list[ExecuteCall] = []
        self.fail_pushes = False
        app = Sanic(f"console_{uuid.uuid4().hex[:8]}")
        register([AgentConsoleInput()], app, route="/webhooks/")
        app.add_route(self._execute, "/conversations/<conversation_id:path>/execute", methods=["POST"])
        super().__init__(app, name="console-server")

    async def _execute(self, request: Request, conversation_id: str) -> HTTPResponse:
        if request.args.get("token") != RASA_API_TOKEN:
            return response.json({"error": "unauthorised"}, status=401)
        if self.fail_pushes:
            return response.json({"error": "boom"}, status=500)
        call = ExecuteCall(conversation_id, request.json["name"], request.args.get("output_channel", ""))
        if call.action == ACTION_DELIVER_AGENT_REPLIES:
            call.delivered = await asyncio.to_thread(self._deliver, conversation_id)
        self.calls.append(call)
        return response.json({"tracker": {}})

    @staticmethod
    def _deliver(conversation_id: str) -> list[str]:
        with new_session() as session:
            return [r.text for r in queue.take_undelivered_replies(session, conversation_id=conversation_id)]

    def env(self) -> dict[str, Any]:
        return {"AGENT_TOKEN": AGENT_TOKEN, "RASA_URL": self.url, "RASA_API_TOKEN": RASA_API_TOKEN}
