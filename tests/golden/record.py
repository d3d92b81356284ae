"""Write recorded conversations back into the golden files, for review before committing.

    GOLDEN_RECORD=1 pytest tests/test_golden.py      # plays every turn, writes test-artifacts/golden/
    python -m tests.golden.record [--all]             # fills turns with `bot: []` (or every turn)
    git diff tests/golden/                            # review every changed message

Values that change from day to day are turned back into placeholders: ticket numbers, this
year, dates of the demo data, the durations of a contribution period that runs "until now",
and the handoff message (in or out of the chat agents' hours).
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from tests.golden.runner import GOLDEN_DIR
from vssid.settings import PROJECT_ROOT

RECORDED = PROJECT_ROOT / "test-artifacts" / "golden"
HANDOFF_RESPONSES = ("utter_handoff_in_hours", "utter_handoff_after_hours")


def _handoff_texts() -> list[str]:
    responses = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    return [
        responses[name][0]["text"].replace("{ticket_id}", "{ticket}").replace("{hours}", "7:00–21:00")
        for name in HANDOFF_RESPONSES
    ]


def templatize(text: str, *, today: date | None = None) -> str:
    year = (today or date.today()).year
    text = text.replace(f"31/12/{year}", "31/12/{year}")
    text = re.sub(rf"\b\d{{2}}/\d{{2}}/(?:{year}|{year - 1})\b", "{date}", text)
    text = re.sub(r"(yêu cầu số )\d+", r"\1{ticket}", text)
    if "– nay:" in text:
        text = re.sub(r"tổng cộng \d+ năm \d+ tháng", "tổng cộng {n} năm {n} tháng", text)
        text = re.sub(r"(– nay: [^(\n]*\()\d+ năm \d+ tháng", r"\1{n} năm {n} tháng", text)
    return text


def golden_message(message: Any, handoff: list[str]) -> Any:
    text = message if isinstance(message, str) else message["text"]
    if any(re.fullmatch(re.escape(h).replace(r"\{ticket\}", r"\d+"), text) for h in handoff):
        return {"one_of": handoff}
    if isinstance(message, str):
        return templatize(message)
    return {**message, "text": templatize(message["text"])}


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # every message written out in full
        return True


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    block = "\n" in data and all(line == line.rstrip() for line in data.split("\n"))
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if block else None)


_Dumper.add_representer(str, _str)


def record(path: Path, *, every_turn: bool) -> int:
    """Fill `path`'s conversations from their recordings; return how many turns changed."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(True)
    header = "".join(lines[: next(i for i, line in enumerate(lines) if not line.startswith("#"))])
    data = yaml.safe_load(text)
    handoff, changed = _handoff_texts(), 0
    for conversation in data["conversations"]:
        recorded = RECORDED / f"{path.stem}__{conversation['name'].replace(' ', '_')}.yml"
        if not recorded.exists():
            continue
        turns = yaml.safe_load(recorded.read_text(encoding="utf-8"))["turns"]
        for turn, played in zip(conversation["turns"], turns, strict=False):
            if every_turn or not turn["bot"]:
                new = [golden_message(m, handoff) for m in played["bot"]]
                changed += new != turn["bot"]
                turn["bot"] = new
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120, indent=2)
    path.write_text(header + body, encoding="utf-8")
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--all", action="store_true", help="replace every turn, not only `bot: []`")
    args = parser.parse_args()
    for path in sorted(GOLDEN_DIR.glob("*.yml")):
        print(f"{path.name}: {record(path, every_turn=args.all)} turn(s) changed")


if __name__ == "__main__":
    main()
