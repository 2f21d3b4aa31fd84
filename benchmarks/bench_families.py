"""Cell accuracy per layout family (``training/families.py``) on held-out generated reports, for the
model alone, the rules alone and the default (model cross-checked by the rules), with silently wrong cells
(wrong, read or blank, confidence ≥ 0.9, no failing or unassessable check naming it) and absent cells.

    python benchmarks/bench_families.py --reports 40 [--candidate training/runs/student]

``--candidate``: a model directory read beside the shipped one, alone and cross-checked by the rules.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from extractor.evaluate import same_value
from extractor.io.readers import source_from_bytes
from extractor.pipeline import extract
from extractor.tagging import Tagger
from extractor.tagging.load import load_tagger
from training.families import FAMILIES, with_family
from training.synth import generate

FIRST_SEED = 5_000_000  # far from training seeds (0…) and the other held-out sets (1_000_000…, 3_000_000…)


def shipped_readers(candidate: Path | None = None) -> dict[str, tuple[Tagger, Tagger | None]]:
    """The shipped model alone, the rules alone and the two together; with ``candidate`` (a model directory),
    that model alone and cross-checked too."""
    model, rules = load_tagger("model"), load_tagger("rules")
    readers: dict[str, tuple[Tagger, Tagger | None]] = {
        "model": (model, None),
        "rules": (rules, None),
        "model+rules": (model, rules),
    }
    if candidate:
        other = load_tagger("model", candidate)
        readers |= {"candidate": (other, None), "candidate+rules": (other, rules)}
    return readers


def tally(
    reports: int, families: tuple[str, ...] = FAMILIES, readers: dict[str, tuple[Tagger, Tagger | None]] | None = None
) -> Counter[tuple[str, str, str]]:
    """Counts per (family, reader, what); the readers are (tagger, cross-check) pairs, by default the shipped
    model alone, the rules alone and the two together."""
    readers = readers or shipped_readers()
    counts: Counter[tuple[str, str, str]] = Counter()
    for seed in range(FIRST_SEED, FIRST_SEED + reports):
        for family in families:
            report = with_family(generate(seed), family, seed)
            source = source_from_bytes(f"{family}-{seed}.txt", report.text.encode("utf-8"))
            for name, (tagger, second) in readers.items():
                out = extract(source, tagger=tagger, cross_check=second)
                flagged = {k for c in out.checks if c.status.value in ("fail", "not_assessable") for k in c.cells}
                for key, want in report.cells.items():
                    got = out.cells.get(key)
                    ok = same_value(got.value if got else None, want)
                    counts[family, name, "cells"] += 1
                    counts[family, name, "right"] += ok
                    table_found = key.split(".")[0] in out.template_detail
                    counts[family, name, "absent"] += got is None and table_found
                    sure = got is not None and got.status.value in ("read", "blank") and got.confidence >= 0.9
                    counts[family, name, "silent"] += (not ok) and sure and key not in flagged
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=40)
    parser.add_argument("--families", nargs="*", choices=FAMILIES, default=list(FAMILIES), help="default: all")
    parser.add_argument("--candidate", type=Path, help="a model directory read beside the shipped model")
    args = parser.parse_args()
    readers = shipped_readers(args.candidate)
    counts = tally(args.reports, tuple(args.families), readers)
    print(f"{args.reports} generated reports per family (seeds {FIRST_SEED}…)\n")
    print("| family | reader | cells | accuracy | silently wrong | absent |")
    print("|---|---|---|---|---|---|")
    for family in args.families:
        for name in readers:
            n, right = counts[family, name, "cells"], counts[family, name, "right"]
            print(
                f"| {family} | {name} | {n} | {right / max(n, 1):.4f} | {counts[family, name, 'silent']} "
                f"| {counts[family, name, 'absent']} |"
            )


if __name__ == "__main__":
    main()
