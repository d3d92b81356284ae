"""vssid/launcher.py: what environment the action server and the Rasa server start with."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.databases import redis_url_or_skip
from vssid import settings
from vssid.launcher import Stack, free_port, run_defaults


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


# --- `make run`'s lock store and workers (vssid.launcher.run_defaults) ---------------------


@pytest.fixture
def unset_run_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    monkeypatch.delenv("SANIC_WORKERS", raising=False)


def _nothing_listens() -> str:
    return f"redis://127.0.0.1:{free_port()}/1"


def test_make_run_uses_a_redis_that_answers_and_both_cores(unset_run_settings: None) -> None:
    url = redis_url_or_skip()
    assert run_defaults(local_redis_url=url) == {"LOCK_STORE_URL": url, "SANIC_WORKERS": "2"}


def test_without_a_redis_make_run_keeps_one_process_and_the_in_memory_lock_store(
    unset_run_settings: None,
) -> None:
    assert run_defaults(local_redis_url=_nothing_listens()) == {"LOCK_STORE_URL": "", "SANIC_WORKERS": "1"}
    assert run_defaults(local_redis_url="") == {"LOCK_STORE_URL": "", "SANIC_WORKERS": "1"}


def test_lock_store_url_set_even_empty_is_taken_as_given(
    unset_run_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = redis_url_or_skip()
    monkeypatch.setenv("LOCK_STORE_URL", "")
    assert run_defaults(local_redis_url=url) == {"LOCK_STORE_URL": "", "SANIC_WORKERS": "1"}
    monkeypatch.setenv("LOCK_STORE_URL", url)
    assert run_defaults(local_redis_url=_nothing_listens()) == {"LOCK_STORE_URL": url, "SANIC_WORKERS": "2"}


def test_sanic_workers_overrides_the_worker_count(
    unset_run_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = redis_url_or_skip()
    monkeypatch.setenv("SANIC_WORKERS", "1")
    assert run_defaults(local_redis_url=url) == {"LOCK_STORE_URL": url, "SANIC_WORKERS": "1"}


def test_outside_development_make_run_never_guesses_a_redis(
    unset_run_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = redis_url_or_skip()
    monkeypatch.setenv("VSSID_ENV", "production")
    assert run_defaults(local_redis_url=url) == {"LOCK_STORE_URL": "", "SANIC_WORKERS": "1"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://127.0.0.1:6379/1", True),
        ("rediss://:pw@cache.example:6380/0", True),
        ("", False),
        ("memory://", False),
        ("postgresql://postgres@127.0.0.1/x", False),
        ("REDIS://127.0.0.1", False),  # redis-py's from_url refuses it too
    ],
)
def test_one_rule_says_whether_a_store_url_is_redis(url: str, expected: bool) -> None:
    assert settings.is_redis_url(url) is expected
