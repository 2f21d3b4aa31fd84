"""Glued digit runs no arithmetic splits: table 二 of one-line glued dumps (``规章2729318``: 本年制发 / 本年废止 /
现行有效 printed as one run) and of reports whose rows keep their lines but not their cell borders (the
``glued_rows`` family: ``规章`` / ``2729318``), read by the rules (which leave such a run's cells empty) and by
models, which split it where they read the cells to start when the split holds more than half the probability
(``resolve``).

    python benchmarks/bench_splits.py --reports 60 [--model DIR ...]

Per reader and kind: table 二 cells right, cells whose split the model chose, how many of those are right, and
their mean confidence (status ``repaired``: never counted as sure).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from extractor.evaluate import same_value
from extractor.io.readers import source_from_bytes
from extractor.pipeline import extract
from extractor.resolve import TAGGER_SPLIT
from extractor.tagging import Tagger
from extractor.tagging.load import load_tagger
from training.families import with_family
from training.synth import SynthReport, generate

FIRST_SEED = 7_000_000  # far from training seeds (0…, 40,000…) and the other held-out sets


def glued_rows(seed: int) -> SynthReport:
    """A report of lines, tabs or spaces (in turn by seed) whose rows print their cells glued."""
    return with_family(generate(seed, layout=("lines", "tabs", "spaces")[seed % 3]), "glued_rows", seed)


KINDS = {  # what is glued: every line of a one-line dump, or each row's cells in a report of lines
    "glued dump": lambda seed: generate(seed, layout="glued"),
    "glued rows": glued_rows,
}


def tally(tagger: Tagger, reports: int, kind: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for seed in range(FIRST_SEED, FIRST_SEED + reports):
        report = KINDS[kind](seed)
        out = extract(source_from_bytes(f"glued-{seed}.txt", report.text.encode("utf-8")), tagger=tagger)
        chosen_rows = {r.split(":")[0] for r in out.review.reasons if TAGGER_SPLIT in r}
        for key, want in report.cells.items():
            if not key.startswith("active."):
                continue
            got = out.cells.get(key)
            ok = same_value(got.value if got else None, want)
            counts["cells"] += 1
            counts["right"] += ok
            if got is not None and key.rsplit(".", 1)[0] in chosen_rows and got.status.value == "repaired":
                counts["chosen"] += 1
                counts["chosen right"] += ok
                counts["chosen confidence ‰"] += round(1000 * got.confidence)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=60)
    parser.add_argument("--model", type=Path, nargs="*", default=[], help="model directories beside the shipped one")
    args = parser.parse_args()
    readers: dict[str, Tagger] = {"rules": load_tagger("rules"), "shipped model": load_tagger("model")}
    readers |= {str(path): load_tagger("model", path) for path in args.model}
    print(f"table 二 of {args.reports} generated reports of each kind (seeds {FIRST_SEED}…), each reader alone\n")
    print("| kind | reader | cells | right | split chosen by the model | of them right | their mean confidence |")
    print("|---|---|---|---|---|---|---|")
    for kind in KINDS:
        for name, tagger in readers.items():
            c = tally(tagger, args.reports, kind)
            chosen = c["chosen"]
            mean = c["chosen confidence ‰"] / chosen / 1000 if chosen else 0.0
            print(
                f"| {kind} | {name} | {c['cells']} | {c['right']} ({c['right'] / max(c['cells'], 1):.3f}) "
                f"| {chosen} | {c['chosen right']} | {mean:.2f} |"
            )


if __name__ == "__main__":
    main()
