"""OnnxTagger: the same character tagger run by ONNX Runtime (no torch at inference), behind ``Tagger``.

The model directory of a ``TransformersTagger`` with ``model.onnx`` (or ``model.int8.onnx``) beside it, written
by ``TransformersTagger.save``/``export_onnx``. Windows are read exactly as the torch tagger reads them, and the
fp32 graph gives the torch model's tags, so it carries the model's own name; the int8 graph (which changes a
few tags) is named ``…-int8``. This is the runtime ``xxgk`` reads a model with by default: it starts in a
fraction of a second, where importing torch and transformers takes seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from extractor.errors import ModelLoadError, StaleExportError
from extractor.tagging.vocab import CharVocab
from extractor.tagging.windows import (
    ONNX_FILE,
    model_name,
    predict_doc,
    predict_windows,
    read_manifest,
    softmax,
    weights_digest,
)
from extractor.types import NormalizedDoc, TaggedDoc


@dataclass
class OnnxTagger:
    session: Any  # onnxruntime.InferenceSession
    vocab: CharVocab
    window: int
    stride: int
    batch_size: int = 16
    model_id: str = "model"

    @property
    def name(self) -> str:
        return model_name(self.model_id)

    @classmethod
    def load(cls, path: Path, file: str = ONNX_FILE, threads: int = 0, exported_here: bool = False) -> OnnxTagger:
        """``threads``: ONNX Runtime's intra-op threads (0: one per core). Raises ``ModelLoadError`` when the
        graph is missing or unreadable, ``StaleExportError`` when it was exported from other weights than the
        directory's, or (``exported_here``) when the manifest does not say which weights it was made from."""
        import onnxruntime as ort

        manifest = read_manifest(path)
        if not (path / file).is_file():
            raise ModelLoadError(f"{path}: no {file} (export it with TransformersTagger.export_onnx)")
        if manifest.onnx_of is None and exported_here:
            raise StaleExportError(f"{path}: the manifest does not say which weights {file} was exported from")
        if manifest.onnx_of is not None and manifest.onnx_of != weights_digest(path):
            raise StaleExportError(f"{path}: {file} was exported from other weights than model.safetensors")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3  # warnings about unused initializers are not the user's concern
        try:
            session = ort.InferenceSession(str(path / file), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph types for a bad file
            raise ModelLoadError(f"{path / file}: {exc}") from exc
        return cls(
            session,
            CharVocab.load(path / "vocab.json"),
            window=manifest.window,
            stride=manifest.stride,
            model_id=manifest.model_id + ("-int8" if "int8" in file else ""),
        )

    def _run(self, input_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        (logits,) = self.session.run(["logits"], {"input_ids": input_ids, "attention_mask": mask})
        return softmax(logits.astype(np.float64))

    def predict(self, text: str) -> tuple[list[str], list[float]]:
        return predict_windows(text, self.vocab, self._run, self.window, self.stride, self.batch_size)

    def tag(self, doc: NormalizedDoc) -> TaggedDoc:
        return predict_doc(doc, self.vocab, self._run, self.window, self.stride, self.batch_size, self.name)
