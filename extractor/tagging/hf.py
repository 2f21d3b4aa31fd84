"""TransformersTagger: a character-level ``BertForTokenClassification`` behind the ``Tagger`` protocol.

A model directory holds ``config.json`` + ``model.safetensors`` (transformers), ``vocab.json`` (``CharVocab``)
and ``manifest.json`` (label set version, labels, window size), and ``model.onnx``, the same weights for ONNX
Runtime (``onnx.OnnxTagger``, the runtime that reads a model by default: it starts without torch). Long
documents are read in overlapping windows; each character takes the prediction of the window in which it sits
farthest from an edge.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import BertForTokenClassification

from extractor.errors import ModelLoadError
from extractor.labels import LABEL_SET_VERSION, LABELS
from extractor.tagging.vocab import CharVocab
from extractor.tagging.windows import (
    MANIFEST,
    ONNX_FILE,
    Manifest,
    model_name,
    predict_doc,
    predict_windows,
    read_manifest,
    weights_digest,
)
from extractor.types import NormalizedDoc, TaggedDoc


@dataclass
class TransformersTagger:
    model: BertForTokenClassification
    vocab: CharVocab
    window: int = 510
    stride: int = 384
    batch_size: int = 16
    model_id: str = "model"

    @property
    def name(self) -> str:
        return model_name(self.model_id)

    @classmethod
    def load(cls, path: Path, threads: int = 0) -> TransformersTagger:
        """``threads``: torch's intra-op threads in this process (0 leaves torch's default)."""
        manifest = read_manifest(path)
        if threads > 0:
            torch.set_num_threads(threads)
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a library shows no bars: "Loading weights" broke `xxgk extract -q`
        try:
            model = BertForTokenClassification.from_pretrained(str(path), local_files_only=True, dtype=torch.float32)
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"{path}: {exc}") from exc
        model.eval()
        return cls(
            model,
            CharVocab.load(path / "vocab.json"),
            window=manifest.window,
            stride=manifest.stride,
            model_id=manifest.model_id,
        )

    def save(self, path: Path, extra: dict[str, Any] | None = None, half: bool = True) -> None:
        """Write the model directory; weights in fp16 unless ``half`` is false (loading casts back to fp32, and
        the weights in memory are rounded the same way, so ``model.onnx``, exported from them, reads as the saved
        model does). The manifest records the digest of the weights the ONNX copy was made from."""
        path.mkdir(parents=True, exist_ok=True)
        if half:
            self.model.to(torch.float16)
        try:
            self.model.save_pretrained(str(path), safe_serialization=True)
        finally:
            self.model.to(torch.float32)
        self.vocab.save(path / "vocab.json")
        onnx_of = None
        if _can_export_onnx():
            self.export_onnx(path)
            onnx_of = weights_digest(path)
        else:
            (path / ONNX_FILE).unlink(missing_ok=True)  # an earlier save's graph is of other weights
        manifest = Manifest(
            label_set_version=LABEL_SET_VERSION,
            labels=LABELS,
            window=self.window,
            stride=self.stride,
            model_id=self.model_id,
            **{**(extra or {}), "onnx_of": onnx_of},
        )
        (path / MANIFEST).write_text(manifest.model_dump_json(indent=1), encoding="utf-8")

    def predict(self, text: str) -> tuple[list[str], list[float]]:
        """One BIO tag and its probability per character of ``text``."""
        return predict_windows(text, self.vocab, self._run, self.window, self.stride, self.batch_size)

    @torch.inference_mode()
    def _run(self, input_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        logits = self.model(input_ids=torch.from_numpy(input_ids), attention_mask=torch.from_numpy(mask)).logits
        return logits.float().softmax(-1).numpy()

    def export_onnx(self, path: Path, quantize: bool = False) -> Path:
        """Write ``model.onnx`` (or ``model.int8.onnx``, dynamically quantized) beside the model's files."""
        path.mkdir(parents=True, exist_ok=True)
        fp32 = path / ONNX_FILE
        example = torch.ones((2, 16), dtype=torch.long)
        axes = {0: "batch", 1: "tokens"}
        attention = self.model.config._attn_implementation
        # Plain attention exports as a graph that ONNX Runtime runs about 20% faster than the exported SDPA path
        # (tagging the 25 real txt/html reports, one thread, 2026-12-02), with the same tags.
        self.model.set_attn_implementation("eager")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the tracer's notes on shapes that a traced graph cannot follow
                torch.onnx.export(
                    self.model,
                    (example, example),
                    str(fp32),
                    input_names=["input_ids", "attention_mask"],
                    output_names=["logits"],
                    dynamic_axes={"input_ids": axes, "attention_mask": axes, "logits": axes},
                    opset_version=17,
                    dynamo=False,
                )
        finally:
            self.model.set_attn_implementation(attention)
        if not quantize:
            return fp32
        from onnxruntime.quantization import QuantType, quantize_dynamic

        int8 = path / "model.int8.onnx"
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
        return int8

    def tag(self, doc: NormalizedDoc) -> TaggedDoc:
        return predict_doc(doc, self.vocab, self._run, self.window, self.stride, self.batch_size, self.name)


def _can_export_onnx() -> bool:
    """torch's ONNX exporter needs the ``onnx`` package (the ``model`` extra installs it)."""
    import importlib.util

    return importlib.util.find_spec("onnx") is not None
