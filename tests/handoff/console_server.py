"""The agent console channel served by Sanic in a background thread, with a fake Rasa API.

The fake ``POST /conversations/<id>/execute`` records each call and does what the real action
would do to the database (delivering replies marks them delivered), so the console's HTTP API,
the CLI and the page can be tested without a trained model.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import register
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.constants import ACTION_DELIVER_AGENT_REPLIES
from actions.db.engine import new_session
from actions.services import tickets as queue
from connectors.agent_console import AgentConsoleInput
from vssid.launcher import free_port

AGENT_TOKEN = "test-agent-token-for-the-console"
RASA_API_TOKEN = "test-rasa-api-token"

# Sanic 21.12 rewrites some of its methods on the first start of an app; a second app in the
# same process (this one, the web chat's fake) fails unless test mode keeps the originals.
Sanic.test_mode = True


@dataclass
class ExecuteCall:
    conversation_id: str
    action: str
    output_channel: str
    delivered: list[str] = field(default_factory=list)


class ConsoleServer:
    """Console + fake Rasa API on one free port; ``fail_pushes`` makes the fake answer 500."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.calls: list[ExecuteCall] = []
        self.fail_pushes = False
        self.app = Sanic(f"console_{uuid.uuid4().hex[:8]}")
        register([AgentConsoleInput()], self.app, route="/webhooks/")
        self.app.add_route(self._execute, "/conversations/<conversation_id:path>/execute", methods=["POST"])
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="console-server", daemon=True)

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

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(self.app.create_server(
            host="127.0.0.1", port=self.port, return_asyncio_server=True, access_log=False))
        self._loop.run_until_complete(server.startup())
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> ConsoleServer:
        self._thread.start()
        if not self._ready.wait(15):
            raise RuntimeError("the console server did not start")
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def env(self) -> dict[str, Any]:
        return {"AGENT_TOKEN": AGENT_TOKEN, "RASA_URL": self.url, "RASA_API_TOKEN": RASA_API_TOKEN}
