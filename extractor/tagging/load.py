"""Choosing a tagger by name: ``rules`` or ``model`` (the shipped default model, or a model directory)."""

from __future__ import annotations

import os
from pathlib import Path

from extractor.errors import ModelLoadError
from extractor.tagging import Tagger

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "default"
TAGGERS = ("model", "rules")


def default_model_dir() -> Path:
    """``$XXGK_MODEL`` if set, else ``models/default`` of this checkout."""
    return Path(os.environ.get("XXGK_MODEL", DEFAULT_MODEL))


def load_tagger(name: str, model_dir: Path | None = None) -> Tagger:
    if name == "rules":
        from extractor.tagging.rules import RuleTagger

        return RuleTagger()
    if name != "model":
        raise ValueError(f"unknown tagger {name!r}; available: {', '.join(TAGGERS)}")
    try:
        from extractor.tagging.hf import TransformersTagger
    except ImportError as exc:
        raise ModelLoadError(f"the model tagger needs the 'model' extra (pip install 'xxgk[model]'): {exc}") from exc
    return TransformersTagger.load(model_dir or default_model_dir())
