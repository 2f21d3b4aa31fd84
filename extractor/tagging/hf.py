"""TransformersTagger: a character-level ``BertForTokenClassification`` behind the ``Tagger`` protocol.

A model directory holds ``config.json`` + ``model.safetensors`` (transformers), ``vocab.json`` (``CharVocab``)
and ``manifest.json`` (label set version, labels, window size). Long documents are read in overlapping
windows; each character takes the prediction of the window in which it sits farthest from an edge.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from transformers import BertForTokenClassification

from extractor.errors import ModelLoadError
from extractor.labels import LABEL_SET_VERSION, LABELS
from extractor.tagging.alignment import tags_to_spans, windows
from extractor.tagging.vocab import CharVocab
from extractor.types import NormalizedDoc, TaggedDoc

MANIFEST = "manifest.json"


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
        return f"model:{self.model_id}"

    @classmethod
    def load(cls, path: Path) -> TransformersTagger:
        manifest_path = path / MANIFEST
        if not manifest_path.is_file():
            raise ModelLoadError(f"{path}: no {MANIFEST}")
        manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("label_set_version") != LABEL_SET_VERSION or tuple(manifest.get("labels", ())) != LABELS:
            raise ModelLoadError(
                f"{path}: saved with label set {manifest.get('label_set_version')}, this code uses {LABEL_SET_VERSION}"
            )
        try:
            model = BertForTokenClassification.from_pretrained(str(path), local_files_only=True, dtype=torch.float32)
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"{path}: {exc}") from exc
        model.eval()
        return cls(
            model,
            CharVocab.load(path / "vocab.json"),
            window=int(manifest.get("window", 510)),
            stride=int(manifest.get("stride", 384)),
            model_id=str(manifest.get("model_id", path.name)),
        )

    def save(self, path: Path, extra: dict[str, Any] | None = None) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(str(path), safe_serialization=True)
        self.vocab.save(path / "vocab.json")
        manifest = {
            "label_set_version": LABEL_SET_VERSION,
            "labels": list(LABELS),
            "window": self.window,
            "stride": self.stride,
            "model_id": self.model_id,
            **(extra or {}),
        }
        (path / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")

    @torch.inference_mode()
    def predict(self, text: str) -> tuple[list[str], list[float]]:
        """One BIO tag and its probability per character of ``text``."""
        ids = self.vocab.encode(text)
        n = len(ids)
        best = torch.full((n,), -1.0)
        tags = torch.zeros(n, dtype=torch.long)
        probs = torch.zeros(n)
        cls_id, sep_id, pad_id = (self.vocab.index[t] for t in ("[CLS]", "[SEP]", "[PAD]"))
        wins = windows(n, self.window, self.stride)
        for b in range(0, len(wins), self.batch_size):
            batch = wins[b : b + self.batch_size]
            width = max(e - s for s, e in batch) + 2
            input_ids = torch.full((len(batch), width), pad_id)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for r, (s, e) in enumerate(batch):
                input_ids[r, : e - s + 2] = torch.tensor([cls_id, *ids[s:e], sep_id])
                mask[r, : e - s + 2] = 1
            logits = self.model(input_ids=input_ids, attention_mask=mask).logits.float().softmax(-1)
            for r, (s, e) in enumerate(batch):
                p, t = logits[r, 1 : e - s + 1].max(-1)
                pos = torch.arange(e - s)
                centrality = torch.minimum(pos, (e - s - 1) - pos).float()
                better = centrality > best[s:e]
                best[s:e] = torch.where(better, centrality, best[s:e])
                tags[s:e] = torch.where(better, t, tags[s:e])
                probs[s:e] = torch.where(better, p, probs[s:e])
        return [LABELS[i] for i in tags.tolist()], probs.tolist()

    def tag(self, doc: NormalizedDoc) -> TaggedDoc:
        tags, scores = self.predict(doc.text)
        return TaggedDoc(doc=doc, spans=tuple(tags_to_spans(tags, scores)), tagger=self.name)
