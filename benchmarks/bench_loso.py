"""Leave one source out over the real gold: does training on the other sources' known values help on a source
the model has never seen?

    python benchmarks/bench_loso.py [--config training/configs/finetune.toml] [--weight 10] [--sources a,b]

Every gold report's values become span labels (``training.corpora.gold_examples``: each value aligned with the
text under the template's order). For each source (``training.promote.gold_source``: hongze_2023 and
hongze_2024 are one), the current model is fine-tuned on the generated replay of the config plus the labelled
reports of every *other* source (each ``--weight`` times), and the model alone is scored on the left-out
source. Printed per source: cells right, silently wrong cells (read or blank, confidence ≥ 0.9, no failing
check: ``extractor.evaluate``) and absent cells, for the rules, the current model and the fine-tuned one; then
the totals, and the ECE of the models' cell confidences: raw, and calibrated without the source, the way a
source never seen is calibrated (an isotonic map fitted on the other sources' cells, each read by the model
fine-tuned without *its* source, applied to the left-out source's cells; ``cross_fitted``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data"


def _score(tagger, reports, gold_dir: Path, work: Path):
    """(right, total, silent, absent) and (confidence, right) pairs of ``tagger`` alone on ``reports``."""
    from extractor.evaluate import evaluate, load_outputs
    from extractor.extractor import Extractor
    from extractor.io.writers import jsonl_text

    out = work / "scores.jsonl"
    out.write_text(jsonl_text(Extractor(tagger).extract_path(p) for p in reports), encoding="utf-8")
    report = evaluate(load_outputs(out), gold_dir, with_output_only=True)
    faults = report.faults.get("all", {})
    counts = (report.cells.right, report.cells.total, faults.get("silent", 0), faults.get("absent", 0))
    return counts, [(c, ok) for _, c, ok in report.cell_confidence]


def cross_fitted(held: dict[str, list[tuple[float, bool]]]) -> list[tuple[float, bool]]:
    """Each source's (confidence, right) pairs with the confidence calibrated by an isotonic map fitted on the
    other sources' pairs alone."""
    from extractor.calibration import fit

    out = []
    for source, got in held.items():
        others = [pair for other, more in held.items() if other != source for pair in more]
        mapped = fit([c for c, _ in others], [r for _, r in others])
        out += [(mapped(c), r) for c, r in got]
    return out


def main() -> None:
    from extractor.calibration import reliability
    from extractor.evaluate import Gold
    from extractor.io.readers import expand_paths
    from extractor.tagging.hf import TransformersTagger
    from extractor.tagging.load import load_tagger
    from training.corpora import gold_examples
    from training.promote import gold_source
    from training.train import RunConfig, examples_for, train

    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, default=REPO / "training/configs/finetune.toml")
    parser.add_argument("--weight", type=int, default=10)
    parser.add_argument("--sources", default="", help="comma-separated sources to leave out (default: all)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    started = time.perf_counter()
    gold_dir = DATA / "gold"
    golds = {g.key for g in map(Gold.load, sorted(gold_dir.glob("*.json"))) if g.cells}
    files = [p for p in expand_paths([str(DATA / d) for d in ("seeds", "dev", "pages")]) if p.stem in golds]
    by_source: dict[str, list[Path]] = defaultdict(list)
    for f in files:
        by_source[gold_source(f.stem)].append(f)
    wanted = [s for s in args.sources.split(",") if s] or sorted(by_source)

    labelled, skipped = gold_examples(files, gold_dir)
    for stem, why in skipped:
        print(f"not labelled: {stem}: {why}")
    config = RunConfig.load(args.config)
    replay = examples_for(config.data)
    model, rules = load_tagger("model", None), load_tagger("rules", None)
    print(f"{len(labelled)} labelled gold reports, {len(replay)} replayed generated reports, weight {args.weight}\n")

    rows, pairs = [], {"model": [], "loso": []}
    held: dict[str, list[tuple[float, bool]]] = {}  # source → its cells as the model tuned without it reads them
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for source in wanted:
            reports = by_source[source]
            others = [
                (ex.text, ex.spans) for ex in labelled if gold_source(ex.id.removeprefix("gold-")) != source
            ] * args.weight
            t0 = time.perf_counter()
            tuned = train([*replay, *others], config.train)
            tuned.save(work / "tuned")
            tuned = TransformersTagger.load(work / "tuned")  # score the saved fp16 weights
            r, _ = _score(rules, reports, gold_dir, work)
            m, mp = _score(model, reports, gold_dir, work)
            t, tp = _score(tuned, reports, gold_dir, work)
            pairs["model"] += mp
            pairs["loso"] += tp
            held[source] = tp
            rows.append((source, r, m, t))
            print(
                f"  {source}: rules {r[0]}/{r[1]}, model {m[0]}, fine-tuned {t[0]} ({time.perf_counter() - t0:.0f} s)"
            )

    def cell(c) -> str:
        return f"{c[0]}/{c[1]} ({c[2]} silent, {c[3]} absent)"

    print("\nleave one source out: the model alone, fine-tuned without the source it is scored on\n")
    print("| source | rules | current model | fine-tuned on the other sources |")
    print("|---|---|---|---|")
    for source, r, m, t in rows:
        print(f"| {source} | {cell(r)} | {cell(m)} | {cell(t)} |")
    total = [tuple(sum(x[i][k] for x in rows) for k in range(4)) for i in (1, 2, 3)]
    print(f"| **all** | {cell(total[0])} | {cell(total[1])} | {cell(total[2])} |")
    for name, got in pairs.items():
        if got:
            conf, ok = zip(*got, strict=True)
            print(f"raw ECE, {name}: {reliability(conf, ok).ece:.4f} over {len(got)} cells")
    if len(held) > 1:
        conf, ok = zip(*cross_fitted(held), strict=True)
        print(f"ECE, fine-tuned, calibrated without the source: {reliability(conf, ok).ece:.4f}")
    print(f"{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
