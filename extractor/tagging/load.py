"""Choosing a tagger by name: ``rules`` or ``model`` (the shipped default model, or a model directory)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from extractor.errors import ModelLoadError
from extractor.tagging import Tagger

CHECKOUT_MODEL = Path(__file__).resolve().parents[2] / "models" / "default"
TAGGERS = ("model", "rules")


def shipped_model_dir() -> Path:
    """The shipped model: package data of ``extractor.models`` in an installed wheel, ``models/default`` of a
    checkout (an editable install maps the package onto that folder, or leaves the checkout path)."""
    try:
        spec = importlib.util.find_spec("extractor.models")
    except ModuleNotFoundError:
        spec = None
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        if (Path(location) / "default" / "manifest.json").is_file():
            return Path(location) / "default"
    return CHECKOUT_MODEL


def default_model_dir() -> Path:
    """``$XXGK_MODEL`` if set, else the shipped model."""
    return Path(os.environ["XXGK_MODEL"]) if os.environ.get("XXGK_MODEL") else shipped_model_dir()


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


def one_thread() -> None:
    """One torch thread in this process (a worker pool supplies the parallelism); nothing without torch."""
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(1)
