"""Train the Rasa model only when its inputs changed.

The model file is named after a hash of everything that shapes it (data/, kb/, domain.yml,
config.yml and the custom NLU/policy code), so an up-to-date model is found without loading Rasa.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from vssid.nlu.code_fingerprint import MODEL_CODE, files_under  # noqa: E402 (no Rasa import)

INPUTS = ["data", "kb", "domain.yml", "config.yml", "requirements.txt", *MODEL_CODE]


def fingerprint(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for file in files_under(INPUTS, root):
        digest.update(str(file.relative_to(root)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "models"))
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    name = f"vssid-{fingerprint()}"
    target = Path(args.out) / f"{name}.tar.gz"
    if target.exists() and not args.force:
        print(f"Model up to date: {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
        target.touch()  # newest model = the one matching the current sources
        return 0
    rasa = str(Path(sys.executable).with_name("rasa"))
    started = time.monotonic()
    code = subprocess.call(
        [
            rasa,
            "train",
            "--data",
            "data",
            "--domain",
            "domain.yml",
            "--config",
            "config.yml",
            "--out",
            args.out,
            "--fixed-model-name",
            name,
        ],
        cwd=ROOT,
    )
    if code == 0:
        print(f"Trained {target.name} in {time.monotonic() - started:.0f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
