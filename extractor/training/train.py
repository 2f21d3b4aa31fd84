"""Train a character-level BertForTokenClassification from scratch on (text, spans) examples. Seeded."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence

import torch
from pydantic import BaseModel, ConfigDict
from transformers import BertConfig, BertForTokenClassification

from extractor.labels import ID2LABEL, LABEL2ID, LABELS
from extractor.tagging.alignment import spans_to_tags, windows
from extractor.tagging.hf import TransformersTagger
from extractor.tagging.vocab import CharVocab
from extractor.types import Span

log = logging.getLogger(__name__)
Example = tuple[str, Sequence[Span]]


class TrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    hidden: int = 256
    layers: int = 4
    heads: int = 4
    intermediate: int = 1024
    window: int = 510
    stride: int = 384
    epochs: int = 3
    steps: int | None = None
    batch_size: int = 16
    lr: float = 5e-4
    seed: int = 0
    model_id: str = "xxgk-char-bert"


def build_model(config: TrainConfig, vocab_size: int) -> BertForTokenClassification:
    bert = BertConfig(
        vocab_size=vocab_size,
        hidden_size=config.hidden,
        num_hidden_layers=config.layers,
        num_attention_heads=config.heads,
        intermediate_size=config.intermediate,
        max_position_embeddings=config.window + 2,
        num_labels=len(LABELS),
        id2label=ID2LABEL,
        label2id=LABEL2ID,
    )
    return BertForTokenClassification(bert)


def _chunks(
    examples: Sequence[Example], vocab: CharVocab, window: int, stride: int
) -> list[tuple[list[int], list[int]]]:
    """The same overlapping windows the tagger reads at inference time."""
    cls_id, sep_id = vocab.index["[CLS]"], vocab.index["[SEP]"]
    out = []
    for text, spans in examples:
        ids = vocab.encode(text)
        labels = [LABEL2ID[t] for t in spans_to_tags(len(text), spans)]
        for s, e in windows(len(ids), window, stride):
            out.append(([cls_id, *ids[s:e], sep_id], [-100, *labels[s:e], -100]))
    return out


def train(
    examples: Sequence[Example],
    config: TrainConfig,
    vocab: CharVocab | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> TransformersTagger:
    """Train from scratch; ``progress(step, total, loss)`` is called after every step."""
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    vocab = vocab or CharVocab.build(text for text, _ in examples)
    chunks = _chunks(examples, vocab, config.window, config.stride)
    model = build_model(config, len(vocab))
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr)
    per_epoch = (len(chunks) + config.batch_size - 1) // config.batch_size
    total = config.steps or config.epochs * per_epoch
    pad = vocab.index["[PAD]"]
    model.train()
    order: list[int] = []
    for step in range(total):
        if not order:
            order = list(range(len(chunks)))
            random.shuffle(order)
        batch = [chunks[i] for i in order[: config.batch_size]]
        order = order[config.batch_size :]
        width = max(len(ids) for ids, _ in batch)
        input_ids = torch.tensor([ids + [pad] * (width - len(ids)) for ids, _ in batch])
        labels = torch.tensor([lab + [-100] * (width - len(lab)) for _, lab in batch])
        mask = (input_ids != pad).long()
        loss = model(input_ids=input_ids, attention_mask=mask, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if progress:
            progress(step + 1, total, float(loss))
    model.eval()
    return TransformersTagger(model, vocab, window=config.window, stride=config.stride, model_id=config.model_id)
