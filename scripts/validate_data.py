"""`rasa data validate`, strict: any warning fails, except for responses that actions utter.

Rasa warns about every response that no story or rule names, although custom actions utter
many of them by name. Such a warning is accepted only if the response's name appears as a
string in actions/ or in the Rasa names of vssid/constants.py (so a response nobody uses still
fails the check).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
_UNUSED_UTTERANCE = re.compile(r"The utterance '(?P<name>[^']+)' is not used in any story or rule")
_WARNING = re.compile(r"UserWarning: (?P<text>.*?)(?=\n\s*More info|\x1b\[0m|\n\d{4}-\d\d-\d\d |\Z)", re.S)
# Rasa quirk: a retrieval intent listed in domain.yml (needed by the story reader) is merged again
# from the responses in data/nlu/faq.yml and reported as a duplicate. Nothing is wrong with it.
_KNOWN_RASA_QUIRK = "The following duplicated intents have been found across multiple domain files: faq"


def used_in_actions(name: str, root: Path = ROOT) -> bool:
    """Uttered by name from an action, or a form's question (utter_ask_<slot>, used by Rasa itself)."""
    if name.startswith("utter_ask_") and name.removeprefix("utter_ask_") in _form_slots(root):
        return True
    needle = f'"{name}"'
    sources = [*(root / "actions").rglob("*.py"), root / "vssid" / "constants.py"]
    return any(needle in path.read_text(encoding="utf-8") for path in sources)


def _form_slots(root: Path) -> set[str]:
    domain = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8"))
    forms = domain.get("forms") or {}
    return {slot for form in forms.values() for slot in (form or {}).get("required_slots", [])}


def main() -> int:
    rasa = str(Path(sys.executable).with_name("rasa"))
    result = subprocess.run(
        [rasa, "data", "validate", "--data", "data", "--domain", "domain.yml", "--config", "config.yml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    problems = []
    for warning in _WARNING.finditer(output):
        text = " ".join(warning.group("text").split())
        unused = _UNUSED_UTTERANCE.search(text)
        if text == _KNOWN_RASA_QUIRK or (unused and used_in_actions(unused.group("name"))):
            continue
        problems.append(text)
    if result.returncode != 0:
        print(output[-6000:])
        print("rasa data validate failed")
        return 1
    if problems:
        print("\n".join(f"warning: {p}" for p in problems))
        print(f"rasa data validate: {len(problems)} warning(s)")
        return 1
    print("rasa data validate: clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
