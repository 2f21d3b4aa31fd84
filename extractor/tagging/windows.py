"""Tagging a long text in overlapping windows with any backend that maps token ids to label probabilities.

Shared by the torch and ONNX Runtime taggers so they read a document identically: each window is framed by
[CLS]/[SEP], windows are batched, and each character takes the prediction of the window in which it sits
farthest from an edge.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from extractor.labels import LABELS
from extractor.tagging.alignment import windows
from extractor.tagging.vocab import CharVocab

# (input_ids [batch, width] int64, attention_mask [batch, width] int64) → probabilities [batch, width, labels]
Backend = Callable[[np.ndarray, np.ndarray], np.ndarray]


def predict_windows(
    text: str, vocab: CharVocab, run: Backend, window: int, stride: int, batch_size: int
) -> tuple[list[str], list[float]]:
    """One BIO tag and its probability per character of ``text``."""
    ids = vocab.encode(text)
    n = len(ids)
    best = np.full(n, -1.0)
    tags = np.zeros(n, dtype=np.int64)
    probs = np.zeros(n)
    cls_id, sep_id, pad_id = (vocab.index[t] for t in ("[CLS]", "[SEP]", "[PAD]"))
    wins = windows(n, window, stride)
    for b in range(0, len(wins), batch_size):
        batch = wins[b : b + batch_size]
        width = max(e - s for s, e in batch) + 2
        input_ids = np.full((len(batch), width), pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for r, (s, e) in enumerate(batch):
            input_ids[r, : e - s + 2] = [cls_id, *ids[s:e], sep_id]
            mask[r, : e - s + 2] = 1
        out = run(input_ids, mask)
        for r, (s, e) in enumerate(batch):
            window_probs = out[r, 1 : e - s + 1]
            t = window_probs.argmax(-1)
            p = window_probs.max(-1)
            pos = np.arange(e - s)
            centrality = np.minimum(pos, (e - s - 1) - pos).astype(float)
            better = centrality > best[s:e]
            best[s:e] = np.where(better, centrality, best[s:e])
            tags[s:e] = np.where(better, t, tags[s:e])
            probs[s:e] = np.where(better, p, probs[s:e])
    return [LABELS[i] for i in tags.tolist()], probs.tolist()


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)
