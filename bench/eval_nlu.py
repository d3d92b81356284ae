"""Intent report for our NLU pipeline vs Rasa's stock one, on any Rasa NLU YAML test file.

    python bench/eval_nlu.py --nlu tests/nlu_test.yml --config config.yml --stock bench/config_stock.yml
    python bench/eval_nlu.py --nlu tests/nlu_test.yml tests/nlu_independent_test.yml \
        --offdomain tests/nlu_offdomain_test.yml --summary

Several ``--nlu`` files are scored one after the other; ``--offdomain`` files hold messages that
must all reach the fallback (``nlu_fallback`` or ``out_of_scope``): their share that does is the
off-domain rate, printed next to the share of in-domain messages (gold label other than
``out_of_scope``) sent there. ``--summary`` prints only aggregate figures, no per-label table and
no messages: use it on blind test sets that must not be tuned on.

Trains an NLU-only model per config (``rasa train nlu``) into ``--out`` (default /tmp/nlu-models),
named after a fingerprint of the config, the training data and our component code, so an unchanged
model is reused. Then parses every test message and prints per-intent precision/recall/F1, macro-F1
and accuracy, for all messages and for the subset written without diacritics, side by side.

FAQ messages are scored on their full intent: the label is ``faq/<topic>`` and the prediction is the
intent combined with the response selector's ``intent_response_key``.

Importable: ``evaluate_model(model_path, nlu_path)`` returns a ``Report`` (used by
tests/nlu/test_nlu_quality.py).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from vssid.nlu.code_fingerprint import MODEL_CODE, files_under  # noqa: E402
from vssid.nlu.normalize import is_unaccented  # noqa: E402

CODE_INPUTS = MODEL_CODE  # our components and the project code they import
FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
FALLBACKS = frozenset({FALLBACK, OUT_OF_SCOPE})  # predictions that end in the bot's fallback


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    entities: tuple[tuple[str, int, int], ...] = ()


@dataclass
class LabelScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Scores:
    count: int
    accuracy: float
    macro_f1: float
    per_label: dict[str, LabelScore]


@dataclass
class Report:
    all: Scores
    unaccented: Scores
    entities: dict[str, LabelScore]
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # text, gold, predicted
    # for the fallback-threshold sweep: gold, prediction without fallback, its confidence
    raw: list[tuple[str, str, float]] = field(default_factory=list)

    # gold label and final prediction of every message, in file order
    predictions: list[tuple[str, str]] = field(default_factory=list)

    @property
    def macro_f1(self) -> float:
        return self.all.macro_f1

    @property
    def in_domain_fallback(self) -> float:
        """Share of in-domain messages (gold not out_of_scope) predicted nlu_fallback/out_of_scope."""
        in_domain = [p for g, p in self.predictions if g != OUT_OF_SCOPE]
        return sum(p in FALLBACKS for p in in_domain) / len(in_domain) if in_domain else 0.0


# --- data and metrics ----------------------------------------------------------------------------


def load_examples(nlu_path: str | Path) -> list[Example]:
    """Labelled messages of a Rasa NLU YAML file; retrieval intents as ``faq/<topic>``."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for message in load_data(str(nlu_path)).intent_examples:
        label = message.get("intent_response_key") or message.get("intent")
        entities = tuple((e["entity"], e["start"], e["end"]) for e in message.get("entities") or [])
        examples.append(Example(message.get("text"), label, entities))
    return examples


def full_intent(parse: dict[str, Any], intent: str | None = None) -> str:
    """Predicted intent, with the response selector's topic for retrieval intents."""
    intent = intent or (parse.get("intent") or {}).get("name") or FALLBACK
    selector = parse.get("response_selector") or {}
    for key in (intent, "default"):
        response = (selector.get(key) or {}).get("response") or {}
        response_key = response.get("intent_response_key")
        if response_key and response_key.split("/", 1)[0] == intent:
            return response_key
    return intent


def top_without_fallback(parse: dict[str, Any]) -> tuple[str, float]:
    """Best intent other than nlu_fallback (FallbackClassifier keeps the ranking) and its confidence."""
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    if not ranking:
        intent = parse.get("intent") or {}
        return intent.get("name") or FALLBACK, float(intent.get("confidence") or 0.0)
    best = max(ranking, key=lambda r: r.get("confidence") or 0.0)
    return best["name"], float(best.get("confidence") or 0.0)


def threshold_sweep(report: Report, thresholds: Iterable[float]) -> list[tuple[float, float, float, float]]:
    """(threshold, macro-F1, accuracy, share of messages sent to nlu_fallback) per threshold."""
    rows = []
    gold = [g for g, _, _ in report.raw]
    for threshold in thresholds:
        predicted = [p if c >= threshold else FALLBACK for _, p, c in report.raw]
        scores = score(gold, predicted)
        fallbacks = sum(p == FALLBACK for p in predicted) / len(predicted) if predicted else 0.0
        rows.append((threshold, scores.macro_f1, scores.accuracy, fallbacks))
    return rows


def score(gold: Sequence[str], predicted: Sequence[str]) -> Scores:
    """Per-label precision/recall/F1 over the gold labels, their macro average and accuracy."""
    labels = sorted(set(gold))
    per_label = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == label)
        predicted_count = sum(1 for p in predicted if p == label)
        support = sum(1 for g in gold if g == label)
        precision = tp / predicted_count if predicted_count else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = LabelScore(precision, recall, f1, support)
    macro = sum(s.f1 for s in per_label.values()) / len(per_label) if per_label else 0.0
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold) if gold else 0.0
    return Scores(len(gold), accuracy, macro, per_label)


def entity_scores(
    gold: Iterable[tuple[tuple[str, int, int], ...]], predicted: Iterable[tuple[tuple[str, int, int], ...]]
) -> dict[str, LabelScore]:
    """Exact-span entity precision/recall/F1 per entity type."""
    tp: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    for gold_set, pred_set in zip(gold, predicted, strict=True):
        gold_set, pred_set = set(gold_set), set(pred_set)
        n_gold.update(e[0] for e in gold_set)
        n_pred.update(e[0] for e in pred_set)
        tp.update(e[0] for e in gold_set & pred_set)
    result = {}
    for entity in sorted(n_gold):
        p = tp[entity] / n_pred[entity] if n_pred[entity] else 0.0
        r = tp[entity] / n_gold[entity]
        result[entity] = LabelScore(p, r, 2 * p * r / (p + r) if p + r else 0.0, n_gold[entity])
    return result


# --- models --------------------------------------------------------------------------------------


def fingerprint(config: Path, data: Sequence[Path]) -> str:
    """Hash of everything that shapes an NLU model: config, training data, our components, Rasa."""
    import rasa

    digest = hashlib.sha256(rasa.__version__.encode())
    for file in files_under([str(config), *map(str, data), *CODE_INPUTS], ROOT):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def train_nlu(
    config: Path, data: Sequence[Path], out: Path, domain: Path | None = None
) -> tuple[Path, float]:
    """Path of the NLU model for ``config`` (trained now unless cached) and its training seconds."""
    name = f"nlu-{config.stem}-{fingerprint(config, data)}"
    model = out / f"{name}.tar.gz"
    meta = out / f"{name}.json"
    if model.exists() and meta.exists():
        return model, json.loads(meta.read_text())["train_seconds"]
    out.mkdir(parents=True, exist_ok=True)
    command = [
        str(Path(sys.executable).with_name("rasa")),
        "train",
        "nlu",
        "--config",
        str(config),
        "--out",
        str(out),
        "--fixed-model-name",
        name,
        "--nlu",
        *map(str, data),
    ]
    if domain is not None and domain.exists():
        command += ["--domain", str(domain)]
    # No training cache, so the reported time is a full training.
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "RASA_MAX_CACHE_SIZE": "0",
    }
    print(f"Training {config} -> {model}", file=sys.stderr)
    started = time.monotonic()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    meta.write_text(json.dumps({"train_seconds": round(seconds, 1), "config": str(config)}))
    return model, seconds


async def _parse_all(model_path: Path, texts: Sequence[str]) -> list[dict[str, Any]]:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # otherwise every parse is logged to stdout
    agent = Agent.load(str(model_path))
    return [await agent.parse_message(text) for text in texts]


def parse_texts(model_path: str | Path, texts: Sequence[str]) -> list[dict[str, Any]]:
    return asyncio.run(_parse_all(Path(model_path), texts))


def evaluate_model(model_path: str | Path, nlu_path: str | Path) -> Report:
    """Score a trained model (NLU-only or full) on a Rasa NLU YAML file."""
    examples = load_examples(nlu_path)
    parses = parse_texts(model_path, [e.text for e in examples])
    predicted = [full_intent(p) for p in parses]
    gold = [e.label for e in examples]
    plain = [i for i, e in enumerate(examples) if is_unaccented(e.text)]
    predicted_entities = [
        tuple((e["entity"], e["start"], e["end"]) for e in p.get("entities") or []) for p in parses
    ]
    raw = []
    for label, parse in zip(gold, parses, strict=True):
        intent, confidence = top_without_fallback(parse)
        raw.append((label, full_intent(parse, intent), confidence))
    return Report(
        predictions=list(zip(gold, predicted, strict=True)),
        raw=raw,
        all=score(gold, predicted),
        unaccented=score([gold[i] for i in plain], [predicted[i] for i in plain]),
        entities=entity_scores([e.entities for e in examples], predicted_entities),
        errors=[(e.text, g, p) for e, g, p in zip(examples, gold, predicted, strict=True) if g != p],
    )


def offdomain_rate(model_path: str | Path, nlu_path: str | Path) -> tuple[float, int]:
    """Share of the messages of ``nlu_path`` predicted nlu_fallback or out_of_scope, and their count."""
    texts = [e.text for e in load_examples(nlu_path)]
    predicted = [full_intent(p) for p in parse_texts(model_path, texts)]
    return (sum(p in FALLBACKS for p in predicted) / len(predicted) if predicted else 0.0), len(predicted)


# --- report --------------------------------------------------------------------------------------


def _cells(score_: LabelScore | None) -> str:
    if score_ is None:
        return f"{'-':>5} {'-':>5} {'-':>5}"
    return f"{score_.precision:5.2f} {score_.recall:5.2f} {score_.f1:5.2f}"


def format_side_by_side(reports: dict[str, Report], timings: dict[str, float]) -> str:
    names = list(reports)
    labels = sorted({label for r in reports.values() for label in r.all.per_label})
    width = max(len(label) for label in labels) + 1
    head = f"{'intent':<{width}} {'n':>4}  " + "  ".join(f"{n + ' P   R    F1':^17}" for n in names)
    lines = [head, "-" * len(head)]
    for label in labels:
        support = next(r.all.per_label[label].support for r in reports.values() if label in r.all.per_label)
        cells = "  ".join(_cells(r.all.per_label.get(label)) for r in reports.values())
        lines.append(f"{label:<{width}} {support:>4}  {cells}")
    lines.append("-" * len(head))

    def row(title: str, values: Iterable[str]) -> str:
        return f"{title:<{width + 6}}" + "  ".join(f"{v:>17}" for v in values)

    lines.append(row("", names))
    for title, pick in (
        ("macro-F1 (all)", lambda r: f"{r.all.macro_f1:.3f}"),
        ("in-domain -> fallback", lambda r: f"{r.in_domain_fallback:.1%}"),
        ("accuracy (all)", lambda r: f"{r.all.accuracy:.3f}"),
        ("macro-F1 (unaccented)", lambda r: f"{r.unaccented.macro_f1:.3f}"),
        ("accuracy (unaccented)", lambda r: f"{r.unaccented.accuracy:.3f}"),
        ("messages all/unacc.", lambda r: f"{r.all.count}/{r.unaccented.count}"),
    ):
        lines.append(row(title, (pick(r) for r in reports.values())))
    lines.append(row("train time (s)", (f"{timings[n]:.0f}" for n in names)))
    entity_types = sorted({e for r in reports.values() for e in r.entities})
    for entity in entity_types:
        lines.append(
            row(
                f"entity F1 {entity}",
                (f"{r.entities[entity].f1:.2f}" if entity in r.entities else "-" for r in reports.values()),
            )
        )
    return "\n".join(lines)


def format_summary(name: str, report: Report) -> str:
    """Aggregate figures only (for blind test sets)."""
    return (
        f"{name}: macro-F1 {report.all.macro_f1:.3f}, accuracy {report.all.accuracy:.3f} "
        f"({report.all.count} messages, {len(report.all.per_label)} labels); unaccented macro-F1 "
        f"{report.unaccented.macro_f1:.3f}, accuracy {report.unaccented.accuracy:.3f} "
        f"({report.unaccented.count} messages); in-domain sent to fallback {report.in_domain_fallback:.1%}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--nlu", required=True, nargs="+", type=Path, help="Rasa NLU YAML file(s) to evaluate on"
    )
    parser.add_argument(
        "--offdomain", nargs="*", default=[], type=Path, help="files of messages that must reach the fallback"
    )
    parser.add_argument("--summary", action="store_true", help="aggregate figures only (blind test sets)")
    parser.add_argument("--config", default=ROOT / "config.yml", type=Path)
    parser.add_argument("--stock", type=Path, help="second config to compare (bench/config_stock.yml)")
    parser.add_argument(
        "--data", nargs="+", type=Path, default=[ROOT / "data" / "nlu"], help="training NLU files or folders"
    )
    parser.add_argument("--domain", type=Path, default=ROOT / "domain.yml")
    parser.add_argument("--out", type=Path, default=Path("/tmp/nlu-models"))
    parser.add_argument("--errors", type=int, default=25, help="misclassified messages to list (ours)")
    parser.add_argument("--ours-model", type=Path, help="evaluate this trained model instead of training")
    parser.add_argument("--stock-model", type=Path, help="same for the stock config")
    args = parser.parse_args(argv)

    configs = {"ours": args.config} if not args.stock else {"ours": args.config, "stock": args.stock}
    given = {"ours": args.ours_model, "stock": args.stock_model}
    models, timings = {}, {}
    for name, config in configs.items():
        if given[name]:
            models[name], timings[name] = given[name], float("nan")
        else:
            models[name], timings[name] = train_nlu(config, args.data, args.out, args.domain)
    for nlu in args.nlu:
        reports = {name: evaluate_model(model, nlu) for name, model in models.items()}
        if args.summary:
            print(f"\nNLU evaluation on {nlu}")
            for name, report in reports.items():
                print(format_summary(name, report))
            continue
        print(f"\nNLU evaluation on {nlu}\n")
        print(format_side_by_side(reports, timings))
        print("\nFallback threshold sweep (ours): threshold, macro-F1, accuracy, share sent to nlu_fallback")
        for row in threshold_sweep(reports["ours"], (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)):
            print("  {:.1f}  {:.3f}  {:.3f}  {:.3f}".format(*row))
        errors = reports["ours"].errors[: args.errors]
        if errors:
            print(f"\nMisclassified by ours (first {len(errors)} of {len(reports['ours'].errors)}):")
            for text, gold, predicted in errors:
                print(f"  {gold:<26} -> {predicted:<26} {text}")
    for path in args.offdomain:
        for name, model in models.items():
            rate, count = offdomain_rate(model, path)
            print(f"\nOff-domain {path} ({name}): {rate:.1%} of {count} messages reach the fallback")
    return 0


if __name__ == "__main__":
    sys.exit(main())
