"""NLU quality gate: intent macro-F1 >= 0.95 on the held-out tests/nlu_test.yml.

Uses the newest model trained by `make train` (models/*.tar.gz); skipped when there is none or no
test file. The full side-by-side report (ours vs stock) is `make eval`.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEST_FILE = ROOT / "tests" / "nlu_test.yml"
MACRO_F1_TARGET = 0.95

sys.path.insert(0, str(ROOT))
from bench.eval_nlu import Report, evaluate_model  # noqa: E402


def _newest_model() -> Path | None:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


@pytest.fixture(scope="module")
def report() -> Report:
    model = _newest_model()
    if model is None or not TEST_FILE.exists():
        pytest.skip("needs a trained model in models/ (make train) and tests/nlu_test.yml")
    return evaluate_model(model, TEST_FILE)


def test_intent_macro_f1(report: Report) -> None:
    worst = sorted(report.all.per_label.items(), key=lambda item: item[1].f1)[:5]
    assert report.macro_f1 >= MACRO_F1_TARGET, (
        f"macro-F1 {report.macro_f1:.3f} < {MACRO_F1_TARGET}; weakest: "
        + ", ".join(f"{label} {s.f1:.2f}" for label, s in worst)
    )


def test_unaccented_messages_are_understood_as_well(report: Report) -> None:
    assert report.unaccented.count > 0
    assert report.unaccented.accuracy >= report.all.accuracy - 0.05
