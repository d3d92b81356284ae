"""`make run`: prepare the database, then run the action server and the Rasa server together."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import urlsplit

from vssid import settings
from vssid.launcher import Stack, latest_model, run_defaults, run_until_signal
from vssid.settings import PROJECT_ROOT


def main() -> int:
    subprocess.check_call([sys.executable, "-m", "vssid.db.manage", "upgrade"], cwd=PROJECT_ROOT)
    subprocess.check_call([sys.executable, "-m", "vssid.db.manage", "seed"], cwd=PROJECT_ROOT)
    port = settings.rasa_port()
    defaults = run_defaults()  # the local Redis and 2 workers when Redis answers, else 1 process
    workers, lock_store = defaults["SANIC_WORKERS"], defaults["LOCK_STORE_URL"]
    stack = Stack(model=latest_model(), rasa_port=port, action_port=settings.action_port(), env=defaults)
    if lock_store:
        processes = (
            f"{workers} (lock store, rate limits, Telegram state: Redis {_without_password(lock_store)})"
        )
    else:
        processes = f"{workers} (in-memory lock store; a Redis in LOCK_STORE_URL or LOCAL_REDIS_URL allows 2)"

    return run_until_signal(
        stack,
        starting="Starting the action server and the Rasa server (Ctrl-C stops both)...",
        stopping="Stopping the Rasa server and the action server...",
        banner=lambda: (
            f"""
Trợ lý VssID is running.
  Web chat (demo page): {stack.url}/webhooks/webchat/
  Agent console:        {stack.url}/webhooks/agent/   (tokens: make agent-cli ARGS="issue-token NAME")
  Action server:        {stack.action_url}/health
  Rasa server workers:  {processes}
Press Ctrl-C to stop."""
        ),
    )


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}:{parts.port or 6379}{parts.path}"


if __name__ == "__main__":
    sys.exit(main())
