"""Masked-character pretraining (掩码字预训练) of the tagger's encoder on unlabelled text, real and generated.

A ``BertForMaskedLM`` with the tagger's architecture learns to restore hidden characters from their context; a
tagger then starts from its encoder (``TrainConfig.encoder_from``) instead of from random weights. The mask token
is ``[UNK]``: the tagger meets it wherever a report uses a character outside its vocabulary, so restoring masked
characters is also practice at reading around unknown ones. Seeded: the same texts and config give the same
weights on the same device.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from transformers import BertConfig, BertForMaskedLM

from extractor.tagging.vocab import SPECIALS, CharVocab
from training.train import (
    Architecture,
    framed_windows,
    linear_schedule,
    pick_device,
    report,
    shuffled_batches,
    take_step,
)


class PretrainConfig(Architecture):
    """The architecture (``Architecture``'s defaults, as a tagger's) and the masked-character training loop."""

    steps: int = 1000
    batch_size: int = 32
    lr: float = 2e-3
    warmup: float = 0.05
    mask: float = 0.15  # share of characters hidden; of those 80% become [UNK], 10% a random character, 10% stay
    min_count: int = 2  # a character seen fewer times is left out of the vocabulary ([UNK])
    seed: int = 0
    device: str = "auto"


def mask_tokens(
    ids: torch.Tensor, vocab: CharVocab, share: float, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs, labels) for one batch: ``share`` of the non-special positions are chosen; the labels hold their
    original ids (-100 elsewhere); 80% of them read ``[UNK]``, 10% a random non-special character, 10% stay."""
    layout = ("[NL]", "[TAB]", "[SP]")  # newline, tab and space are characters of the text: they may be hidden
    special = torch.tensor([i for i, t in enumerate(vocab.tokens) if t in SPECIALS and t not in layout])
    eligible = ~torch.isin(ids, special)
    chosen = eligible & (torch.rand(ids.shape, generator=generator) < share)
    labels = torch.where(chosen, ids, torch.full_like(ids, -100))
    draw = torch.rand(ids.shape, generator=generator)
    inputs = ids.clone()
    inputs[chosen & (draw < 0.8)] = vocab.index["[UNK]"]
    swap = chosen & (draw >= 0.8) & (draw < 0.9)
    inputs[swap] = torch.randint(len(SPECIALS), len(vocab), (int(swap.sum()),), generator=generator)
    return inputs, labels


def pretrain(
    texts: Sequence[str],
    config: PretrainConfig,
    vocab: CharVocab | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> tuple[BertForMaskedLM, CharVocab]:
    """Train a masked-character model on ``texts`` (windows as the tagger reads them); ``progress(step, total,
    loss)`` is called every 20 steps."""
    rng = random.Random(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    torch.manual_seed(config.seed)
    device = pick_device(config.device)
    vocab = vocab or CharVocab.build(texts, min_count=config.min_count)
    model: BertForMaskedLM = BertForMaskedLM(
        BertConfig(
            vocab_size=len(vocab),
            hidden_size=config.hidden,
            num_hidden_layers=config.layers,
            num_attention_heads=config.heads,
            intermediate_size=config.intermediate,
            max_position_embeddings=config.window + 2,
        )
    )
    model.to(device)  # type: ignore[arg-type]  # transformers types .to as a decorator
    pad = vocab.index["[PAD]"]
    chunks = [ids for ids, _ in framed_windows([(text, ()) for text in texts], vocab, config.window, config.stride)]
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.01)
    schedule = linear_schedule(optimizer, config.steps, config.warmup)
    model.train()
    for step, batch in zip(range(config.steps), shuffled_batches(chunks, config.batch_size, rng), strict=False):
        width = max(map(len, batch))
        padded = torch.tensor([c + [pad] * (width - len(c)) for c in batch])
        inputs, labels = mask_tokens(padded, vocab, config.mask, generator)
        mask = torch.ne(padded, pad).long()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            loss = model(input_ids=inputs.to(device), attention_mask=mask.to(device), labels=labels.to(device)).loss
        take_step(loss, model, optimizer, schedule)
        if progress and ((step + 1) % 20 == 0 or step + 1 == config.steps):
            report(progress, step + 1, config.steps, loss)
    return model.cpu().eval(), vocab


def save_encoder(model: BertForMaskedLM, vocab: CharVocab, path: Path) -> None:
    """Write the pretrained model and its vocabulary where ``TrainConfig.encoder_from`` reads them."""
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(path), safe_serialization=True)
    vocab.save(path / "vocab.json")


def masked_loss(
    model: BertForMaskedLM, vocab: CharVocab, texts: Sequence[str], config: PretrainConfig, seed: int = 1
) -> float:
    """Mean masked-character loss of ``model`` over ``texts`` (one window each, the same masks for any model)."""
    generator = torch.Generator().manual_seed(seed)
    cls_id, sep_id = vocab.index["[CLS]"], vocab.index["[SEP]"]
    losses = []
    with torch.no_grad():
        for text in texts:
            ids = torch.tensor([[cls_id, *vocab.encode(text)[: config.window], sep_id]])
            inputs, labels = mask_tokens(ids, vocab, config.mask, generator)
            if (labels != -100).any():
                losses.append(model(input_ids=inputs, labels=labels).loss.item())
    return sum(losses) / len(losses)
