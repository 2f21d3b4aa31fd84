from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

from extractor.tagging.rules import RuleTagger

# The default run is reproducible: the same generated cases every time (a failure in CI is a failure here).
# HYPOTHESIS_PROFILE=explore draws new cases each run, to look for failures nobody has seen yet.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
DATA = SHARED / "data"
GOLD = DATA / "gold"


def real_files() -> list[Path]:
    if not DATA.is_dir():
        return []
    return sorted(p for p in DATA.rglob("*") if p.is_file() and "gold" not in p.parts and p.suffix != ".tsv")


def write_reports(folder: Path, n: int) -> list[Path]:
    """``n`` generated reports as UTF-8 text files ``report_000.txt`` … in ``folder``."""
    from training.synth import generate

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in range(n):
        path = folder / f"report_{seed:03d}.txt"
        path.write_text(generate(seed).text, encoding="utf-8")
        paths.append(path)
    return paths


def read_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="session")
def tagger() -> RuleTagger:
    return RuleTagger()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not DATA.is_dir():
        pytest.fail(f"shared data not found at {DATA}: tests need ../shared beside the checkout")
    return DATA
