"""`make scale-demo`: two Rasa servers + two action servers + nginx on 127.0.0.1 (Ctrl-C stops all).

Needs PostgreSQL and Redis (shared stores of the replicas), from the environment:
    SCALE_DATABASE_URL  PostgreSQL for records and the tracker store
                        (default postgresql://postgres@127.0.0.1:5432/vssid_scale, created if absent)
    SCALE_REDIS_URL     Redis lock store + notifications (default redis://127.0.0.1:6379/2)
Ports (not the defaults of `make run`): nginx 18080, Rasa 15005/15006, actions 15055/15056.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from vssid import settings
from vssid.launcher import latest_model, run_until_signal
from vssid.scale import ScaleOut
from vssid.settings import PROJECT_ROOT


def ensure_database(url: str) -> None:
    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        ).first()
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def main() -> int:
    database = settings.scale_database_url()
    redis_url = settings.scale_redis_url()
    env = {"DATABASE_URL": database, "TRACKER_STORE_URL": database, "LOCK_STORE_URL": redis_url}
    ensure_database(database)
    for command in ("upgrade", "seed"):
        subprocess.check_call(
            [sys.executable, "-m", "vssid.db.manage", command], cwd=PROJECT_ROOT, env={**os.environ, **env}
        )
    demo = ScaleOut(model=latest_model(), env=env, run_dir=Path(settings.VAR_DIR) / "scale-demo")

    return run_until_signal(
        demo,
        starting="Starting 2 action servers, 2 Rasa servers and nginx...",
        stopping="Stopping nginx, the Rasa servers and the action servers...",
        banner=lambda: (
            f"""
Trợ lý VssID is running behind nginx ({demo.run_dir}/nginx.conf).
  Web chat (demo page): {demo.url}/webhooks/webchat/
  Rasa replicas:        {", ".join(stack.url for stack in demo.stacks)}
  Stores:               tracker + records {sa.engine.make_url(database).render_as_string()}, locks {redis_url}
Press Ctrl-C to stop."""
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
