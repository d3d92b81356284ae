"""scripts/kb_suggestions.py lists and exports what agents suggested, for kb/ editors."""

from __future__ import annotations

import subprocess
import sys

import yaml

from vssid.services import kb_suggestions
from vssid.settings import PROJECT_ROOT

TOPICS = {"forgot_password", "lost_phone"}


def _cli(*args: str, directory) -> str:
    env = {"KB_SUGGESTIONS_DIR": str(directory), "PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "kb_suggestions.py"), *args],
        check=True, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT,
    ).stdout  # fmt: skip


def test_list_and_export(tmp_path) -> None:
    out = tmp_path / "export.yml"
    tmp_path = tmp_path / "suggestions"
    assert _cli("list", directory=tmp_path).strip() == "Chưa có đề xuất nào."
    kb_suggestions.suggest(
        topic="lost_phone", text="mat sim 0912345678", count=2, known_topics=TOPICS, directory=tmp_path
    )
    kb_suggestions.suggest(
        topic="lost_phone", text="sim hỏng rồi", count=5, known_topics=TOPICS, directory=tmp_path
    )
    kb_suggestions.suggest(topic="forgot_password", text="quen pass", known_topics=TOPICS, directory=tmp_path)
    assert _cli("list", directory=tmp_path).splitlines() == [
        "forgot_password\t1\tpending\tquen pass",
        "lost_phone\t5\tpending\tsim hỏng rồi",
        "lost_phone\t2\tpending\tmat sim xxxxxxx678",
    ]
    _cli("export", "--status", "pending", "--out", str(out), directory=tmp_path)
    assert yaml.safe_load(out.read_text(encoding="utf-8")) == [
        {"topic": "forgot_password", "examples": ["quen pass"]},
        {"topic": "lost_phone", "examples": ["sim hỏng rồi", "mat sim xxxxxxx678"]},
    ]
    assert yaml.safe_load(_cli("export", "--status", "accepted", directory=tmp_path)) == []
