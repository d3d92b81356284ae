"""Outside development the action server refuses to start without its secrets."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from vssid.launcher import free_port
from vssid.settings import PROJECT_ROOT


@pytest.mark.parametrize(
    ("missing", "present"), [("ACTION_SERVER_TOKEN", "OTP_SECRET"), ("OTP_SECRET", "ACTION_SERVER_TOKEN")]
)
def test_action_server_refuses_to_start_without_a_secret_in_production(missing: str, present: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in (missing, present)}
    env.update({"VSSID_ENV": "production", present: "x" * 32, "PYTHONPATH": str(PROJECT_ROOT)})
    done = subprocess.run(
        [sys.executable, "-m", "vssid.action_server", "--port", str(free_port())],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert f"{missing} is not set" in done.stderr and "VSSID_ENV=production" in done.stderr
