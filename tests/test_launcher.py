"""vssid/launcher.py: what environment the action server and the Rasa server start with."""

from __future__ import annotations

from pathlib import Path

import pytest

from vssid.launcher import Stack


def test_by_default_the_servers_inherit_this_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RATE_LIMIT_WEBCHAT_SESSION", "100000/minute")
    stack = Stack(model=tmp_path / "m.tar.gz", log_dir=tmp_path, env={"DATABASE_URL": "sqlite:///a.db"})
    environ = stack._environ()
    assert environ["RATE_LIMIT_WEBCHAT_SESSION"] == "100000/minute"
    assert environ["DATABASE_URL"] == "sqlite:///a.db"


def test_with_a_base_environment_later_changes_of_this_process_do_not_reach_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = Stack(
        model=tmp_path / "m.tar.gz",
        log_dir=tmp_path,
        env={"DATABASE_URL": "sqlite:///a.db"},
        base_environ={"PATH": "/usr/bin", "DATABASE_URL": "sqlite:///base.db"},
    )
    monkeypatch.setenv("RATE_LIMIT_WEBCHAT_SESSION", "100000/minute")
    environ = stack._environ()
    assert "RATE_LIMIT_WEBCHAT_SESSION" not in environ
    assert environ["PATH"] == "/usr/bin"
    assert environ["DATABASE_URL"] == "sqlite:///a.db"  # the stack's own env wins
