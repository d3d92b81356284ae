"""The code a trained model depends on, hashed: for model names and for Rasa's training cache.

Rasa caches each trained graph node under a fingerprint of its class name, config and inputs, not
of its source code: after an edit to the tokenizer, `rasa train` reused the old tokenizer's cached
output and trained the classifier on features the new tokenizer no longer produces. Every custom
component mixes in `CodeFingerprinted`, whose `fingerprint_addon` adds the hash of `MODEL_CODE`.
`scripts/train.py` and `bench/eval_nlu.py` name models after the same files;
tests/test_architecture.py checks that the list covers every project module the components import.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from vssid.settings import PROJECT_ROOT

MODEL_CODE = (
    "vssid/nlu",
    "vssid/data",
    "vssid/handoff_policy.py",
    "vssid/text.py",
    "vssid/constants.py",
    "vssid/services/locations.py",
)


def files_under(paths: tuple[str, ...] | list[str], root: Path = PROJECT_ROOT) -> list[Path]:
    """Every file of ``paths`` (files or folders, relative to ``root``), sorted, caches left out."""
    found: list[Path] = []
    for name in paths:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        found += [f for f in files if f.exists() and "__pycache__" not in f.parts]
    return found


@cache
def code_fingerprint() -> str:
    digest = hashlib.sha256()
    for file in files_under(MODEL_CODE):
        digest.update(str(file.relative_to(PROJECT_ROOT)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


class CodeFingerprinted:
    """Mixin for our graph components: Rasa's cache is invalid once our model code changes."""

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        return code_fingerprint()
