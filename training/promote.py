"""Retrain on generated + silver + human data and promote the new model only if it beats the current one.

The gate is end-to-end cell accuracy of the model alone (no rule cross-check: the rules would hide its faults)
on real gold reports held out from the training data: a report whose normalized text is in a training corpus
(an annotated document) is never scored. Cells are counted per source (``gold_source``). The candidate is
promoted only when it reads more gold cells than the current model and loses no more than ``tolerance`` cells
on any source; a tie keeps the current model. Held-out generated reports are scored and recorded, in cells,
beside the gold figures.

Promotion moves the current model to ``history/<model_id>`` (``xxgk model rollback`` brings it back), puts the
candidate in ``default/`` with readable file modes, re-fits its ``calibration.json`` on the gate's gold cells,
and writes its ``metrics.json`` and model card. Every decision is appended to ``CHANGELOG.md``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from extractor.calibration import CALIBRATION_FILE, reliability
from extractor.evaluate import Report, evaluate, load_outputs
from extractor.extractor import Extractor, read_normalized
from extractor.io.writers import jsonl_text
from extractor.tagging import Tagger
from extractor.tagging.hf import TransformersTagger
from training.synthetic import synthetic_accuracy
from training.train import DataConfig, Example, RunConfig, examples_for, train

HELD_OUT_SEED = 1_000_000
DEFAULT, HISTORY, CANDIDATE = "default", "history", "candidate"
RETIRED = "retired.txt"  # in a history entry that was the default: when it stopped being it
_YEAR = re.compile(r"_(?:19|20)\d{2}(?:_|$)")


def gold_source(stem: str) -> str:
    """The publisher a gold file comes from: its name up to the year (``hongze_2023`` and ``hongze_2024`` →
    ``hongze``; ``pingtan_2022_page`` → ``pingtan``); a name without a year is its own source."""
    m = _YEAR.search(stem)
    return stem[: m.start()] if m and m.start() > 0 else stem


@dataclass(frozen=True)
class Scores:
    """Cells right and in all: on gold (and per source), and on held-out generated reports."""

    gold: tuple[int, int]
    by_source: dict[str, tuple[int, int]]
    generated: tuple[int, int]
    report: Report | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        g, s = self.gold, self.generated
        return f"gold {g[0]}/{g[1]} cells, generated {s[0]}/{s[1]} cells"


@dataclass(frozen=True)
class Decision:
    promoted: bool
    candidate: Scores
    current: Scores | None
    model_dir: Path
    why: str
    held_out: tuple[str, ...]  # the gold reports the gate scored


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def held_out(reports: Sequence[Path], training: Iterable[Example]) -> list[Path]:
    """The reports whose normalized text is not among the training examples' texts."""
    seen = {_text_hash(text) for text, _ in training}
    return [
        Path(p) for p, doc in read_normalized(reports) if isinstance(doc, Exception) or _text_hash(doc.text) not in seen
    ]


def score(tagger: Tagger, reports: Sequence[Path], gold_dir: Path, synthetic: int, work: Path) -> Scores:
    out = work / f"scores-{tagger.name.replace(':', '_')}.jsonl"
    out.write_text(jsonl_text(Extractor(tagger).extract_path(p) for p in reports), encoding="utf-8")
    report = evaluate(load_outputs(out), gold_dir, with_output_only=True)
    by_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for stem, tally in report.by_file.items():
        by_source[gold_source(stem)][0] += tally.right
        by_source[gold_source(stem)][1] += tally.total
    generated = synthetic_accuracy(range(HELD_OUT_SEED, HELD_OUT_SEED + synthetic), tagger).get("all")
    return Scores(
        (report.cells.right, report.cells.total),
        {k: (v[0], v[1]) for k, v in sorted(by_source.items())},
        (generated.right, generated.total) if generated else (0, 0),
        report,
    )


def gate(new: Scores, old: Scores | None, tolerance: int = 0) -> tuple[bool, str]:
    """Promote only a candidate with more gold cells right that loses at most ``tolerance`` cells on every
    source; a tie keeps the current model."""
    if old is None:
        return True, "no current model"
    worse = {
        src: (old.by_source[src][0], got[0])
        for src, got in new.by_source.items()
        if src in old.by_source and got[0] < old.by_source[src][0] - tolerance
    }
    if worse:
        named = ", ".join(f"{s} {a}→{b}" for s, a, b in ((s, *v) for s, v in worse.items()))
        return False, f"regresses {named}"
    if new.gold[0] > old.gold[0]:
        return True, f"{new.gold[0] - old.gold[0]} more gold cells right, no source worse"
    if new.gold[0] == old.gold[0]:
        return False, "a tie on gold keeps the current model"
    return False, f"{old.gold[0] - new.gold[0]} fewer gold cells right"


def _readable(path: Path) -> None:
    """Files as a checkout has them (0644 under the usual umask), not the 0600 of a temporary file."""
    umask = os.umask(0)
    os.umask(umask)
    for f in path.rglob("*"):
        f.chmod((0o777 if f.is_dir() else 0o666) & ~umask)


CALIBRATION_SEED = 3_000_000  # generated reports the calibration is fitted on (gold holds few errors)


def finish(model_dir: Path, scores: Scores, data: dict[str, int], tagger: Tagger, generated: int = 100) -> None:
    """Re-fit the calibration on the gate's gold cells plus ``generated`` generated reports (measured on half as
    many others), and write ``metrics.json`` and the model card."""
    from training.synthetic import calibrate_on

    report = scores.report
    assert report is not None, "scores of a run, not of a changelog"
    conf = [c for _, c, _ in report.cell_confidence]
    ok = [r for _, _, r in report.cell_confidence]
    fit_seeds = range(CALIBRATION_SEED, CALIBRATION_SEED + generated)
    held_seeds = range(CALIBRATION_SEED + generated, CALIBRATION_SEED + generated * 3 // 2 + 1)
    gold = list(zip(conf, ok, strict=True))
    fitted_on = f"{len(report.by_file)} held-out gold reports (model alone)"
    calibrated = calibrate_on(gold, tagger, fit_seeds, held_seeds, fitted_on)
    fitted, held, held_split = calibrated.calibration, calibrated.held, calibrated.held_split
    fitted.save(model_dir / CALIBRATION_FILE)
    metrics = {
        "gold_cells": list(scores.gold),
        "gold_by_source": {k: list(v) for k, v in scores.by_source.items()},
        "generated_cells": list(scores.generated),
        "training_examples": data,
        "ece_raw": round(reliability(conf, ok).ece, 4),
        "ece_calibrated": round(reliability([fitted(c) for c in conf], ok).ece, 4),
        "ece_generated_calibrated": round(reliability([fitted(c) for c, _ in held], [r for _, r in held]).ece, 4)
        if held
        else None,
        "split_cells_held_out": len(held_split),
        "split_right_held_out": sum(r for _, r in held_split),
        "ece_split_calibrated": round(
            reliability([fitted.of_split(c) for c, _ in held_split], [r for _, r in held_split]).ece, 4
        )
        if held_split
        else None,
    }
    (model_dir / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (model_dir / "README.md").write_text(card(model_dir, metrics), encoding="utf-8")


def card(model_dir: Path, metrics: dict) -> str:
    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    total = sum(metrics["training_examples"].values()) or 1
    share = "\n".join(f"| {k} | {v} | {v / total:.1%} |" for k, v in sorted(metrics["training_examples"].items()))
    sources = "\n".join(f"| {k} | {r}/{t} |" for k, (r, t) in metrics["gold_by_source"].items())
    g, s = metrics["gold_cells"], metrics["generated_cells"]
    init_from = ((manifest.get("config") or {}).get("train") or {}).get("init_from") or "scratch"
    return f"""# {manifest.get("model_id")}

A character-level `BertForTokenClassification` tagger for xxgk (one character per token), written by
`xxgk retrain` when the gate promoted it. Figures: the model alone (no rule cross-check) on the real gold
reports held out from its training data, and on held-out generated reports (seeds from {HELD_OUT_SEED:,}).
The weights are `model.safetensors` (fp16; transformers) and the same weights as `model.onnx`, which `xxgk`
reads with ONNX Runtime by default (`--runtime torch` for transformers; both give the same tags).

- gold cells: {g[0]}/{g[1]}; generated cells: {s[0]}/{s[1]}
- fine-tuned from: {init_from}
- ECE on the gold cells: raw {metrics["ece_raw"]}, calibrated {metrics["ece_calibrated"]} (`calibration.json`,
  fitted on those same cells and generated reports: an in-sample figure); calibrated on held-out generated
  reports: {metrics.get("ece_generated_calibrated")}
- glued runs the tagger split, no rule deciding (held-out generated glued reports):
  {metrics.get("split_right_held_out")} of {metrics.get("split_cells_held_out")} cells right, ECE under their own
  calibration map {metrics.get("ece_split_calibrated")}

## Gold cells by source

| source | cells right |
|---|---|
{sources}

## Training examples (after weighting)

| source | examples | share |
|---|---|---|
{share}
"""


def retrain(
    config: RunConfig,
    human: Sequence[Path],
    models: Path,
    reports: Sequence[Path],
    gold_dir: Path,
    *,
    synthetic: int = 50,
    human_weight: int = 1,
    tolerance: int = 0,
    calibration_reports: int = 100,
    progress: Callable[[int, int, float], None] | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> Decision:
    """Train a candidate on the config's data plus ``human`` corpora (each human example ``human_weight``
    times); promote it to ``models/default`` if the gate says so."""
    from extractor.corpus import read_corpus

    data = DataConfig(**{**config.data.model_dump(), "corpora": tuple(config.data.corpora)})
    say("building the training examples…")
    base = examples_for(data)
    people = [(ex.text, ex.spans) for h in human for ex in read_corpus(h)]
    examples = [*base, *people * max(1, human_weight)]
    shares = {"generated and silver": len(base), "human": len(people) * max(1, human_weight)}
    gated = held_out(reports, examples)
    say(
        f"{len(examples)} examples ({len(people)} human ×{human_weight}); the gate scores {len(gated)} of "
        f"{len(reports)} gold reports (the others are training data)"
    )
    candidate = train(examples, config.train, progress=progress)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    candidate.model_id = f"{config.train.model_id}-{stamp}"
    models.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=models) as tmp:
        staged = Path(tmp) / CANDIDATE
        extra = {"config": config.model_dump(mode="json"), "human_corpora": [str(h) for h in human]}
        candidate.save(staged, extra=extra)
        candidate = TransformersTagger.load(staged)  # score what was saved (fp16 weights), not the training copy
        work = Path(tmp)
        say("scoring the candidate…")
        new = score(candidate, gated, gold_dir, synthetic, work)
        current_dir = models / DEFAULT
        say("scoring the current model…")
        old = None
        if current_dir.is_dir():
            old = score(TransformersTagger.load(current_dir), gated, gold_dir, synthetic, work)
        promoted, why = gate(new, old, tolerance)
        if promoted:
            finish(staged, new, shares, candidate, calibration_reports)
            _readable(staged)
            if current_dir.is_dir():
                retire(models)
            shutil.move(str(staged), str(current_dir))
        kept = models / HISTORY / candidate.model_id
        if not promoted:  # kept for a look, restorable like any other: `xxgk model rollback ID`
            kept.parent.mkdir(parents=True, exist_ok=True)
            _readable(staged)
            shutil.move(str(staged), str(kept))
    verdict = "promoted" if promoted else "kept the current model"
    line = f"- {stamp} {candidate.model_id}: {new}; current: {old or 'none'} → {verdict} ({why})\n"
    with (models / "CHANGELOG.md").open("a", encoding="utf-8") as fh:
        fh.write(line)
    return Decision(promoted, new, old, current_dir if promoted else kept, why, tuple(p.stem for p in gated))


# ---- the models folder ----------------------------------------------------------------------------
def _model_id(path: Path) -> str:
    return str(json.loads((path / "manifest.json").read_text(encoding="utf-8")).get("model_id", path.name))


def retire(models: Path) -> Path:
    """Move ``default/`` into ``history/`` under its model id (replacing an older copy of the same id)."""
    current = models / DEFAULT
    previous = models / HISTORY / _model_id(current)
    previous.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(previous, ignore_errors=True)
    shutil.move(str(current), str(previous))
    (previous / RETIRED).write_text(dt.datetime.now(dt.UTC).isoformat() + "\n", encoding="utf-8")
    return previous


@dataclass(frozen=True)
class Entry:
    model_id: str
    path: Path
    default: bool
    gold: str  # cells right on gold as its metrics recorded them, or "-"


def list_models(models: Path) -> list[Entry]:
    out = []
    for path in [models / DEFAULT, *sorted((models / HISTORY).glob("*"))]:
        if not (path / "manifest.json").is_file():
            continue
        gold = "-"
        metrics = path / "metrics.json"
        if metrics.is_file():
            m = json.loads(metrics.read_text(encoding="utf-8"))
            cells = m.get("gold_cells") or (m.get("gold_model") or {}).get("cells")
            gold = f"{cells[0]}/{cells[1]}" if cells else "-"
        out.append(Entry(_model_id(path), path, path.name == DEFAULT, gold))
    return out


def rollback(models: Path, model_id: str | None = None) -> Entry:
    """Make a model of ``history/`` the default again (the newest one, or ``model_id``); the current default
    goes to ``history/``, so a rollback can itself be rolled back."""
    history = [e for e in list_models(models) if not e.default]
    if model_id is not None:
        history = [e for e in history if e.model_id == model_id]
    if not history:
        raise FileNotFoundError(f"no model {model_id or ''} in {models / HISTORY}".replace("  ", " "))
    if model_id is None:  # the model that was the default last, not a candidate that never was
        retired = [e for e in history if (e.path / RETIRED).is_file()]
        if not retired:
            raise FileNotFoundError(f"no earlier default in {models / HISTORY}: name one (xxgk model list)")
        chosen = max(retired, key=lambda e: (e.path / RETIRED).read_text(encoding="utf-8"))
    else:
        chosen = history[0]
    with tempfile.TemporaryDirectory(dir=models) as tmp:
        staged = Path(tmp) / "restored"
        shutil.move(str(chosen.path), str(staged))
        if (models / DEFAULT).is_dir():
            retire(models)
        (staged / RETIRED).unlink(missing_ok=True)
        shutil.move(str(staged), str(models / DEFAULT))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    with (models / "CHANGELOG.md").open("a", encoding="utf-8") as fh:
        fh.write(f"- {stamp} rollback: {chosen.model_id} is the default again\n")
    return Entry(chosen.model_id, models / DEFAULT, True, chosen.gold)
