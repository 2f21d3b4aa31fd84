"""OnnxTagger: the same character tagger run by ONNX Runtime (no torch at inference), behind ``Tagger``.

The model directory of a ``TransformersTagger`` with ``model.onnx`` (or ``model.int8.onnx``) beside it, written
by ``TransformersTagger.export_onnx``. Windows are read exactly as the torch tagger reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from extractor.errors import ModelLoadError
from extractor.tagging.vocab import CharVocab
from extractor.tagging.windows import predict_doc_spans, predict_windows, read_manifest, softmax
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
        return f"model:{self.model_id}"

    @classmethod
    def load(cls, path: Path, file: str = "model.onnx", threads: int = 0) -> OnnxTagger:
        import onnxruntime as ort

        manifest = read_manifest(path)
        if not (path / file).is_file():
            raise ModelLoadError(f"{path}: no {file} (export it with TransformersTagger.export_onnx)")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        session = ort.InferenceSession(str(path / file), options, providers=["CPUExecutionProvider"])
        return cls(
            session,
            CharVocab.load(path / "vocab.json"),
            window=manifest.window,
            stride=manifest.stride,
            model_id=manifest.model_id + ("-int8" if "int8" in file else "-onnx"),
        )

    def _run(self, input_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        (logits,) = self.session.run(["logits"], {"input_ids": input_ids, "attention_mask": mask})
        return softmax(logits.astype(np.float64))

    def predict(self, text: str) -> tuple[list[str], list[float]]:
        return predict_windows(text, self.vocab, self._run, self.window, self.stride, self.batch_size)

    def tag(self, doc: NormalizedDoc) -> TaggedDoc:
        spans = predict_doc_spans(doc, self.vocab, self._run, self.window, self.stride, self.batch_size)
        return TaggedDoc(doc=doc, spans=tuple(spans), tagger=self.name)
