"""Train a character-level BertForTokenClassification from scratch on (text, spans) examples. Seeded.

``TrainConfig`` is read from a TOML file (``training/configs/*.toml``) by ``xxgk train``; the same seed, data
and config give the same weights on the same device.
"""

from __future__ import annotations

import logging
import math
import random
import tomllib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

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
T = TypeVar("T")


class Architecture(BaseModel):
    """The encoder's shape and the windows it reads, shared by tagging and masked-character pretraining."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hidden: int = 256
    layers: int = 4
    heads: int = 4
    intermediate: int = 1024
    window: int = 510
    stride: int = 384


class TrainConfig(Architecture):
    epochs: int = 3
    steps: int | None = None
    batch_size: int = 16
    lr: float = 5e-4
    warmup: float = 0.05  # share of steps with a linear warm-up; the rest decays linearly to 0
    seed: int = 0
    model_id: str = "xxgk-char-bert"
    device: str = "auto"  # auto | cpu | cuda
    init_from: str | None = None  # continue from this model directory (its weights and vocabulary)
    # start from this masked-character encoder (training/pretrain.py: its architecture, weights and vocabulary;
    # the tag classifier is new), instead of random weights
    encoder_from: str | None = None
    # Distillation: a model directory whose tag distributions the model also learns (a smaller student
    # trained to read as a bigger teacher does), with this weight against the labels, at this temperature.
    teacher: str | None = None
    distill: float = 0.5
    temperature: float = 2.0
    # the loss at a digit inside a digit run counts this many times: whether a cell starts there is how the
    # engine weighs a glued run's splits that the rules leave open (one character in hundreds of a window)
    run_digit_weight: float = 1.0
    # a window where a cell starts inside a digit run (a glued run's cut: one window in seven even when a fifth of
    # the reports are glued dumps) is trained on this many times per pass, so that the cuts are seen often enough
    run_window_repeat: int = 1


class DataConfig(BaseModel):
    """Where the training examples come from; see ``training.corpus``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    synthetic: int = 2000  # synthetic reports generated on the fly (seeds synthetic_seed…)
    synthetic_seed: int = 0
    # edit each generated report as one of the layout families (training/families.py), in turn by seed: all of
    # them (true), or these (a family named twice comes twice as often; "plain" leaves a report as generated)
    families: bool | tuple[str, ...] = False
    # print each generated report in one of these layouts (training.synth.LAYOUTS), in turn by seed, a layout
    # named twice coming twice as often; empty: each report draws its own
    layouts: tuple[str, ...] = ()
    corpora: tuple[str, ...] = ()  # JSONL(.gz) corpora: pre-generated, silver, human corrections
    silver: tuple[str, ...] = ()  # real reports to label with the rule tagger (kept only if every rule passes)
    human: tuple[str, ...] = ()  # corpora of human corrections or known values (`xxgk corpus from-gold`)
    human_weight: int = 1  # times each human example is repeated, as `xxgk retrain --human-weight`


class RunConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    train: TrainConfig = TrainConfig()
    data: DataConfig = DataConfig()

    @classmethod
    def load(cls, path: Path) -> RunConfig:
        with path.open("rb") as fh:
            return cls.model_validate(tomllib.load(fh))


def pick_device(name: str) -> torch.device:
    """``auto`` is CUDA when there is one, else the CPU; any other name is taken as it is."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def linear_schedule(optimizer: torch.optim.Optimizer, total: int, warmup: float) -> torch.optim.lr_scheduler.LambdaLR:
    """A linear warm-up over ``warmup`` of the ``total`` steps, then a linear decay to 0."""
    warm = max(1, int(total * warmup))
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warm, max(0.0, (total - step) / max(1, total - warm)))
    )


def shuffled_batches(items: Sequence[T], size: int, rng: random.Random) -> Iterator[list[T]]:
    """Batches of ``size`` of ``items`` without end, in a new shuffled order at every pass (the last of a pass
    may be short)."""
    if not items:
        raise ValueError("nothing to train on")
    while True:
        order = list(range(len(items)))
        rng.shuffle(order)
        for i in range(0, len(order), size):
            yield [items[j] for j in order[i : i + size]]


def take_step(
    loss: torch.Tensor,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    schedule: torch.optim.lr_scheduler.LRScheduler,
) -> None:
    """One optimiser step on ``loss``, its gradients clipped to norm 1, and the schedule advanced."""
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    schedule.step()


def report(progress: Callable[[int, int, float], None], step: int, total: int, loss: torch.Tensor) -> None:
    value = loss.item()
    progress(step, total, value if math.isfinite(value) else float("nan"))


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


def framed_windows(
    examples: Sequence[Example], vocab: CharVocab, window: int, stride: int
) -> list[tuple[list[int], list[int]]]:
    """(ids, label ids) of the same overlapping windows, framed by [CLS]/[SEP], the tagger reads at inference."""
    cls_id, sep_id = vocab.index["[CLS]"], vocab.index["[SEP]"]
    out = []
    for text, spans in examples:
        ids = vocab.encode(text)
        labels = [LABEL2ID[t] for t in spans_to_tags(len(text), spans)]
        for s, e in windows(len(ids), window, stride):
            out.append(([cls_id, *ids[s:e], sep_id], [-100, *labels[s:e], -100]))
    return out


def with_cuts_repeated(
    chunks: list[tuple[list[int], list[int]]], digit: torch.Tensor, times: int
) -> list[tuple[list[int], list[int]]]:
    """``chunks`` with each window where a value starts right after a digit (a cut inside a glued run) ``times``
    times."""
    if times <= 1:
        return chunks
    is_digit = digit.tolist()
    b_value = LABEL2ID["B-VALUE"]

    def cut_inside(ids: list[int], labels: list[int]) -> bool:
        return any(lab == b_value and is_digit[ids[i - 1]] and is_digit[ids[i]] for i, lab in enumerate(labels) if i)

    return [chunk for chunk in chunks for _ in range(times if cut_inside(*chunk) else 1)]


def run_digits(vocab: CharVocab) -> torch.Tensor:
    """``digit[i]``: the vocabulary's token ``i`` is a digit."""
    return torch.tensor([len(t) == 1 and t.isdigit() for t in vocab.tokens], dtype=torch.bool)


def weighted_loss(
    logits: torch.Tensor, labels: torch.Tensor, input_ids: torch.Tensor, digit: torch.Tensor, w: float
) -> torch.Tensor:
    """Token cross-entropy over labelled tokens (the model's own loss at ``w`` = 1), a digit after a digit (inside
    a run) counting ``w`` times."""
    ce = torch.nn.functional.cross_entropy(logits.float().transpose(1, 2), labels.clamp(min=0), reduction="none")
    is_digit = digit[input_ids]
    inside = torch.zeros_like(is_digit)
    inside[:, 1:] = is_digit[:, 1:] & is_digit[:, :-1]
    weight = (labels != -100).float() * torch.where(inside, w, 1.0)
    return (ce * weight).sum() / weight.sum()


def train(
    examples: Sequence[Example],
    config: TrainConfig,
    vocab: CharVocab | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> TransformersTagger:
    """Train from scratch; ``progress(step, total, loss)`` is called after every step."""
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    device = pick_device(config.device)
    taught = TransformersTagger.load(Path(config.teacher)) if config.teacher else None
    teacher = taught.model.to(device).eval() if taught else None
    if config.init_from:
        start = TransformersTagger.load(Path(config.init_from))
        vocab, model = start.vocab, start.model.train().to(device)
    elif config.encoder_from:
        vocab = CharVocab.load(Path(config.encoder_from) / "vocab.json")
        model = BertForTokenClassification.from_pretrained(
            config.encoder_from, num_labels=len(LABELS), id2label=ID2LABEL, label2id=LABEL2ID, local_files_only=True
        ).to(device)
    else:
        vocab = vocab or (taught.vocab if taught else CharVocab.build(text for text, _ in examples))
        model = build_model(config, len(vocab)).to(device)
    # the teacher reads the same characters through its own vocabulary: a character it does not know is its [UNK]
    to_teacher = teacher_ids(vocab, taught.vocab).to(device) if taught else None
    digit = run_digits(vocab)
    chunks = with_cuts_repeated(
        framed_windows(examples, vocab, config.window, config.stride), digit, config.run_window_repeat
    )
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.01)
    per_epoch = (len(chunks) + config.batch_size - 1) // config.batch_size
    total = config.steps or config.epochs * per_epoch
    schedule = linear_schedule(optimizer, total, config.warmup)
    pad = vocab.index["[PAD]"]
    digit = digit.to(device)
    model.train()
    for step, batch in zip(range(total), shuffled_batches(chunks, config.batch_size, rng), strict=False):
        width = max(len(ids) for ids, _ in batch)
        input_ids = torch.tensor([ids + [pad] * (width - len(ids)) for ids, _ in batch])
        labels = torch.tensor([lab + [-100] * (width - len(lab)) for _, lab in batch])
        mask = (input_ids != pad).long()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            out = model(input_ids=input_ids.to(device), attention_mask=mask.to(device))
            loss = weighted_loss(out.logits, labels.to(device), input_ids.to(device), digit, config.run_digit_weight)
            if teacher is not None and to_teacher is not None:
                loss = (1 - config.distill) * loss + config.distill * _distillation_loss(
                    out.logits, teacher, to_teacher[input_ids.to(device)], mask.to(device), config.temperature
                )
        take_step(loss, model, optimizer, schedule)
        if progress and ((step + 1) % 20 == 0 or step + 1 == total):
            report(progress, step + 1, total, loss)
    model.to("cpu").eval()
    return TransformersTagger(model, vocab, window=config.window, stride=config.stride, model_id=config.model_id)


def teacher_ids(student: CharVocab, teacher: CharVocab) -> torch.Tensor:
    """``translate[i]``: the teacher's id of the student's token ``i`` (its ``[UNK]`` for a character it does not
    know), so that a teacher with another vocabulary reads the same windows as the student."""
    unk = teacher.index["[UNK]"]
    return torch.tensor([teacher.index.get(token, unk) for token in student.tokens], dtype=torch.long)


def _distillation_loss(
    logits: torch.Tensor, teacher: BertForTokenClassification, input_ids: torch.Tensor, mask: torch.Tensor, t: float
) -> torch.Tensor:
    """KL(teacher ‖ student) of the tag distributions at temperature ``t`` over the real (unpadded) tokens,
    scaled by t² (Hinton et al.) so its gradients weigh as the label loss's do."""
    with torch.no_grad():
        target = torch.log_softmax(teacher(input_ids=input_ids, attention_mask=mask).logits.float() / t, -1)
    student = torch.log_softmax(logits.float() / t, -1)
    kl = (target.exp() * (target - student)).sum(-1)
    return (kl * mask).sum() / mask.sum() * t * t


def examples_for(data: DataConfig) -> list[Example]:
    """Collect the training examples a ``DataConfig`` names."""
    from extractor.corpus import read_corpus, silver_examples
    from training.corpora import synthetic_examples

    seeds = range(data.synthetic_seed, data.synthetic_seed + data.synthetic)
    pool = [
        *synthetic_examples(seeds, families=data.families, layouts=data.layouts),
        *silver_examples([Path(p) for p in data.silver]),
    ]
    for corpus in data.corpora:
        pool.extend(read_corpus(Path(corpus)))
    for corpus in data.human:
        pool.extend(list(read_corpus(Path(corpus))) * max(1, data.human_weight))
    return [(ex.text, ex.spans) for ex in pool]
