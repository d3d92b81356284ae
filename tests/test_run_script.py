"""scripts/run.py (`make run`): both servers on RASA_PORT / ACTION_PORT, and Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRETS
from vssid.launcher import free_port
from vssid.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def _port_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_run_serves_on_the_configured_ports_and_ctrl_c_stops_both(rasa_stack, tmp_path: Path) -> None:
    """`rasa_stack` only makes sure a trained model exists (and the suite's stack is up)."""
    rasa_port, action_port = free_port(), free_port()
    env = {
        **os.environ,
        **TEST_SECRETS,
        "RASA_PORT": str(rasa_port),
        "ACTION_PORT": str(action_port),
        "VSSID_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'vssid.db'}",
        "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        "LOCK_STORE_URL": "",
        "TELEGRAM_TOKEN": "",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    log = tmp_path / "run.out"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "scripts/run.py"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 300
        while not (
            _answers(f"http://127.0.0.1:{rasa_port}/") and _answers(f"http://127.0.0.1:{action_port}/health")
        ):
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "servers not up: " + log.read_text(errors="replace")[-3000:]
            time.sleep(0.5)
        assert _answers(f"http://127.0.0.1:{rasa_port}/webhooks/webchat/health")
        # The banner is printed right after both servers answered: wait for it, not a fixed time.
        while "Press Ctrl-C to stop." not in log.read_text(errors="replace"):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.2)
        output = log.read_text(errors="replace")
        assert f"Web chat (demo page): http://127.0.0.1:{rasa_port}/webhooks/webchat/" in output
        assert f"Action server:        http://127.0.0.1:{action_port}/health" in output

        proc.send_signal(signal.SIGINT)
        assert proc.wait(120) == 0
        assert _port_closed(rasa_port) and _port_closed(action_port), "both servers stopped"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
