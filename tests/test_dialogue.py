"""Dialogue quality: the data validates and the trained model passes every test story."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from vssid.launcher import latest_model
from vssid.nlu.normalize import TEENCODE
from vssid.settings import PROJECT_ROOT

RASA = str(Path(sys.executable).with_name("rasa"))
STORIES = PROJECT_ROOT / "tests" / "test_stories.yml"


def test_data_validates_without_warnings() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/validate_data.py"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "rasa data validate: clean" in result.stdout


def test_validation_accepts_only_responses_that_actions_utter() -> None:
    from scripts.validate_data import used_in_actions

    assert used_in_actions("utter_session_welcome")
    assert not used_in_actions("utter_nobody_says_this")


def test_there_are_at_least_40_test_stories_with_unaccented_and_teencode_turns() -> None:
    stories = yaml.safe_load(STORIES.read_text(encoding="utf-8"))["stories"]
    assert len(stories) >= 40
    user_turns = [step["user"] for story in stories for step in story["steps"] if "user" in step]
    unaccented = [t for t in user_turns if t.isascii()]
    assert len(unaccented) >= 15
    # teencode = a word the tokenizer expands ("mk", "dc", "ko", "sdt", ...)
    teencode = [t for t in user_turns if set(re.findall(r"\w+", t.lower())) & TEENCODE.keys()]
    assert len(teencode) >= 10, teencode


@pytest.mark.e2e
def test_model_passes_every_test_story(rasa_stack, tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "{rasa_stack.stack.action_url}/webhook"\n')
    result = subprocess.run(
        [
            RASA,
            "test",
            "core",
            "-m",
            str(latest_model()),
            "--stories",
            str(STORIES),
            "--endpoints",
            str(endpoints),
            "--out",
            str(tmp_path / "results"),
            "--fail-on-prediction-errors",
            "--no-plot",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    failed = tmp_path / "results" / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8")[-6000:] if failed.exists() else result.stdout[-4000:]
    assert result.returncode == 0, details + result.stderr[-3000:]
