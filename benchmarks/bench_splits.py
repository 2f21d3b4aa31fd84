"""Glued digit runs no arithmetic splits: table 二 of one-line glued dumps (``规章2729318``: 本年制发 / 本年废止 /
现行有效 printed as one run) and of reports whose rows keep their lines but not their cell borders (the
``glued_rows`` family: ``规章`` / ``2729318``), read by the rules (which leave such a run's cells empty) and by
models, which split it where they read the cells to start when the split holds more than half the probability
(``resolve``).

    python benchmarks/bench_splits.py --reports 60 [--model DIR ...]

Per reader and kind: table 二 cells right, cells whose split the model chose (``IssueCode.TAGGER_SPLIT``, status
``repaired``: never counted as sure), how many of those are right, and their mean confidence, raw and mapped by
the model's calibration (its map of such cells).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from extractor.calibration import CALIBRATION_FILE, Calibration
from extractor.tagging import Tagger
from extractor.tagging.load import load_tagger
from training.synthetic import GLUED, split_cells

FIRST_SEED = 7_000_000  # far from training seeds (0…, 40,000…) and the other held-out sets


def tally(tagger: Tagger, reports: int, calibration: Calibration | None) -> Counter[tuple[str, str]]:
    """Counts per (kind, what): table 二 cells, right, split by the tagger, of them right, and their summed raw
    and calibrated confidence (‰)."""
    counts: Counter[tuple[str, str]] = Counter()
    for kind, cell, ok, split in split_cells(range(FIRST_SEED, FIRST_SEED + reports), tagger):
        counts[kind, "cells"] += 1
        counts[kind, "right"] += ok
        if cell is not None and split:
            counts[kind, "chosen"] += 1
            counts[kind, "chosen right"] += ok
            counts[kind, "raw ‰"] += round(1000 * cell.confidence)
            calibrated = calibration.of_split(cell.confidence) if calibration else cell.confidence
            counts[kind, "calibrated ‰"] += round(1000 * calibrated)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=60)
    parser.add_argument("--model", type=Path, nargs="*", default=[], help="model directories beside the shipped one")
    args = parser.parse_args()
    shipped = Path(__file__).resolve().parents[1] / "models" / "default"
    readers: dict[str, tuple[Tagger, Path | None]] = {
        "rules": (load_tagger("rules"), None),
        "shipped model": (load_tagger("model"), shipped),
    }
    readers |= {str(path): (load_tagger("model", path), path) for path in args.model}
    print(f"table 二 of {args.reports} generated reports of each kind (seeds {FIRST_SEED}…), each reader alone\n")
    print("| kind | reader | cells | right | split by the model | of them right | mean confidence raw / calibrated |")
    print("|---|---|---|---|---|---|---|")
    for name, (tagger, where) in readers.items():
        path = where / CALIBRATION_FILE if where else None
        c = tally(tagger, args.reports, Calibration.load(path) if path and path.exists() else None)
        for kind in GLUED:
            chosen = c[kind, "chosen"]
            raw, calibrated = (c[kind, f"{w} ‰"] / chosen / 1000 if chosen else 0.0 for w in ("raw", "calibrated"))
            cells, right = c[kind, "cells"], c[kind, "right"]
            print(
                f"| {kind} | {name} | {cells} | {right} ({right / max(cells, 1):.3f}) | {chosen} "
                f"| {c[kind, 'chosen right']} | {raw:.2f} / {calibrated:.2f} |"
            )


if __name__ == "__main__":
    main()
