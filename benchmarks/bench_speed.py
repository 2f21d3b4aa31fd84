"""Throughput of the default model path against the rules on real report files, measured in one run (issue #15).

    python benchmarks/bench_speed.py [--copies 4] [--data ../shared/data]

The real ``.txt`` and ``.html`` reports of ``--data`` are copied ``--copies`` times, each copy with distinct
bytes (a trailing line naming the copy), so every document is read, tagged and written as in a real run.
Prints one markdown table: documents, characters, seconds, docs/s, chars/s and the ratio to the rules, for
the rules, the model cross-checked by the rules (the default) and the model alone; then start-up time of
``xxgk extract one.txt``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from extractor.batch import run_batch
from extractor.extractor import ExtractorSpec

PATHS = {
    "rules": ExtractorSpec("rules"),
    "default (model + rules)": ExtractorSpec("model"),
    "model alone": ExtractorSpec("model", cross_check=False),
}


def copies(data: Path, folder: Path, n: int) -> list[Path]:
    originals = sorted(p for p in data.rglob("*") if p.suffix in (".txt", ".html") and p.name != "SOURCES.tsv")
    out = []
    for i in range(n):
        for p in originals:
            target = folder / f"{p.stem}-{i}{p.suffix}"
            target.write_bytes(p.read_bytes() + f"\n{i}\n".encode())
            out.append(target)
    return out


def startup(one: Path, tagger: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "extractor", "extract", str(one), "-o", f"{tmp}/o.jsonl", "-q", "--tagger", tagger],
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--data", type=Path, default=Path(__file__).parents[1].parent / "shared" / "data")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "docs").mkdir()
        paths = copies(args.data, tmp / "docs", args.copies)
        chars = sum(len(p.read_bytes().decode("utf-8", "replace")) for p in paths)
        print(f"{len(paths)} real documents ({chars:,} characters), {args.workers} workers\n")
        print("| path | seconds | docs/s | chars/s | time ÷ rules |")
        print("|---|---|---|---|---|")
        rules_seconds = None
        for i, (name, spec) in enumerate(PATHS.items()):
            out = tmp / f"path{i}.jsonl"
            t0 = time.perf_counter()
            run_batch(paths, out, spec, tagger_name=spec.tagger_name(), workers=args.workers, timeout=600)
            seconds = time.perf_counter() - t0
            rules_seconds = rules_seconds or seconds
            print(
                f"| {name} | {seconds:.1f} | {len(paths) / seconds:.1f} | {chars / seconds:,.0f} "
                f"| {seconds / rules_seconds:.2f} |"
            )
        one = paths[0]
        print("\n| start-up, `xxgk extract one.txt` | seconds |\n|---|---|")
        for tagger in ("rules", "model"):
            print(f"| --tagger {tagger} | {startup(one, tagger):.2f} |")


if __name__ == "__main__":
    main()
