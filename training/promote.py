"""Retrain on synthetic + silver + human data and promote the new model only if it beats the current one.

The comparison is end-to-end cell accuracy on the held-out gold reports; a tie is broken by cell accuracy on
held-out generated reports. The previous model is kept under ``history/`` and every decision is appended to
``CHANGELOG.md`` in the models folder, with the figures it was taken on.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from extractor.evaluate import evaluate, load_outputs
from extractor.extractor import Extractor
from extractor.io.writers import jsonl_text
from extractor.tagging import Tagger
from extractor.tagging.hf import TransformersTagger
from training.synthetic import synthetic_accuracy
from training.train import DataConfig, RunConfig, examples_for, train

HELD_OUT_SEED = 1_000_000


@dataclass(frozen=True)
class Scores:
    gold: float
    synthetic: float

    def __str__(self) -> str:
        return f"gold {self.gold:.4f}, generated {self.synthetic:.4f}"


@dataclass(frozen=True)
class Decision:
    promoted: bool
    candidate: Scores
    current: Scores | None
    model_dir: Path


def score(tagger: Tagger, reports: Sequence[Path], gold_dir: Path, synthetic: int, work: Path) -> Scores:
    out = work / f"scores-{tagger.name.replace(':', '_')}.jsonl"
    out.write_text(jsonl_text(Extractor(tagger).extract_path(p) for p in reports), encoding="utf-8")
    gold = evaluate(load_outputs(out), gold_dir).cells.rate
    generated = synthetic_accuracy(range(HELD_OUT_SEED, HELD_OUT_SEED + synthetic), tagger)
    return Scores(gold, generated["all"].rate if "all" in generated else 0.0)


def retrain(
    config: RunConfig,
    human: Sequence[Path],
    models: Path,
    reports: Sequence[Path],
    gold_dir: Path,
    *,
    synthetic: int = 50,
    progress: Callable[[int, int, float], None] | None = None,
) -> Decision:
    """Train a candidate on the config's data plus ``human`` corpora; promote it to ``models/default`` if better."""
    data = DataConfig(**{**config.data.model_dump(), "corpora": (*config.data.corpora, *map(str, human))})
    candidate = train(examples_for(data), config.train, progress=progress)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    candidate.model_id = f"{config.train.model_id}-{stamp}"
    staged = models / "candidate"
    shutil.rmtree(staged, ignore_errors=True)
    candidate.save(staged, extra={"config": config.model_dump(mode="json"), "human_corpora": [str(h) for h in human]})
    candidate = TransformersTagger.load(staged)  # score what was saved (fp16 weights), not the training copy
    work = models / ".scores"
    work.mkdir(parents=True, exist_ok=True)
    new = score(candidate, reports, gold_dir, synthetic, work)
    current_dir = models / "default"
    old = (
        score(TransformersTagger.load(current_dir), reports, gold_dir, synthetic, work)
        if current_dir.is_dir()
        else None
    )
    promoted = old is None or (new.gold, new.synthetic) > (old.gold, old.synthetic)
    if promoted:
        if current_dir.is_dir():
            previous = models / "history" / TransformersTagger.load(current_dir).model_id
            previous.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(previous, ignore_errors=True)
            shutil.move(str(current_dir), str(previous))
        shutil.move(str(staged), str(current_dir))
    shutil.rmtree(work, ignore_errors=True)
    verdict = "promoted" if promoted else "kept the current model"
    line = f"- {stamp} {candidate.model_id}: {new}; current: {old or 'none'} → {verdict}\n"
    with (models / "CHANGELOG.md").open("a", encoding="utf-8") as fh:
        fh.write(line)
    return Decision(promoted, new, old, current_dir if promoted else staged)
