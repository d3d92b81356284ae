"""Write ``data/nlu/faq.yml`` (NLU examples + ``utter_faq/*`` responses) from ``kb/``.

Usage::

    python -m kb.generate            # (re)write data/nlu/faq.yml
    python -m kb.generate --check    # exit 1 if data/nlu/faq.yml is out of date

A topic with ``buttons_hotline: true`` gets a "Gặp nhân viên" button and, unless its answer
already gives the hotline, a closing line pointing to tổng đài 1900.9068.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from kb.topics import KB_DIR, KbError, Topic, load_topics

REPO_ROOT = KB_DIR.parent
DEFAULT_OUT = REPO_ROOT / "data" / "nlu" / "faq.yml"

HOTLINE = "1900.9068"
HOTLINE_HINT = (
    f"Nếu vẫn chưa làm được, bạn gọi tổng đài {HOTLINE} (hỗ trợ 24/7) "
    'hoặc bấm "Gặp nhân viên" để được giúp đỡ.'
)
HUMAN_BUTTON = {"title": "Gặp nhân viên", "payload": "/request_human"}

HEADER = (
    "# GENERATED FILE - DO NOT EDIT.\n"
    "# Generated from kb/ by `python -m kb.generate`; edit kb/<topic>.yml and regenerate.\n"
)


class _Block(str):
    """A string dumped as a YAML literal block (``|``)."""


class _Quoted(str):
    """A string dumped double-quoted (``version: "3.1"``, as Rasa's docs write it)."""


class _Dumper(yaml.SafeDumper):
    pass


def _represent_block(dumper: yaml.SafeDumper, value: _Block) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style="|")


def _represent_quoted(dumper: yaml.SafeDumper, value: _Quoted) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"')


_Dumper.add_representer(_Block, _represent_block)
_Dumper.add_representer(_Quoted, _represent_quoted)


def response_text(topic: Topic) -> str:
    """The text the bot sends for ``utter_faq/<topic>``."""
    if topic.buttons_hotline and HOTLINE not in topic.answer:
        return f"{topic.answer}\n\n{HOTLINE_HINT}"
    return topic.answer


def response_buttons(topic: Topic, titles: dict[str, str]) -> list[dict[str, str]]:
    buttons = [{"title": titles[rel], "payload": f"/faq/{rel}"} for rel in topic.related]
    if topic.buttons_hotline:
        buttons.append(dict(HUMAN_BUTTON))
    return buttons


def build_document(topics: Sequence[Topic]) -> dict[str, Any]:
    ordered = sorted(topics, key=lambda t: t.topic)
    titles = {t.topic: t.title for t in ordered}
    nlu = [{"intent": t.intent, "examples": _Block("".join(f"- {e}\n" for e in t.examples))} for t in ordered]
    responses = {
        t.response: [{"text": _Block(response_text(t)), "buttons": response_buttons(t, titles)}]
        for t in ordered
    }
    return {"version": _Quoted("3.1"), "nlu": nlu, "responses": responses}


def render(topics: Sequence[Topic]) -> str:
    """Render the whole ``faq.yml``; same topics in, same bytes out."""
    body = yaml.dump(
        build_document(topics),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=10_000,
        default_flow_style=False,
    )
    return HEADER + body


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kb.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the output file is out of date")
    parser.add_argument("--kb-dir", type=Path, default=KB_DIR, help="folder with <topic>.yml files")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="file to write or check")
    args = parser.parse_args(argv)

    try:
        topics = load_topics(args.kb_dir)
    except KbError as exc:
        print(exc, file=sys.stderr)
        return 2
    expected = render(topics)

    if args.check:
        actual = args.out.read_text(encoding="utf-8") if args.out.exists() else None
        if actual != expected:
            print(
                f"{args.out} is out of date with kb/. Run `python -m kb.generate` and commit the result.",
                file=sys.stderr,
            )
            return 1
        print(f"{args.out} is up to date ({len(topics)} topics).")
        return 0

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(expected, encoding="utf-8")
    print(f"wrote {args.out} ({len(topics)} topics, {sum(len(t.examples) for t in topics)} examples)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
