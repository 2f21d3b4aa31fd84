from __future__ import annotations

from pathlib import Path

import pytest

from extractor.tagging.rules import RuleTagger

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
DATA = SHARED / "data"
GOLD = DATA / "gold"


def real_files() -> list[Path]:
    if not DATA.is_dir():
        return []
    return sorted(p for p in DATA.rglob("*") if p.is_file() and "gold" not in p.parts and p.suffix != ".tsv")


@pytest.fixture(scope="session")
def tagger() -> RuleTagger:
    return RuleTagger()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not DATA.is_dir():
        pytest.fail(f"shared data not found at {DATA}: tests need ../shared beside the checkout")
    return DATA
