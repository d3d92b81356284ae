"""Rasa's training cache must be invalid once our component code changes (vssid.nlu.code_fingerprint)."""

from __future__ import annotations

import importlib

import pytest
import yaml

from vssid.nlu.code_fingerprint import code_fingerprint
from vssid.settings import PROJECT_ROOT


def _our_components() -> list[str]:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [c["name"] for c in [*config["pipeline"], *config["policies"]]]
    return [n for n in names if n.startswith("vssid.")]


def test_config_uses_our_components() -> None:
    assert "vssid.nlu.tokenizer.VietnameseFoldingTokenizer" in _our_components()


@pytest.mark.parametrize("name", _our_components())
def test_each_component_adds_the_code_hash_to_rasas_fingerprint(name: str) -> None:
    module, _, cls = name.rpartition(".")
    component = getattr(importlib.import_module(module), cls)
    assert component.fingerprint_addon({}) == code_fingerprint()
    assert len(code_fingerprint()) == 16
