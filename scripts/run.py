"""`make run`: prepare the database, then run the action server and the Rasa server together."""

from __future__ import annotations

import subprocess
import sys

from vssid import settings
from vssid.launcher import Stack, latest_model, run_until_signal
from vssid.settings import PROJECT_ROOT


def main() -> int:
    subprocess.check_call([sys.executable, "-m", "vssid.db.manage", "upgrade"], cwd=PROJECT_ROOT)
    subprocess.check_call([sys.executable, "-m", "vssid.db.manage", "seed"], cwd=PROJECT_ROOT)
    port = settings.rasa_port()
    workers = settings.sanic_workers()  # 2 with a Redis lock store, else 1 (SANIC_WORKERS overrides)
    stack = Stack(
        model=latest_model(),
        rasa_port=port,
        action_port=settings.action_port(),
        env={"SANIC_WORKERS": str(workers)},
    )

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
  Rasa server workers:  {workers} (SANIC_WORKERS; 2 needs LOCK_STORE_URL=redis://...)
Press Ctrl-C to stop."""
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
