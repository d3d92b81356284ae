"""The action server: rasa_sdk's Sanic app, locked to callers that hold the shared secret.

`python -m vssid.action_server [--port N] [--host H]` replaces `rasa run actions`:

- binds 127.0.0.1 unless ACTION_SERVER_HOST says otherwise;
- every route except `GET /health` needs header `X-Action-Token: <ACTION_SERVER_TOKEN>`
  (compared in constant time); Rasa sends it from endpoints.yml. Without it: 401 JSON;
- an action error is answered with a generic JSON error: no echo of the request (the tracker),
  and the log line names the action only;
- ACTION_SERVER_TOKEN and OTP_SECRET are required outside development (vssid.startup).
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
from typing import Any

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from vssid import logmask, settings
from vssid.startup import ensure_secret

logger = logging.getLogger(__name__)

TOKEN_HEADER = "X-Action-Token"
OPEN_PATHS = frozenset({"/health"})
UNAUTHORIZED = {"error": "unauthorized"}
INTERNAL_ERROR = {"error": "internal error"}


def token_ok(presented: str | None, expected: str) -> bool:
    """Constant-time comparison; an empty expected token never matches."""
    if not expected or not presented:
        return False
    return hmac.compare_digest(presented.encode(), expected.encode())


def _action_name(request: Request) -> str:
    """Name of the action a webhook call asked for (for the log line), never the tracker."""
    try:
        body: Any = json.loads(request.body or b"{}")
    except ValueError:
        return "?"
    name = body.get("next_action") if isinstance(body, dict) else None
    return name if isinstance(name, str) else "?"


def secure(app: Sanic, *, token: str) -> Sanic:
    """Add the shared-secret check and the generic error handler to rasa_sdk's app."""

    @app.middleware("request")
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS and request.method in ("GET", "HEAD"):
            return None
        if token_ok(request.headers.get(TOKEN_HEADER), token):
            return None
        logger.warning("Refused %s %s from %s: no valid token", request.method, request.path, request.ip)
        return response.json(UNAUTHORIZED, status=401)

    async def generic_error(request: Request, exception: Exception) -> HTTPResponse:
        status = getattr(exception, "status_code", 500)
        if status < 500:  # Sanic's own 4xx (unknown route, bad method): nothing secret in them
            return response.json({"error": type(exception).__name__}, status=status)
        logger.error(
            "Action %s failed: %s", _action_name(request), type(exception).__name__, exc_info=exception
        )
        return response.json(INTERNAL_ERROR, status=500)

    app.error_handler.add(Exception, generic_error)
    return app


def create_app(token: str, actions_package: str = "actions") -> Sanic:
    from rasa_sdk.endpoint import create_app as create_sdk_app

    # No CORS: only Rasa (a server) calls this app, never a browser.
    return secure(create_sdk_app(actions_package, cors_origins=None), token=token)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m vssid.action_server", description=__doc__)
    parser.add_argument("--port", type=int, default=settings.action_port())
    parser.add_argument("--host", default=settings.action_server_host())
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logmask.install()
    token = ensure_secret("ACTION_SERVER_TOKEN", "shared secret between Rasa and the action server")
    ensure_secret("OTP_SECRET", "key of OTP hashes and audit hashes")
    app = create_app(token, args.actions)
    logger.info("Action server on http://%s:%s (token required)", args.host, args.port)
    app.run(host=args.host, port=args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
