"""Choosing a tagger by name: ``rules`` or ``model`` (the shipped default model, or a model directory)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from extractor.errors import ModelLoadError, StaleExportError
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


RUNTIMES = ("auto", "onnx", "torch")


def load_tagger(name: str, model_dir: Path | None = None, threads: int = 0, runtime: str = "auto") -> Tagger:
    """``threads``: the model's intra-op threads (0: the runtime's default). ``runtime``: ``onnx`` (ONNX
    Runtime on the directory's ``model.onnx``), ``torch`` (transformers), or ``auto``: ONNX Runtime when it is
    installed and the directory has an up-to-date ``model.onnx``, else torch. Both read a document alike."""
    if name == "rules":
        from extractor.tagging.rules import RuleTagger

        return RuleTagger()
    if name != "model":
        raise ValueError(f"unknown tagger {name!r}; available: {', '.join(TAGGERS)}")
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown runtime {runtime!r}; available: {', '.join(RUNTIMES)}")
    path = model_dir or default_model_dir()
    if runtime == "onnx" or (runtime == "auto" and _onnx_exported(path)):
        try:
            from extractor.tagging.onnx import OnnxTagger
        except ImportError as exc:
            raise ModelLoadError(f"the ONNX runtime needs onnxruntime (pip install 'xxgk[model]'): {exc}") from exc
        try:
            return OnnxTagger.load(path, threads=threads, exported_here=runtime == "auto")
        except StaleExportError:
            if runtime == "onnx":
                raise
    try:
        from extractor.tagging.hf import TransformersTagger
    except ImportError as exc:
        raise ModelLoadError(f"the model tagger needs the 'model' extra (pip install 'xxgk[model]'): {exc}") from exc
    return TransformersTagger.load(path, threads=threads)


def _onnx_exported(path: Path) -> bool:
    """onnxruntime is installed and the directory has a ``model.onnx`` (whether it is of the current weights
    is ``OnnxTagger.load``'s check)."""
    from extractor.tagging.windows import ONNX_FILE

    return importlib.util.find_spec("onnxruntime") is not None and (path / ONNX_FILE).is_file()
