"""How the repair engine fares against garbled tables, and on the real reports whose rows are glued.

    python benchmarks/bench_repair.py [--reports 300] [--tagger rules|model]

Part 1: generated reports with whole tables that the tagger reads exactly as printed are garbled once per kind
(``training.garble``: a glued row, a dropped value, two transposed digits, an OCR look-alike digit in
a scan). Each outcome is ``recovered`` (every cell of tables 三/四 as drawn), ``flagged`` (each differing cell
is missing, inferred, or in a failing check), ``repaired_wrong`` (a repair the rules accept, marked ``repaired``
and listed in the review reasons, but wrong) or ``silent`` (read as printed, every check passing, wrong).

Part 2: the real reports in ``../shared/data`` against their gold files, table by table, for the tables in
which the engine split glued digits, placed a short row or left readings open.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from pathlib import Path

from extractor.evaluate import same_value
from extractor.extractor import Extractor
from extractor.pipeline import extract
from extractor.schema import CellStatus, CheckStatus
from extractor.tagging.load import load_tagger
from training.garble import GARBLERS, OUTCOMES, outcome, ready, source_of
from training.synth import generate

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
LAYOUTS = ("tabs", "spaces", "lines", "pipes")
REPAIR_CODES = ("glued_digits", "short_row", "ambiguous_split", "ocr_reread")


def garbles(n: int, tagger_name: str) -> None:
    tagger = load_tagger(tagger_name)
    counts: Counter[tuple[str, str]] = Counter()
    silent_examples: list[str] = []
    used = 0
    t0 = time.perf_counter()
    for seed in range(n):
        report = generate(seed, LAYOUTS[seed % len(LAYOUTS)])
        if not ready(report, tagger):
            continue
        used += 1
        for kind, garble in GARBLERS.items():
            garbled = garble(report, random.Random(seed))
            if garbled is None:
                continue
            result, cells = outcome(extract(source_of(garbled), tagger=tagger), report)
            counts[(kind, result)] += 1
            if result in ("silent", "repaired_wrong"):
                silent_examples.append(f"{result}: seed {seed} {kind}: {garbled.detail} → {cells[:3]}")
    elapsed = time.perf_counter() - t0
    print(f"\n### Garbled generated reports ({tagger_name} tagger; {used} of {n} reports usable; {elapsed:.0f} s)\n")
    print("| garble | cases | recovered | flagged | repaired, rules pass, wrong | silently wrong |")
    print("|---|---|---|---|---|---|")
    for kind in GARBLERS:
        total = sum(counts[(kind, r)] for r in OUTCOMES)
        if total:
            cells = [f"{counts[(kind, r)]} ({counts[(kind, r)] / total:.1%})" for r in OUTCOMES]
            print(f"| {kind} | {total} | " + " | ".join(cells) + " |")
    for line in silent_examples[:10]:
        print(f"- {line}")


def real_reports(tagger_name: str) -> None:
    tagger = load_tagger(tagger_name)
    print(f"\n### Real reports: tables the engine had to repair ({tagger_name} tagger)\n")
    print("| report | table | issues | cells right | wrong and flagged | wrong and unflagged |")
    print("|---|---|---|---|---|---|")
    for gold_path in sorted((SHARED / "gold").glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        source = next((p for p in SHARED.rglob(f"{gold_path.stem}.*") if "gold" not in p.parts), None)
        if source is None:
            continue
        out = Extractor(tagger).extract_path(source)
        failing = {k for c in out.checks if c.status is CheckStatus.FAIL for k in c.cells}
        for table in ("active", "applications", "review"):
            codes = [r.split(": ")[1] for r in out.review.reasons if r.startswith(table) and ": " in r]
            codes = [c for c in codes if c in REPAIR_CODES]
            if not codes:
                continue
            want = {k: v for k, v in gold["cells"].items() if k.startswith(table + ".")}
            right = flagged = silent = 0
            for key, value in want.items():
                cell = out.cells.get(key)
                wanted = value.get("value") if isinstance(value, dict) else value
                if cell is not None and same_value(cell.value, wanted):
                    right += 1
                elif cell is None or cell.status in (CellStatus.MISSING, CellStatus.INFERRED) or key in failing:
                    flagged += 1
                else:
                    silent += 1
            issues = ", ".join(f"{c} ×{n}" for c, n in Counter(codes).items())
            print(f"| {gold_path.stem} | {table} | {issues} | {right}/{len(want)} | {flagged} | {silent} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--tagger", default="rules")
    args = parser.parse_args()
    garbles(args.reports, args.tagger)
    if SHARED.is_dir():
        real_reports(args.tagger)


if __name__ == "__main__":
    main()
